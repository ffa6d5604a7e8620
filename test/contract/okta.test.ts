/**
 * Contract tests of the Okta provider over real HTTP against the FAKE Okta in test/fakes/okta.ts:
 * the conformance suite for closing a person's account, then what each step does at the fake.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProviderTask } from '../../src/providers/port.js';
import { createOktaProvider } from '../../src/providers/okta.js';
import { FakeOkta, OKTA, oktaFaults } from '../fakes/okta.js';
import { rejected as rejects } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

let seq = 0;
const userTask = (providerId: string, action: ProviderTask['action'] = 'revoke'): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: null,
  action,
  credentialKind: 'okta.user',
  providerId,
});
const signal = () => AbortSignal.timeout(20_000);

async function world() {
  const fake = new FakeOkta();
  await fake.start();
  const cfg = {
    type: 'okta' as const,
    name: 'okta-test',
    orgUrl: fake.url,
    apiToken: fake.apiToken,
    timeoutMs: 2_000,
    propagationMs: 0,
  };
  return { fake, cfg };
}

providerConformance('okta.user (sessions, tokens, grants, deactivate)', async ({ logger }) => {
  const { fake, cfg } = await world();
  let n = 0;
  return {
    provider: createOktaProvider(cfg, { logger }),
    makeLiveCredential: async () => {
      const login = `user${++n}@acme.example`;
      fake.addUser(login);
      return userTask(login);
    },
    injectRetriable: () => {
      fake.inject(OKTA.deactivate, oktaFaults.rateLimited(20));
      return { retryAfterMs: 21_000 };
    },
    injectPermanent: () =>
      fake.inject(OKTA.deactivate, oktaFaults.error(403, 'E0000006', 'You do not have permission')),
    plantedSecret: fake.apiToken,
    revokeCallCount: () => fake.calls(OKTA.deactivate),
    close: () => fake.close(),
  };
});

describe('okta provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('ends her sessions and OAuth tokens, revokes grants and client tokens, then deactivates her', async () => {
    const id = w.fake.addUser('ada@acme.example', { sessions: 3 });
    const provider = createOktaProvider(w.cfg);
    const result = await provider.execute(userTask(id), signal());
    assert.equal(result.outcome, 'revoked');
    const u = w.fake.user(id)!;
    assert.equal(u.sessions, 0);
    assert.equal(u.oauthTokens, 0);
    assert.deepEqual(u.grants, []);
    assert.equal(u.clientTokens.size, 0);
    assert.equal(u.status, 'DEPROVISIONED');
    assert.deepEqual(
      w.fake.events.filter((e) => e.what.endsWith('ada@acme.example')).map((e) => e.what.split(':')[0]),
      ['sessions', 'deactivate'],
      'sessions end before the account is deactivated',
    );
  });

  it('an unknown user is already gone; a 5xx is retriable; a bad API token is permanent', async () => {
    const provider = createOktaProvider(w.cfg);
    assert.equal(
      (await provider.execute(userTask('nobody@acme.example'), signal())).outcome,
      'already_revoked',
    );
    const id = w.fake.addUser('bob@acme.example');
    w.fake.inject(OKTA.sessions, oktaFaults.serverError(502));
    const unavailable = await rejects(provider.execute(userTask(id), signal()));
    assert.equal(unavailable.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(unavailable.retriable, true);
    assert.equal(
      unavailable.retryAfterMs,
      undefined,
      'the X-Rate-Limit-Reset every answer carries is no delay',
    );
    const bad = createOktaProvider({ ...w.cfg, apiToken: '00-wrong-token' });
    const denied = await rejects(bad.execute(userTask(id), signal()));
    assert.equal(denied.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(denied.retriable, false);
    assert.equal((denied.details as { error?: string }).error, 'E0000011');
  });

  it('declares okta.user as an identity action and refuses other kinds', async () => {
    const provider = createOktaProvider(w.cfg);
    assert.deepEqual(provider.capabilities.acceptsIdentity?.['okta.user'], ['revoke', 'disable']);
    const other = { ...userTask('x'), credentialKind: 'okta.api_token' };
    assert.equal((await rejects(provider.execute(other, signal()))).code, 'PROVIDER_UNSUPPORTED');
    const noId = { ...userTask('x'), providerId: undefined };
    assert.equal((await rejects(provider.execute(noId, signal()))).code, 'INVALID_INPUT');
  });
});
