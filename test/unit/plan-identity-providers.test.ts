/**
 * The offboarding playbook with identity providers (Okta, Entra ID, Google Workspace): her account at
 * each configured instance is closed from her `identities` entry alone, and those tasks come first
 * in the plan (the order its tasks are released in), ahead of her other credentials.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTrigger } from '../../handlers/plan.js';
import { Credential, Person } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { Trigger } from '../../schemas/trigger.js';
import { capabilitiesOf, FULL_CONFIGS } from '../support/capabilities.js';

const T = '2026-11-23T10:00:00.000Z';
const SA_KEY = JSON.stringify({
  type: 'service_account',
  client_email: 'sa@acme-admin.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nnot-loaded-until-used\n-----END PRIVATE KEY-----\n',
  private_key_id: 'k1',
});
const IDP_CONFIGS = [
  { type: 'okta', name: 'okta-main', orgUrl: 'http://127.0.0.1:9', apiToken: 'x' },
  { type: 'entra', name: 'entra-main', tenantId: 't', clientId: 'c', clientSecret: 's' },
  { type: 'google_workspace', name: 'gws-main', serviceAccountKey: SA_KEY, subject: 'admin@acme.example' },
];
const offboarding = Trigger.parse({
  id: 'off-1',
  kind: 'offboarding',
  source: 't',
  occurredAt: T,
  receivedAt: T,
  subject: { person: 'jane@acme.example' },
});
const jane = Person.parse({
  id: 'jane@acme.example',
  identities: {
    'github-main': 'janedoe',
    'okta-main': '00ujane',
    'entra-main': 'jane@acme.example',
    'gws-main': 'jane@acme.example',
  },
});
const credentials = [
  Credential.parse({
    id: 'vault-tok',
    provider: 'vault-main',
    kind: 'vault.token',
    providerId: 'acc1',
    owner: 'jane@acme.example',
  }),
];

describe('offboarding playbook: identity providers', () => {
  it('closes her Okta, Entra ID and Google Workspace accounts first, then the rest of hers', () => {
    const capabilities = capabilitiesOf([...FULL_CONFIGS, ...IDP_CONFIGS]);
    const plan = planTrigger(
      offboarding,
      { credentials, people: [jane], workloads: [] },
      {
        policy: Policy.parse({}),
        capabilities,
      },
    );
    const described = plan.tasks.map((t) => `${t.provider}:${t.credentialKind}:${t.action}:${t.providerId}`);
    assert.deepEqual(described.slice(0, 3), [
      'okta-main:okta.user:revoke:00ujane',
      'entra-main:entra.user:revoke:jane@acme.example',
      'gws-main:google_workspace.user:revoke:jane@acme.example',
    ]);
    assert.deepEqual(described.slice(3).sort(), [
      'github-main:github.org_member:revoke:janedoe',
      'github-main:github.saml_authorizations:revoke:janedoe',
      'vault-main:vault.token:revoke:acc1',
    ]);
    assert.ok(
      plan.tasks.every((t) => t.decision === 'auto' && t.after === undefined),
      'nothing waits on an IdP task',
    );
    assert.deepEqual(plan.needsOwner, []);
  });

  it('an identity at an IdP instance that is not configured is a note, not a task', () => {
    const plan = planTrigger(
      offboarding,
      { credentials: [], people: [jane], workloads: [] },
      {
        policy: Policy.parse({}),
        capabilities: capabilitiesOf(FULL_CONFIGS),
      },
    );
    assert.ok(!plan.tasks.some((t) => t.credentialKind.startsWith('okta.')));
    assert.equal(plan.notes.filter((n) => /okta-main|entra-main|gws-main/.test(n)).length, 3);
  });
});

describe('a leaked GCP service-account key file', () => {
  it('is deleted by value at the configured gcp_iam instance', () => {
    const capabilities = capabilitiesOf([
      ...FULL_CONFIGS,
      { type: 'gcp_iam', name: 'gcp-prod', serviceAccountKey: SA_KEY, projects: ['acme-prod'] },
    ]);
    const leak = Trigger.parse({
      id: 'leak-gcp',
      kind: 'leak',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: {
        secret: {
          fingerprint: 'f'.repeat(64),
          sealed: 'sealed-envelope',
          tokenType: 'gcp.service_account_key',
          providerType: 'gcp_iam',
        },
      },
    });
    const plan = planTrigger(
      leak,
      { credentials: [], people: [], workloads: [] },
      {
        policy: Policy.parse({}),
        capabilities,
      },
    );
    assert.deepEqual(
      plan.tasks.map((t) => [t.provider, t.credentialKind, t.action]),
      [['gcp-prod', 'gcp.service_account_key', 'revoke_by_value']],
    );
  });
});
