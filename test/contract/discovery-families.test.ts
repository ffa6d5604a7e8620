/**
 * The declared families' discoverer (src/discovery/family.ts) over real HTTP against each family's
 * FAKE (test/fakes/http-family.ts, listings in test/fakes/family-listings.ts): for every family whose
 * definition lists a kind, the shared conformance suite; then that every seeded credential is found
 * with the fields the definition reads, over several pages (a page holds 2 here), one DiscoveryCall
 * a page; that a revoked credential the provider still lists is `disabled`; and that every
 * discovered providerId is one the revoking adapter acts on (what discovery finds, the adapter kills).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FamilyDefinition, FamilyKind } from '../../schemas/providers/family.js';
import { createFamilyDiscoverer } from '../../src/discovery/family.js';
import type { Discoverer } from '../../src/discovery/port.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { createFamilyProvider } from '../../src/providers/http-family.js';
import type { FakeToken } from '../fakes/family-wires.js';
import { FakeFamily } from '../fakes/http-family.js';
import { taskFor } from '../support/provider-task.js';
import {
  byId,
  collect,
  completed,
  credentials,
  directCall,
  discoveryConformance,
  identities,
  refusals,
} from './discovery-suite.js';

const listed = (def: FamilyDefinition) => def.kinds.filter((k) => k.list !== undefined);
const PER_KIND = 5;
const DAY = 86_400_000;

async function estate(def: FamilyDefinition) {
  const secrets = Object.fromEntries(
    Object.keys(def.secrets).map((k) => [k, `cfg-${k}-${randomBytes(12).toString('hex')}`]),
  );
  const vars = Object.fromEntries(
    Object.keys(def.vars).map((k) => [k, `AC${randomBytes(16).toString('hex')}`]),
  );
  const fake = new FakeFamily(def, secrets, vars);
  fake.pageMax = 2;
  await fake.start();
  const seeded = new Map<string, FakeToken[]>();
  for (const kind of listed(def)) {
    const parts = kind.list?.providerId.split(':').length ?? 1;
    const tokens = Array.from({ length: PER_KIND }, (_, i) =>
      fake.mint(parts, {
        kind: kind.kind,
        meta: {
          owner: String(7000 + i),
          email: `person${i}@acme.test`,
          scopes: ['read_api', 'write_repository'],
          lastUsed: Date.UTC(2026, 5, 1) + i * DAY,
          expires: Date.UTC(2027, 0, 1) + i * DAY,
        },
      }),
    );
    seeded.set(kind.kind, tokens);
  }
  const config = (sent: Record<string, string> = secrets) => fake.instanceConfig(`${def.name}-disc`, sent);
  const discoverer = (sent?: Record<string, string>): Discoverer => {
    const d = createFamilyDiscoverer(config(sent));
    assert.ok(d, `${def.name} has a discoverer`);
    return d;
  };
  const wrong = Object.fromEntries(Object.keys(secrets).map((k) => [k, `wrong-${k}`]));
  return { fake, secrets, seeded, config, discoverer, wrong };
}

/** The kind's items on the wire in the provider's own format, to check what the definition reads. */
const declares = (
  kind: FamilyKind,
  field: 'ownerIdentity' | 'scopes' | 'issuedAt' | 'lastUsedAt' | 'expiresAt',
) => kind.list?.[field] !== undefined;

for (const def of Object.values(FAMILIES).filter((d) => listed(d).length > 0)) {
  discoveryConformance(`family ${def.name}`, async () => {
    const e = await estate(def);
    return {
      type: def.name,
      discoverer: e.discoverer(),
      refused: e.discoverer(e.wrong),
      // Twilio's key SID is both the leaked "value" and the id it is listed by: not a secret.
      secrets: [
        ...Object.values(e.secrets),
        ...[...e.seeded.values()]
          .flat()
          .filter((t) => t.value !== t.providerId)
          .map((t) => t.value),
      ],
      close: () => e.fake.close(),
    };
  });

  describe(`family discoverer: ${def.name}`, () => {
    it('finds every seeded credential with what the definition reads, over several pages', async () => {
      const e = await estate(def);
      try {
        const counter = { calls: 0 };
        const events = await collect(e.discoverer(), directCall(counter));
        assert.deepEqual(
          completed(events),
          listed(def)
            .map((k) => k.kind)
            .sort(),
        );
        const paged = listed(def).filter((k) => k.list?.paging.type !== 'none').length;
        assert.ok(counter.calls >= listed(def).length + paged, 'more than one page per paged kind');
        for (const kind of listed(def)) {
          for (const token of e.seeded.get(kind.kind) ?? []) {
            const c = byId(events, kind.kind, token.providerId);
            assert.ok(c, `${kind.kind} ${token.providerId} discovered`);
            assert.equal(c.status ?? 'active', 'active');
            if (declares(kind, 'issuedAt'))
              assert.equal(c.issuedAt, new Date(token.meta.created).toISOString());
            if (declares(kind, 'lastUsedAt'))
              assert.equal(c.lastUsedAt, new Date(token.meta.lastUsed ?? 0).toISOString());
            if (declares(kind, 'expiresAt'))
              assert.equal(
                c.expiresAt?.slice(0, 10),
                new Date(token.meta.expires ?? 0).toISOString().slice(0, 10),
              );
            if (declares(kind, 'ownerIdentity'))
              assert.equal(c.ownerIdentity, kind.identity ? token.providerId : token.meta.owner);
            if (declares(kind, 'scopes')) assert.deepEqual(c.scopes, token.meta.scopes);
          }
          assert.equal(
            credentials(events).filter((c) => c.kind === kind.kind).length,
            PER_KIND,
            `${kind.kind}: nothing listed twice`,
          );
          if (kind.list?.identity) {
            const accounts = identities(events);
            assert.equal(accounts.length, PER_KIND);
            assert.ok(accounts.every((a) => a.email?.endsWith('@acme.test')));
          }
        }
      } finally {
        await e.fake.close();
      }
    });

    it('every discovered providerId is one the revoking adapter acts on', async () => {
      const e = await estate(def);
      try {
        const provider = createFamilyProvider(e.config());
        const events = await collect(e.discoverer(), directCall({ calls: 0 }));
        for (const kind of listed(def).filter((k) => k.byId !== undefined)) {
          const found = credentials(events).find((c) => c.kind === kind.kind);
          assert.ok(found);
          const result = await provider.execute(taskFor(found, 'revoke'), AbortSignal.timeout(10_000));
          assert.equal(result.outcome, 'revoked');
          const token = e.seeded.get(kind.kind)?.find((t) => t.providerId === found.providerId);
          assert.equal(token?.alive, false, 'the fake saw the credential revoked');
        }
      } finally {
        await e.fake.close();
      }
    });

    it('a listing the provider refuses names the permission, and completes nothing', async () => {
      const e = await estate(def);
      try {
        const events = await collect(e.discoverer(e.wrong), directCall({ calls: 0 }));
        assert.deepEqual(completed(events), []);
        assert.deepEqual(
          refusals(events).map((r) => [r.what, r.permission]),
          listed(def).map((k) => [k.kind, k.list?.permission]),
        );
        for (const r of refusals(events)) assert.match(r.code, /^PROVIDER_(AUTH_FAILED|FORBIDDEN)$/);
      } finally {
        await e.fake.close();
      }
    });
  });
}

describe('family discoverer: configuration', () => {
  it('an instance without its own credentials has no discoverer (it could list nothing)', () => {
    const gitlab = FAMILIES.gitlab;
    assert.ok(gitlab);
    assert.equal(
      createFamilyDiscoverer({ type: 'http_family', name: 'gl', family: 'gitlab', propagationMs: 0 }),
      null,
    );
  });

  it('a family with no listing has no discoverer', () => {
    assert.equal(
      createFamilyDiscoverer({
        type: 'http_family',
        name: 'hf',
        family: 'huggingface',
        propagationMs: 0,
      }),
      null,
    );
  });

  it('a revoked token GitLab still lists is disabled, not gone', async () => {
    const gitlab = FAMILIES.gitlab;
    assert.ok(gitlab);
    const e = await estate(gitlab);
    try {
      const token = e.seeded.get('gitlab.personal_access_token')?.[0];
      assert.ok(token);
      token.alive = false;
      const events = await collect(e.discoverer(), directCall({ calls: 0 }));
      assert.equal(byId(events, 'gitlab.personal_access_token', token.providerId)?.status, 'disabled');
    } finally {
      await e.fake.close();
    }
  });
});

describe('family discoverer: what it does not follow or trust', () => {
  const gitlab = FAMILIES.gitlab;
  assert.ok(gitlab);
  const ROUTE = 'GET /personal_access_tokens';
  const item = (id: number) => ({
    id,
    name: 'k',
    active: true,
    user_id: 1,
    created_at: '2025-01-01T00:00:00Z',
  });

  it('follows no next link to another host or path (the admin token would go with it)', async () => {
    const e = await estate(gitlab);
    try {
      for (const link of [
        '<https://elsewhere.example/personal_access_tokens?page=2>; rel="next"',
        `<${e.fake.baseUrl}/users?page=2>; rel="next"`,
      ]) {
        e.fake.inject(ROUTE, { reply: () => ({ status: 200, headers: { link }, body: [item(1)] }) });
        await assert.rejects(collect(e.discoverer(), directCall({ calls: 0 })), {
          code: 'PROVIDER_REJECTED',
        });
      }
    } finally {
      await e.fake.close();
    }
  });

  it('a next link that does not move is refused, not paged forever', async () => {
    const e = await estate(gitlab);
    try {
      const self = `<${e.fake.baseUrl}/personal_access_tokens?per_page=100>; rel="next"`;
      e.fake.inject(ROUTE, { reply: () => ({ status: 200, headers: { link: self }, body: [item(1)] }) }, 5);
      await assert.rejects(collect(e.discoverer(), directCall({ calls: 0 })), { code: 'PROVIDER_REJECTED' });
    } finally {
      await e.fake.close();
    }
  });

  it('an item without a usable id leaves the kind incomplete; an answer of the wrong shape is thrown', async () => {
    const e = await estate(gitlab);
    try {
      e.fake.inject(ROUTE, { reply: () => ({ status: 200, body: [item(1), { name: 'no id' }] }) });
      const events = await collect(e.discoverer(), directCall({ calls: 0 }));
      assert.deepEqual(completed(events), []);
      assert.equal(credentials(events).length, 1);
      e.fake.inject(ROUTE, { reply: () => ({ status: 200, body: { not: 'a list' } }) });
      await assert.rejects(collect(e.discoverer(), directCall({ calls: 0 })), { code: 'PROVIDER_REJECTED' });
    } finally {
      await e.fake.close();
    }
  });

  it('a rate limit is thrown retriable with its delay for the sync, not reported as refused', async () => {
    const e = await estate(gitlab);
    try {
      e.fake.inject(ROUTE, { reply: () => e.fake.wire.rateLimited(7, Date.now()).reply });
      await assert.rejects(collect(e.discoverer(), directCall({ calls: 0 })), (err: unknown) => {
        const x = err as { code?: string; retriable?: boolean; retryAfterMs?: number };
        return x.code === 'PROVIDER_RATE_LIMITED' && x.retriable === true && (x.retryAfterMs ?? 0) > 0;
      });
    } finally {
      await e.fake.close();
    }
  });
});
