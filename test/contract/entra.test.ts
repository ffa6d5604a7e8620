/**
 * Contract tests of the Entra ID provider over real HTTP against the FAKE Entra ID + Graph in
 * test/fakes/entra.ts: conformance for closing a person's account and for removing an app's client
 * secret, then token handling and classification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EntraProviderConfigInput } from '../../schemas/providers/entra.js';
import { createEntraProvider } from '../../src/providers/entra.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { ENTRA, entraFaults, FakeEntra } from '../fakes/entra.js';
import { rejected as rejects } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

let seq = 0;
const taskOf = (
  credentialKind: string,
  providerId: string,
  action: ProviderTask['action'] = 'revoke',
): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: null,
  action,
  credentialKind,
  providerId,
});
const signal = () => AbortSignal.timeout(20_000);

async function world() {
  const fake = new FakeEntra();
  await fake.start();
  const cfg: EntraProviderConfigInput = {
    type: 'entra',
    name: 'entra-test',
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    authorityUrl: fake.authorityUrl,
    graphUrl: fake.graphUrl,
    timeoutMs: 2_000,
    propagationMs: 0,
  };
  return { fake, cfg };
}

providerConformance('entra.user (revokeSignInSessions, accountEnabled false)', async ({ logger }) => {
  const { fake, cfg } = await world();
  let n = 0;
  return {
    provider: createEntraProvider(cfg, { logger }),
    makeLiveCredential: async () => {
      const upn = `user${++n}@acme.example`;
      fake.addUser(upn);
      return taskOf('entra.user', upn);
    },
    injectRetriable: () => {
      fake.inject(ENTRA.revokeSessions, entraFaults.throttled(7));
      return { retryAfterMs: 7_000 };
    },
    injectPermanent: () =>
      fake.inject(ENTRA.revokeSessions, entraFaults.error(403, 'Authorization_RequestDenied')),
    plantedSecret: fake.clientSecret,
    revokeCallCount: () => fake.calls(ENTRA.revokeSessions),
    close: () => fake.close(),
  };
});

providerConformance('entra.app_password (removePassword)', async ({ logger }) => {
  const { fake, cfg } = await world();
  return {
    provider: createEntraProvider(cfg, { logger }),
    makeLiveCredential: async () => taskOf('entra.app_password', fake.addPassword('applications'), 'delete'),
    injectRetriable: () => fake.inject(ENTRA.appRemovePassword, entraFaults.serverError(503)),
    injectPermanent: () =>
      fake.inject(ENTRA.appRemovePassword, entraFaults.error(403, 'Authorization_RequestDenied')),
    plantedSecret: fake.clientSecret,
    revokeCallCount: () => fake.calls(ENTRA.appRemovePassword),
    close: () => fake.close(),
  };
});

describe('entra provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('revokes her sessions before disabling her account, with one token for many calls', async () => {
    const id = w.fake.addUser('ada@acme.example', 3);
    const provider = createEntraProvider(w.cfg);
    assert.equal((await provider.execute(taskOf('entra.user', id), signal())).outcome, 'revoked');
    assert.equal(w.fake.user(id)?.sessions, 0);
    assert.equal(w.fake.user(id)?.accountEnabled, false);
    assert.deepEqual(
      w.fake.events.filter((e) => e.what.endsWith('ada@acme.example')).map((e) => e.what.split(':')[0]),
      ['sessions', 'disable'],
    );
    assert.equal((await provider.verify(taskOf('entra.user', id), signal())).liveness, 'dead');
    assert.equal(w.fake.tokensIssued, 1, 'the client-credentials token is reused');
  });

  it('a service principal secret is removed; an unknown user is already gone', async () => {
    const provider = createEntraProvider(w.cfg);
    const ref = w.fake.addPassword('servicePrincipals');
    assert.equal(
      (await provider.execute(taskOf('entra.sp_password', ref, 'delete'), signal())).outcome,
      'revoked',
    );
    assert.equal(w.fake.hasPassword(ref), false);
    assert.equal(
      (await provider.execute(taskOf('entra.user', 'nobody@acme.example'), signal())).outcome,
      'already_revoked',
    );
    const bad = await rejects(provider.execute(taskOf('entra.sp_password', 'no-key-id'), signal()));
    assert.equal(bad.code, 'INVALID_INPUT');
  });

  it('refused client credentials → permanent PROVIDER_AUTH_FAILED, no secret in it', async () => {
    const wrong = createEntraProvider({ ...w.cfg, clientSecret: 'Q~wrong-secret-value' });
    const err = await rejects(
      wrong.execute(taskOf('entra.user', w.fake.addUser('x@acme.example')), signal()),
    );
    assert.equal(err.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(err.retriable, false);
    assert.equal((err.details as { error?: string }).error, 'invalid_client');
    assert.ok(!JSON.stringify(err).includes('wrong-secret') && !String(err.stack).includes('wrong-secret'));
  });
});
