/**
 * Contract tests of the GCP IAM service-account key provider over real HTTP against the FAKE Google
 * token endpoint and IAM keys API in test/fakes/google.ts: conformance for disable and delete, and
 * revoking a leaked key file by the key it names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GcpIamProviderConfigInput } from '../../schemas/providers/google.js';
import { classifyToken } from '../../handlers/classify/index.js';
import { createGcpIamProvider } from '../../src/providers/gcp-iam.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { FakeGoogle, GOOGLE, googleFaults } from '../fakes/google.js';
import { rejected as rejects } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

const PROJECT = 'acme-prod';
let seq = 0;
const keyTask = (action: ProviderTask['action'], fields: Partial<ProviderTask>): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: null,
  action,
  credentialKind: 'gcp.service_account_key',
  ...fields,
});
const signal = () => AbortSignal.timeout(20_000);

async function world() {
  const fake = new FakeGoogle();
  await fake.start();
  const admin = fake.addServiceAccount('acme-security', false);
  const cfg: GcpIamProviderConfigInput = {
    type: 'gcp_iam',
    name: 'gcp-test',
    serviceAccountKey: admin.keyJson,
    tokenUrl: fake.tokenUrl,
    iamUrl: fake.iamUrl,
    projects: [PROJECT],
    timeoutMs: 2_000,
    propagationMs: 0,
  };
  const planted = (JSON.parse(admin.keyJson) as { private_key: string }).private_key.split('\n')[1]!;
  return { fake, cfg, planted };
}

for (const action of ['disable', 'delete'] as const) {
  providerConformance(`gcp.service_account_key ${action}`, async ({ logger }) => {
    const { fake, cfg, planted } = await world();
    const route = action === 'disable' ? GOOGLE.disableKey : GOOGLE.deleteKey;
    return {
      provider: createGcpIamProvider(cfg, { logger }),
      makeLiveCredential: async () => {
        const email = `ci@${PROJECT}.iam.gserviceaccount.com`;
        return keyTask(action, { providerId: `${email}:${fake.addKey(PROJECT, email)}` });
      },
      injectRetriable: () => {
        fake.inject(route, googleFaults.rateLimited(4));
        return { retryAfterMs: 4_000 };
      },
      injectPermanent: () => fake.inject(route, googleFaults.error(403, 'forbidden')),
      plantedSecret: planted,
      revokeCallCount: () => fake.calls(route),
      close: () => fake.close(),
    };
  });
}

describe('gcp iam provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('a leaked key file is recognised, and deleted by the private_key_id it names', async () => {
    const leaked = w.fake.addServiceAccount(PROJECT, false);
    // The leaked file's key is a user-managed key of its account at IAM.
    const keyId = leaked.privateKeyId;
    w.fake.addKeyWithId(PROJECT, leaked.email, keyId);
    assert.deepEqual(classifyToken(leaked.keyJson), {
      tokenType: 'gcp.service_account_key',
      providerType: 'gcp_iam',
      credential: true,
    });
    const provider = createGcpIamProvider(w.cfg);
    const task = keyTask('revoke_by_value', { secret: leaked.keyJson });
    assert.equal(provider.needsSecret(task), true);
    assert.equal((await provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.key(leaked.email, keyId), undefined);
    assert.equal((await provider.verify(task, signal())).liveness, 'dead');
    const elsewhere = w.fake.addServiceAccount('other-project', false);
    const foreign = await rejects(
      provider.execute(keyTask('revoke_by_value', { secret: elsewhere.keyJson }), signal()),
    );
    assert.equal(foreign.code, 'PROVIDER_MISCONFIGURED', 'a key of a project this instance does not act in');
  });

  it('a service-account key the token endpoint does not know → permanent PROVIDER_AUTH_FAILED', async () => {
    const stranger = new FakeGoogle().addServiceAccount('elsewhere', false);
    const provider = createGcpIamProvider({ ...w.cfg, serviceAccountKey: stranger.keyJson });
    const email = `y@${PROJECT}.iam.gserviceaccount.com`;
    const err = await rejects(
      provider.execute(
        keyTask('delete', { providerId: `${email}:${w.fake.addKey(PROJECT, email)}` }),
        signal(),
      ),
    );
    assert.equal(err.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(err.retriable, false);
    assert.equal((err.details as { error?: string }).error, 'invalid_grant');
  });

  it('malformed ids are INVALID_INPUT; the full key resource name is accepted', async () => {
    const provider = createGcpIamProvider(w.cfg);
    const bad = await rejects(provider.execute(keyTask('delete', { providerId: 'not-a-key' }), signal()));
    assert.equal(bad.code, 'INVALID_INPUT');
    const email = `x@${PROJECT}.iam.gserviceaccount.com`;
    const keyId = w.fake.addKey(PROJECT, email);
    const name = `projects/${PROJECT}/serviceAccounts/${email}/keys/${keyId}`;
    assert.equal(
      (await provider.execute(keyTask('disable', { providerId: name }), signal())).outcome,
      'revoked',
    );
    assert.equal(w.fake.key(email, keyId)?.disabled, true);
  });
});
