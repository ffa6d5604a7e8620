/**
 * The Okta discoverer against the FAKE Okta (test/fakes/okta.ts) over real HTTP with the adapter's
 * own client: the shared conformance suite, then what a user becomes, Link-header paging, that
 * DEPROVISIONED users (left out of Okta's default list) are still listed, a refused listing, and
 * that every discovered providerId is one the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OktaProviderConfigInput } from '../../schemas/providers/okta.js';
import { createOktaDiscoverer } from '../../src/discovery/okta.js';
import type { Discoverer } from '../../src/discovery/port.js';
import { createOktaProvider } from '../../src/providers/okta.js';
import { FakeOkta, OKTA, oktaFaults } from '../fakes/okta.js';
import { rejected } from '../support/asserts.js';
import { taskFor } from '../support/provider-task.js';
import {
  collect,
  directCall,
  discoveryConformance,
  credentials,
  identities,
  completed,
  refusals,
} from './discovery-suite.js';

async function estate() {
  const fake = new FakeOkta();
  await fake.start();
  const mona = fake.addUser('mona.lisa@acme.test', {
    email: 'mona@acme.test',
    created: '2023-05-06T07:08:09.000Z',
    lastLogin: '2025-01-02T03:04:05.000Z',
  });
  const paused = fake.addUser('paul.paused@acme.test', { status: 'SUSPENDED' });
  const gone = fake.addUser('lea.left@acme.test', { status: 'DEPROVISIONED' });
  const staged = fake.addUser('sam.staged@acme.test', { status: 'STAGED' });
  const cfg = (overrides: Partial<OktaProviderConfigInput> = {}): OktaProviderConfigInput => ({
    type: 'okta',
    name: 'okta-test',
    orgUrl: fake.url,
    apiToken: fake.apiToken,
    timeoutMs: 5_000,
    propagationMs: 0,
    ...overrides,
  });
  const discoverer = (overrides: Partial<OktaProviderConfigInput> = {}): Discoverer => {
    const d = createOktaDiscoverer(cfg(overrides));
    assert.ok(d, 'an okta.user instance has a discoverer');
    return d;
  };
  return { fake, cfg, discoverer, ids: { mona, paused, gone, staged } };
}

discoveryConformance('okta', async () => {
  const e = await estate();
  return {
    type: 'okta',
    discoverer: e.discoverer(),
    refused: e.discoverer({ apiToken: e.fake.limitedToken }),
    secrets: [e.fake.apiToken, e.fake.limitedToken],
    close: () => e.fake.close(),
  };
});

describe('okta discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists every user as an identity and an okta.user by its id, deprovisioned ones included', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ['okta.user']);
    assert.deepEqual(refusals(events), []);
    const creds = credentials(events);
    assert.deepEqual(
      creds.map((c) => c.providerId).sort(),
      Object.values(e.ids).sort(),
      'each user once, by the Okta user id',
    );
    const mona = creds.find((c) => c.providerId === e.ids.mona);
    assert.equal(mona?.kind, 'okta.user');
    assert.equal(mona?.ownerIdentity, 'mona.lisa@acme.test');
    assert.equal(mona?.issuedAt, '2023-05-06T07:08:09.000Z');
    assert.equal(mona?.lastUsedAt, '2025-01-02T03:04:05.000Z');
    assert.equal(mona?.status, 'active');
    const status = (id: string) => creds.find((c) => c.providerId === id)?.status;
    assert.equal(status(e.ids.paused), 'disabled');
    assert.equal(status(e.ids.gone), 'disabled');
    assert.equal(status(e.ids.staged), 'active');
    // Never signed in: no lastUsedAt rather than a made-up one.
    assert.equal(creds.find((c) => c.providerId === e.ids.paused)?.lastUsedAt, undefined);
    const monaId = identities(events).find((i) => i.identity === 'mona.lisa@acme.test');
    assert.equal(monaId?.email, 'mona@acme.test', 'the profile email links the login to a person');
    assert.equal(monaId?.displayName, 'mona lisa');
    // Each identity is sent before its credential, so the sync knows the email when it links.
    const firstCred = events.findIndex((x) => x.type === 'credential');
    assert.equal(events[firstCred - 1]?.type, 'identity');
  });

  it('pages by the Link header, 200 a page, one DiscoveryCall a page, complete after the last', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 450; i++) big.fake.addUser(`many${i}@acme.test`);
      const counter = { calls: 0 };
      const events = await collect(big.discoverer(), directCall(counter));
      // 453 listed by default (450 + mona, paused, staged): 200, 200, 53; then 1 deprovisioned page.
      assert.equal(big.fake.calls(OKTA.listUsers), 4);
      assert.equal(counter.calls, 4);
      const ids = credentials(events).map((c) => c.providerId);
      assert.equal(ids.length, 454);
      assert.equal(new Set(ids).size, 454, 'no user twice');
      assert.equal(events.at(-1)?.type, 'complete', 'complete comes after every credential');
      assert.deepEqual(completed(events), ['okta.user']);
    } finally {
      await big.fake.close();
    }
  });

  it('a token whose admin may not read users: refused naming okta.users.read, nothing complete', async () => {
    const events = await collect(e.discoverer({ apiToken: e.fake.limitedToken }), directCall({ calls: 0 }));
    const refused = refusals(events);
    assert.equal(refused.length, 1, 'one refusal, the second listing is not tried');
    assert.equal(refused[0]?.code, 'PROVIDER_FORBIDDEN');
    assert.equal(refused[0]?.permission, 'okta.users.read');
    assert.deepEqual(completed(events), []);
    assert.deepEqual(credentials(events), []);
  });

  it('an unknown token (401) is refused too', async () => {
    const events = await collect(e.discoverer({ apiToken: '00notatoken' }), directCall({ calls: 0 }));
    assert.deepEqual(
      refusals(events).map((r) => r.code),
      ['PROVIDER_AUTH_FAILED'],
    );
    assert.deepEqual(completed(events), []);
  });

  it('a refused second listing leaves okta.user incomplete after the first was read', async () => {
    e.fake.inject(OKTA.listUsers, { reply: () => ({ status: 200, body: [] }) });
    e.fake.inject(OKTA.listUsers, oktaFaults.error(403, 'E0000006'));
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.equal(refusals(events).length, 1);
    assert.deepEqual(completed(events), []);
  });

  it('a rate limit is thrown retriable with the reset delay, not reported as refused', async () => {
    e.fake.inject(OKTA.listUsers, oktaFaults.rateLimited(30));
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
    assert.ok((err.retryAfterMs ?? 0) > 0);
  });

  it('a user it cannot read leaves okta.user incomplete', async () => {
    e.fake.inject(OKTA.listUsers, {
      reply: () => ({
        status: 200,
        body: [{ id: '00ufine', status: 'ACTIVE', profile: { login: 'f@a.test' } }, { id: 'x' }],
      }),
    });
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.ok(credentials(events).some((c) => c.providerId === '00ufine'));
    assert.deepEqual(completed(events), []);
  });

  it('follows no next link to another host (the API token would go with it)', async () => {
    e.fake.inject(OKTA.listUsers, {
      reply: () => ({
        status: 200,
        headers: { link: '<https://evil.example/api/v1/users?after=x>; rel="next"' },
        body: [],
      }),
    });
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_REJECTED');
  });

  it('declares okta.user, the one kind it lists', () => {
    assert.deepEqual(e.discoverer().kinds, ['okta.user']);
  });

  it('every discovered providerId is one the revoking adapter acts on', async () => {
    const w = await estate();
    try {
      const provider = createOktaProvider(w.cfg());
      const found = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      const mona = found.find((c) => c.ownerIdentity === 'mona.lisa@acme.test');
      assert.ok(mona);
      assert.ok(provider.capabilities.actions[mona.kind]?.includes('revoke'));
      assert.equal(
        (await provider.execute(taskFor(mona, 'revoke'), AbortSignal.timeout(20_000))).outcome,
        'revoked',
      );
      assert.equal(w.fake.user(mona.providerId)?.status, 'DEPROVISIONED');
      // Revoked, she is still listed (from the DEPROVISIONED listing), now disabled: not gone.
      const again = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      assert.equal(again.find((c) => c.providerId === mona.providerId)?.status, 'disabled');
    } finally {
      await w.fake.close();
    }
  });
});
