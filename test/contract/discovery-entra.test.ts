/**
 * The Entra ID discoverer against the FAKE Entra ID + Graph (test/fakes/entra.ts) over real HTTP:
 * the shared conformance suite, then what each listing finds, @odata.nextLink paging, a listing the
 * app registration may not make (403 Authorization_RequestDenied) next to complete ones, and that
 * every discovered kind + providerId is what the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EntraProviderConfigInput } from '../../schemas/providers/entra.js';
import { createEntraDiscoverer } from '../../src/discovery/entra.js';
import type { Discoverer } from '../../src/discovery/port.js';
import { buildDiscoverer } from '../../src/discovery/registry.js';
import { createEntraProvider } from '../../src/providers/entra.js';
import { ENTRA, entraFaults, FakeEntra } from '../fakes/entra.js';
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
  byId,
} from './discovery-suite.js';

const signal = () => AbortSignal.timeout(20_000);

async function estate() {
  const fake = new FakeEntra();
  await fake.start();
  const ids = {
    mona: fake.addUser('mona@acme.example', 1, { mail: 'mona.lisa@acme.example', displayName: 'Mona Lisa' }),
    nomail: fake.addUser('svc-sync@acme.onmicrosoft.com', 0, { mail: null }),
    gone: fake.addUser('left@acme.example', 0, { enabled: false }),
  };
  const app = fake.addPassword('applications', {
    displayName: 'CRM sync',
    secretName: 'prod',
    start: '2026-02-01T10:00:00Z',
    end: '2026-08-01T10:00:00Z',
  });
  const app2 = fake.addPasswordTo(app.split(':')[0] ?? '', { secretName: 'rotation' });
  const sp = fake.addPassword('servicePrincipals', { displayName: 'Billing daemon', secretName: 'sp' });
  fake.addObject('servicePrincipals', 'Microsoft Graph');
  const cfg = (overrides: Partial<EntraProviderConfigInput> = {}): EntraProviderConfigInput => ({
    type: 'entra',
    name: 'entra-test',
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    authorityUrl: fake.authorityUrl,
    graphUrl: fake.graphUrl,
    timeoutMs: 5_000,
    propagationMs: 0,
    ...overrides,
  });
  const discoverer = (overrides: Partial<EntraProviderConfigInput> = {}): Discoverer => {
    const d = createEntraDiscoverer(cfg(overrides));
    assert.ok(d, 'an instance serving some kind has a discoverer');
    return d;
  };
  const secrets = [fake.clientSecret, ...[app, app2, sp].map((r) => fake.secretOf(r) ?? 'missing')];
  return { fake, ids, app, app2, sp, cfg, discoverer, secrets };
}

discoveryConformance('entra', async () => {
  const e = await estate();
  // `refused` lists a tenant whose app registration was granted neither read permission.
  e.fake.deny('User.Read.All');
  e.fake.deny('Application.Read.All');
  const refused = e.discoverer();
  const open = await estate();
  return {
    type: 'entra',
    discoverer: open.discoverer(),
    refused,
    secrets: [...open.secrets, ...e.secrets],
    close: async () => {
      await e.fake.close();
      await open.fake.close();
    },
  };
});

describe('entra discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists users as identities and entra.user by object id, disabled accounts as disabled', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ['entra.app_password', 'entra.sp_password', 'entra.user']);
    assert.deepEqual(refusals(events), []);
    const ids = identities(events);
    assert.equal(ids.length, 3);
    const mona = ids.find((i) => i.identity === e.ids.mona);
    assert.equal(mona?.email, 'mona.lisa@acme.example', 'mail first');
    assert.equal(mona?.displayName, 'Mona Lisa');
    assert.equal(ids.find((i) => i.identity === e.ids.nomail)?.email, 'svc-sync@acme.onmicrosoft.com');

    const user = byId(events, 'entra.user', e.ids.mona);
    assert.equal(user?.ownerIdentity, e.ids.mona);
    assert.equal(user?.status, 'active');
    assert.equal(user?.issuedAt, '2025-03-01T09:30:00.000Z');
    assert.equal(user?.labels?.userPrincipalName, 'mona@acme.example');
    assert.equal(byId(events, 'entra.user', e.ids.gone)?.status, 'disabled');
    assert.equal(credentials(events).filter((c) => c.kind === 'entra.user').length, 3);
  });

  it('lists every client secret of applications and service principals as objectId:keyId, no value', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    const apps = credentials(events).filter((c) => c.kind === 'entra.app_password');
    assert.deepEqual(apps.map((c) => c.providerId).sort(), [e.app, e.app2].sort());
    const prod = byId(events, 'entra.app_password', e.app);
    assert.equal(prod?.issuedAt, '2026-02-01T10:00:00.000Z');
    assert.equal(prod?.expiresAt, '2026-08-01T10:00:00.000Z');
    assert.equal(prod?.labels?.name, 'prod');
    assert.equal(prod?.labels?.objectName, 'CRM sync');
    // An object with no secret (Microsoft's own service principals) yields nothing.
    assert.deepEqual(
      credentials(events)
        .filter((c) => c.kind === 'entra.sp_password')
        .map((c) => c.providerId),
      [e.sp],
    );
    const text = JSON.stringify(events);
    for (const s of e.secrets) assert.ok(!text.includes(s), 'a secret value in an event');
    assert.ok(!/"hint"/.test(text), 'not even the hint');
  });

  it('pages by @odata.nextLink, one DiscoveryCall a page, complete only after the last page', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 4; i++) big.fake.addUser(`many${i}@acme.example`, 0);
      big.fake.pageSize = 3;
      const before = big.fake.calls(ENTRA.listUsers);
      const counter = { calls: 0 };
      const events = await collect(big.discoverer({ credentialKinds: ['entra.user'] }), directCall(counter));
      // 7 users in pages of 3, 3, 1.
      assert.equal(big.fake.calls(ENTRA.listUsers) - before, 3);
      assert.equal(counter.calls, 3);
      const users = credentials(events);
      assert.equal(users.length, 7);
      assert.equal(new Set(users.map((c) => c.providerId)).size, 7, 'no user twice');
      assert.deepEqual(completed(events), ['entra.user']);
      const last = events.findLastIndex((x) => x.type === 'credential');
      assert.equal(
        events.findIndex((x) => x.type === 'complete'),
        events.length - 1,
      );
      assert.ok(last < events.length - 1);
    } finally {
      await big.fake.close();
    }
  });

  it('a later page that fails sends no complete for its kind', async () => {
    const big = await estate();
    try {
      big.fake.pageSize = 2;
      // The first page answers, the second is refused: what the first page showed is not "all".
      let n = 0;
      const call: Parameters<Discoverer['discover']>[0] = async (what, fn) => {
        if (what === 'list users' && ++n === 2) big.fake.deny('User.Read.All');
        return fn(AbortSignal.timeout(10_000));
      };
      const events = await collect(big.discoverer(), call);
      assert.equal(credentials(events).filter((c) => c.kind === 'entra.user').length, 2);
      assert.deepEqual(completed(events), ['entra.app_password', 'entra.sp_password']);
      assert.match(refusals(events)[0]?.permission ?? '', /User\.Read\.All/);
    } finally {
      await big.fake.close();
    }
  });

  it('without User.Read.All: users refused naming it, the secrets still complete', async () => {
    e.fake.deny('User.Read.All');
    try {
      const events = await collect(e.discoverer(), directCall({ calls: 0 }));
      const refused = refusals(events);
      assert.equal(refused.length, 1);
      assert.equal(refused[0]?.code, 'PROVIDER_FORBIDDEN');
      assert.equal(refused[0]?.what, 'users');
      assert.match(refused[0]?.permission ?? '', /^User\.Read\.All/);
      assert.deepEqual(completed(events), ['entra.app_password', 'entra.sp_password']);
      assert.deepEqual(identities(events), []);
    } finally {
      e.fake.deny('User.Read.All', false);
    }
  });

  it('without Application.Read.All: both secret listings refused naming it, users complete', async () => {
    e.fake.deny('Application.Read.All');
    try {
      const events = await collect(e.discoverer(), directCall({ calls: 0 }));
      assert.deepEqual(
        refusals(events).map((r) => [r.what, r.code, r.permission.split(' ')[0]]),
        [
          ['applications', 'PROVIDER_FORBIDDEN', 'Application.Read.All'],
          ['service principals', 'PROVIDER_FORBIDDEN', 'Application.Read.All'],
        ],
      );
      assert.deepEqual(completed(events), ['entra.user']);
      assert.equal(credentials(events).filter((c) => c.kind !== 'entra.user').length, 0);
    } finally {
      e.fake.deny('Application.Read.All', false);
    }
  });

  it('a client secret the tenant refuses is a refusal of every listing, not a throw', async () => {
    const events = await collect(e.discoverer({ clientSecret: 'Q~wrong' }), directCall({ calls: 0 }));
    assert.deepEqual(
      refusals(events).map((r) => r.code),
      ['PROVIDER_AUTH_FAILED', 'PROVIDER_AUTH_FAILED', 'PROVIDER_AUTH_FAILED'],
    );
    assert.deepEqual(completed(events), []);
  });

  it('throttling is thrown retriable with its Retry-After (the sync retries it)', async () => {
    e.fake.inject(ENTRA.listApps, entraFaults.throttled(4));
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
    assert.equal(err.retryAfterMs, 4_000);
  });

  it('an item it cannot read leaves its kind incomplete', async () => {
    e.fake.inject(ENTRA.listSps, {
      reply: () => ({ status: 200, body: { value: [{ id: 'not-a-guid', passwordCredentials: [] }] } }),
    });
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ['entra.app_password', 'entra.user']);
  });

  it('does not follow a nextLink away from graphUrl (the bearer token would go with it)', async () => {
    e.fake.inject(ENTRA.listUsers, {
      reply: () => ({
        status: 200,
        body: { value: [], '@odata.nextLink': 'https://elsewhere.example/v1.0/users?$skiptoken=x' },
      }),
    });
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_REJECTED');
  });

  it('declares the kinds its config serves, and is registered for type entra', () => {
    assert.deepEqual(e.discoverer().kinds, ['entra.user', 'entra.app_password', 'entra.sp_password']);
    assert.deepEqual(e.discoverer({ credentialKinds: ['entra.sp_password'] }).kinds, ['entra.sp_password']);
    assert.deepEqual(buildDiscoverer(e.cfg() as never)?.kinds, e.discoverer().kinds);
  });

  it('every discovered kind + providerId is one the revoking adapter acts on', async () => {
    const w = await estate();
    try {
      const provider = createEntraProvider(w.cfg());
      const found = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      for (const c of found) assert.ok(provider.capabilities.actions[c.kind]?.includes('revoke'), c.kind);
      for (const [kind, id] of [
        ['entra.user', w.ids.mona],
        ['entra.app_password', w.app],
        ['entra.sp_password', w.sp],
      ] as const) {
        const c = found.find((x) => x.kind === kind && x.providerId === id);
        assert.ok(c, `${kind} ${id} discovered`);
        assert.equal((await provider.execute(taskFor(c, 'revoke'), signal())).outcome, 'revoked');
      }
      assert.equal(w.fake.user(w.ids.mona)?.accountEnabled, false);
      assert.equal(w.fake.hasPassword(w.app), false);
      assert.equal(w.fake.hasPassword(w.app2), true, 'the other secret stays');
      assert.equal(w.fake.hasPassword(w.sp), false);
      const again = await collect(w.discoverer(), directCall({ calls: 0 }));
      assert.equal(byId(again, 'entra.user', w.ids.mona)?.status, 'disabled');
      assert.equal(byId(again, 'entra.app_password', w.app), undefined);
      assert.ok(byId(again, 'entra.app_password', w.app2));
    } finally {
      await w.fake.close();
    }
  });
});
