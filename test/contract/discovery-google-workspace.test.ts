/**
 * The Google Workspace discoverer against the FAKE Google token endpoint and Directory API
 * (test/fakes/google.ts) over real HTTP with the adapter's own service-account auth: the shared
 * conformance suite, then what a user becomes, pageToken paging, a refused listing, and that every
 * discovered providerId is one the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GoogleWorkspaceProviderConfigInput } from '../../schemas/providers/google.js';
import { createGoogleWorkspaceDiscoverer, GOOGLE_LIST_SCOPE } from '../../src/discovery/google-workspace.js';

import { createGoogleWorkspaceProvider } from '../../src/providers/google-workspace.js';
import { FakeGoogle, GOOGLE, googleFaults } from '../fakes/google.js';
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

const ADMIN = 'admin@acme.example';
const LIMITED = 'helpdesk@acme.example';

async function estate() {
  const fake = new FakeGoogle();
  await fake.start();
  const sa = fake.addServiceAccount('acme-admin');
  fake.denyUserListing(LIMITED);
  const ids = {
    mona: fake.addUser('mona@acme.example', {
      creationTime: '2023-05-06T07:08:09.000Z',
      lastLoginTime: '2025-01-02T03:04:05.000Z',
    }),
    root: fake.addUser(ADMIN, { isAdmin: true }),
    paused: fake.addUser('paul@acme.example', { suspended: true }),
  };
  const cfg = (
    overrides: Partial<GoogleWorkspaceProviderConfigInput> = {},
  ): GoogleWorkspaceProviderConfigInput => ({
    type: 'google_workspace',
    name: 'gws-test',
    serviceAccountKey: sa.keyJson,
    subject: ADMIN,
    tokenUrl: fake.tokenUrl,
    directoryUrl: fake.directoryUrl,
    timeoutMs: 5_000,
    propagationMs: 0,
    ...overrides,
  });
  const discoverer = (overrides: Partial<GoogleWorkspaceProviderConfigInput> = {}) =>
    createGoogleWorkspaceDiscoverer(cfg(overrides));
  const privateKey = (JSON.parse(sa.keyJson) as { private_key: string }).private_key;
  return { fake, cfg, discoverer, ids, privateKey };
}

discoveryConformance('google_workspace', async () => {
  const e = await estate();
  return {
    type: 'google_workspace',
    discoverer: e.discoverer(),
    refused: e.discoverer({ subject: LIMITED }),
    // The private key's base64 body: no line of it may surface.
    secrets: e.privateKey.split('\n').slice(1, -2),
    close: () => e.fake.close(),
  };
});

describe('google_workspace discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists every user as an identity and a google_workspace.user by its id', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ['google_workspace.user']);
    assert.deepEqual(refusals(events), []);
    const creds = credentials(events);
    assert.deepEqual(creds.map((c) => c.providerId).sort(), Object.values(e.ids).sort());
    const mona = creds.find((c) => c.providerId === e.ids.mona);
    assert.equal(mona?.kind, 'google_workspace.user');
    assert.equal(mona?.ownerIdentity, 'mona@acme.example');
    assert.equal(mona?.issuedAt, '2023-05-06T07:08:09.000Z');
    assert.equal(mona?.lastUsedAt, '2025-01-02T03:04:05.000Z');
    assert.equal(mona?.status, 'active');
    const paused = creds.find((c) => c.providerId === e.ids.paused);
    assert.equal(paused?.status, 'disabled', 'suspended is disabled, not gone');
    // Google's 1970 "never signed in" is no last use.
    assert.equal(paused?.lastUsedAt, undefined);
    assert.equal(creds.find((c) => c.providerId === e.ids.root)?.labels?.role, 'admin');
    const id = identities(events).find((i) => i.identity === 'mona@acme.example');
    assert.equal(id?.email, 'mona@acme.example');
    assert.equal(id?.displayName, 'mona');
  });

  it('pages by nextPageToken, 500 a page, one DiscoveryCall a page, complete after the last', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 1_100; i++) big.fake.addUser(`many${i}@acme.example`);
      const before = big.fake.calls(GOOGLE.listUsers);
      const counter = { calls: 0 };
      const events = await collect(big.discoverer(), directCall(counter));
      // 1,103 users: pages of 500, 500, 103.
      assert.equal(big.fake.calls(GOOGLE.listUsers) - before, 3);
      assert.equal(counter.calls, 3);
      const ids = credentials(events).map((c) => c.providerId);
      assert.equal(ids.length, 1_103);
      assert.equal(new Set(ids).size, 1_103, 'no user twice');
      assert.equal(events.at(-1)?.type, 'complete');
      assert.deepEqual(completed(events), ['google_workspace.user']);
    } finally {
      await big.fake.close();
    }
  });

  it('an admin who may not read users: 403 refused naming the read-only scope, nothing complete', async () => {
    const events = await collect(e.discoverer({ subject: LIMITED }), directCall({ calls: 0 }));
    const refused = refusals(events);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.code, 'PROVIDER_FORBIDDEN');
    assert.equal(refused[0]?.permission, `scope ${GOOGLE_LIST_SCOPE}`);
    assert.deepEqual(completed(events), []);
    assert.deepEqual(credentials(events), []);
  });

  it('a service account without delegation is refused at the token endpoint', async () => {
    const noDelegation = e.fake.addServiceAccount('acme-admin', false);
    const events = await collect(
      e.discoverer({ serviceAccountKey: noDelegation.keyJson }),
      directCall({ calls: 0 }),
    );
    assert.deepEqual(
      refusals(events).map((r) => r.code),
      ['PROVIDER_AUTH_FAILED'],
    );
    assert.deepEqual(completed(events), []);
  });

  it('quota (403 userRateLimitExceeded) is a retriable rate limit, not a refusal', async () => {
    e.fake.inject(GOOGLE.listUsers, googleFaults.userRateLimited());
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
  });

  it('a refused second page leaves the listing incomplete after the first was read', async () => {
    e.fake.inject(GOOGLE.listUsers, {
      reply: () => ({
        status: 200,
        body: {
          kind: 'admin#directory#users',
          users: [{ id: '42', primaryEmail: 'a@acme.example' }],
          nextPageToken: 'p2',
        },
      }),
    });
    e.fake.inject(GOOGLE.listUsers, googleFaults.error(403, 'insufficientPermissions'));
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.ok(credentials(events).some((c) => c.providerId === '42'));
    assert.equal(refusals(events).length, 1);
    assert.deepEqual(completed(events), []);
  });

  it('a user it cannot read leaves the listing incomplete', async () => {
    e.fake.inject(GOOGLE.listUsers, {
      reply: () => ({
        status: 200,
        body: { users: [{ id: '43', primaryEmail: 'b@acme.example' }, { id: 44 }] },
      }),
    });
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.ok(credentials(events).some((c) => c.providerId === '43'));
    assert.deepEqual(completed(events), []);
  });

  it('every discovered providerId is one the revoking adapter acts on', async () => {
    const w = await estate();
    try {
      const provider = createGoogleWorkspaceProvider(w.cfg());
      const found = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      const mona = found.find((c) => c.ownerIdentity === 'mona@acme.example');
      assert.ok(mona);
      assert.ok(provider.capabilities.actions[mona.kind]?.includes('revoke'));
      assert.equal(
        (await provider.execute(taskFor(mona, 'revoke'), AbortSignal.timeout(20_000))).outcome,
        'revoked',
      );
      assert.equal(w.fake.user(mona.providerId)?.suspended, true);
      const again = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      assert.equal(again.find((c) => c.providerId === mona.providerId)?.status, 'disabled');
    } finally {
      await w.fake.close();
    }
  });
});
