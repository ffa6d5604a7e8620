import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { isTourniquetError, type ErrorCode } from '../../../src/errors.js';
import { verifyGitHubPartner } from '../../../src/intake/verify/index.js';
import { normalizeGitHubPartner } from '../../../handlers/sources/github-partner.js';
import { fixtureText } from '../sources/fixtures.js';

async function rejectsCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => isTourniquetError(e) && e.code === code);
}

function p256(): { privateKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const current = p256();
const other = p256();
const KEY_ID = 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c';
const keys = new Map([[KEY_ID, current.pem]]);
const lookupKey = async (id: string): Promise<string | undefined> => keys.get(id);
const body = fixtureText('github-partner.batch.json');
const signature = (raw: string, key: KeyObject = current.privateKey) =>
  sign('sha256', Buffer.from(raw), key).toString('base64');
const headers = (sig: string, id = KEY_ID) => ({
  'github-public-key-identifier': id,
  'github-public-key-signature': sig,
});

describe('verifyGitHubPartner (ECDSA P-256 over the raw body)', () => {
  it('accepts a signature made with the named key, then the body normalizes', async () => {
    const v = await verifyGitHubPartner(body, headers(signature(body)), { lookupKey });
    assert.deepEqual(v, { scheme: 'github.partner-ecdsa-p256', keyId: KEY_ID });
    assert.equal(normalizeGitHubPartner(body).ok, true);
    // A synchronous lookup works as well.
    await verifyGitHubPartner(Buffer.from(body), headers(signature(body)), {
      lookupKey: (id) => keys.get(id),
    });
  });

  it('rejects a re-serialised body: the signature covers the bytes as sent', async () => {
    const reserialised = JSON.stringify(JSON.parse(body));
    assert.notEqual(reserialised, body);
    await rejectsCode(
      verifyGitHubPartner(reserialised, headers(signature(body)), { lookupKey }),
      'INVALID_SIGNATURE',
    );
  });

  it('rejects another key, an unknown key id, a malformed signature and missing headers', async () => {
    await rejectsCode(
      verifyGitHubPartner(body, headers(signature(body, other.privateKey)), { lookupKey }),
      'INVALID_SIGNATURE',
    );
    await rejectsCode(
      verifyGitHubPartner(body, headers(signature(body), 'unknown-key'), { lookupKey }),
      'INVALID_SIGNATURE',
    );
    await rejectsCode(verifyGitHubPartner(body, headers('not base64!'), { lookupKey }), 'INVALID_SIGNATURE');
    await rejectsCode(
      verifyGitHubPartner(body, headers(Buffer.from('garbage').toString('base64')), { lookupKey }),
      'INVALID_SIGNATURE',
    );
    await rejectsCode(verifyGitHubPartner(body, {}, { lookupKey }), 'INVALID_SIGNATURE');
  });

  it('a configured key that is not P-256 PEM is a configuration error', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    await rejectsCode(
      verifyGitHubPartner(body, headers(signature(body)), { lookupKey: () => rsa.toString() }),
      'INVALID_CONFIG',
    );
    await rejectsCode(
      verifyGitHubPartner(body, headers(signature(body)), { lookupKey: () => 'not a pem' }),
      'INVALID_CONFIG',
    );
  });
});
