/**
 * A leaked GCP service-account key file is recognised in the shapes scanners print it: as the file
 * (pretty JSON), on one line, and after normalisation turned its PEM escapes into raw newlines.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { serviceAccountKeyRef } from '../../../handlers/classify/gcp.js';
import { classifyToken } from '../../../handlers/classify/index.js';
import { normaliseSecret } from '../../../handlers/classify/normalise.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
});
const key = {
  type: 'service_account',
  project_id: 'acme-prod',
  private_key_id: '0123456789abcdef0123456789abcdef01234567',
  private_key: pem.toString(),
  client_email: 'ci@acme-prod.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};

describe('classify: GCP service-account key files', () => {
  it('recognises the file, its one-line form and its normalised form, naming key id and project', () => {
    for (const rendering of [
      JSON.stringify(key, null, 2),
      JSON.stringify(key),
      normaliseSecret(JSON.stringify(key)),
    ]) {
      assert.equal(classifyToken(rendering).tokenType, 'gcp.service_account_key');
      assert.equal(classifyToken(rendering).providerType, 'gcp_iam');
      assert.deepEqual(serviceAccountKeyRef(rendering), {
        clientEmail: key.client_email,
        privateKeyId: key.private_key_id,
        project: 'acme-prod',
      });
    }
  });

  it('does not take other JSON for a key file', () => {
    for (const other of [
      { ...key, type: 'authorized_user' },
      { ...key, private_key_id: 'short' },
      { ...key, client_email: 'nope' },
    ])
      assert.notEqual(classifyToken(JSON.stringify(other)).tokenType, 'gcp.service_account_key');
    assert.equal(serviceAccountKeyRef('{"service_account": true'), undefined);
  });
});
