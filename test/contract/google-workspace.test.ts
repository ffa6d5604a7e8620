/**
 * Contract tests of the Google Workspace provider over real HTTP against the FAKE Google token
 * endpoint and Admin SDK Directory API in test/fakes/google.ts (the fake checks the JWT assertion's
 * RS256 signature with node:crypto; the adapter signs it with jose).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GoogleWorkspaceProviderConfigInput } from '../../schemas/providers/google.js';
import { TourniquetError } from '../../src/errors.js';
import { createGoogleWorkspaceProvider } from '../../src/providers/google-workspace.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { FakeGoogle, GOOGLE, googleFaults } from '../fakes/google.js';
import { rejected as rejects } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

let seq = 0;
const userTask = (providerId: string): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: null,
  action: 'revoke',
  credentialKind: 'google_workspace.user',
  providerId,
});
const signal = () => AbortSignal.timeout(20_000);

async function world(delegation = true) {
  const fake = new FakeGoogle();
  await fake.start();
  const sa = fake.addServiceAccount('acme-admin', delegation);
  const cfg: GoogleWorkspaceProviderConfigInput = {
    type: 'google_workspace',
    name: 'gws-test',
    serviceAccountKey: sa.keyJson,
    subject: 'admin@acme.example',
    tokenUrl: fake.tokenUrl,
    directoryUrl: fake.directoryUrl,
    timeoutMs: 2_000,
    propagationMs: 0,
  };
  const privateKey = (JSON.parse(sa.keyJson) as { private_key: string }).private_key;
  return { fake, cfg, sa, privateKey };
}

providerConformance('google_workspace.user (signOut, tokens, asps, suspend)', async ({ logger }) => {
  const { fake, cfg, privateKey } = await world();
  let n = 0;
  return {
    provider: createGoogleWorkspaceProvider(cfg, { logger }),
    makeLiveCredential: async () => {
      const email = `user${++n}@acme.example`;
      fake.addUser(email);
      return userTask(email);
    },
    injectRetriable: () => {
      fake.inject(GOOGLE.signOut, googleFaults.rateLimited(9));
      return { retryAfterMs: 9_000 };
    },
    injectPermanent: () => fake.inject(GOOGLE.signOut, googleFaults.error(403, 'forbidden')),
    // The private key's base64 body: no line of it may surface.
    plantedSecret: privateKey.split('\n')[1]!,
    revokeCallCount: () => fake.calls(GOOGLE.signOut),
    close: () => fake.close(),
  };
});

describe('google workspace provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('signs her out, deletes her OAuth tokens and app passwords, then suspends her', async () => {
    const id = w.fake.addUser('ada@acme.example');
    const provider = createGoogleWorkspaceProvider(w.cfg);
    const result = await provider.execute(userTask('ada@acme.example'), signal());
    assert.deepEqual(result, { outcome: 'revoked', details: { tokens: 1, asps: 1 } });
    const u = w.fake.user(id)!;
    assert.equal(u.sessions, 0);
    assert.deepEqual(u.tokens, []);
    assert.deepEqual(u.asps, []);
    assert.equal(u.suspended, true);
    assert.deepEqual(
      w.fake.events.filter((e) => e.what.endsWith('ada@acme.example')).map((e) => e.what.split(':')[0]),
      ['sessions', 'suspend'],
    );
  });

  it('403 userRateLimitExceeded is a retriable rate limit; unknown users are already gone', async () => {
    const provider = createGoogleWorkspaceProvider(w.cfg);
    w.fake.addUser('bob@acme.example');
    w.fake.inject(GOOGLE.signOut, googleFaults.userRateLimited());
    const limited = await rejects(provider.execute(userTask('bob@acme.example'), signal()));
    assert.equal(limited.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(limited.retriable, true);
    assert.equal(
      (await provider.execute(userTask('nobody@acme.example'), signal())).outcome,
      'already_revoked',
    );
  });

  it('a service account without delegation, or a foreign key, is refused: PROVIDER_AUTH_FAILED', async () => {
    const noDelegation = w.fake.addServiceAccount('acme-admin', false);
    const p1 = createGoogleWorkspaceProvider({ ...w.cfg, serviceAccountKey: noDelegation.keyJson });
    w.fake.addUser('carol@acme.example');
    const e1 = await rejects(p1.execute(userTask('carol@acme.example'), signal()));
    assert.equal(e1.code, 'PROVIDER_AUTH_FAILED');
    assert.equal((e1.details as { error?: string }).error, 'unauthorized_client');
    // A key file whose private key is not the registered one (a rotated-away key).
    const other = new FakeGoogle();
    const stranger = other.addServiceAccount('elsewhere');
    const forged = JSON.stringify({
      ...JSON.parse(w.sa.keyJson),
      private_key: JSON.parse(stranger.keyJson).private_key,
    });
    const p2 = createGoogleWorkspaceProvider({ ...w.cfg, serviceAccountKey: forged });
    const e2 = await rejects(p2.execute(userTask('carol@acme.example'), signal()));
    assert.equal(e2.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(e2.retriable, false);
  });

  it('rejects a key file that is not a service-account key at construction, quoting none of it', () => {
    assert.throws(
      () =>
        createGoogleWorkspaceProvider({
          ...w.cfg,
          serviceAccountKey: '{"type":"authorized_user","refresh_token":"1//secret"}',
        }),
      (e: unknown) =>
        e instanceof TourniquetError && e.code === 'INVALID_CONFIG' && !e.message.includes('1//secret'),
    );
  });
});
