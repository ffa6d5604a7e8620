/**
 * A sync of an unchanged estate writes nothing (issue 16 item 5), on both store adapters: the
 * second identical sync reports every credential unchanged, appends no audit record and leaves
 * every row version (xmin) and `updated_at` as it was; a listing where one credential changed and
 * one disappeared writes exactly those two rows, and says so in its counts and its audit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Discoverer, DiscoveryEvent } from '../../src/discovery/port.js';
import { GONE_LABEL } from '../../src/discovery/sync-merge.js';
import { syncInventory } from '../../src/discovery/sync.js';
import type { Db } from '../../src/store/db.js';
import { storeAdapters, withStore } from '../support/store-adapters.js';

const KIND = 'github.pat_classic';
/** More than one write batch of the sync (src/discovery/sync.ts). */
const N = 1_200;

/** What a GitHub org lists, streamed: the sync's input. */
function listing(change: { changed?: number; missing?: number } = {}): Discoverer {
  return {
    instance: 'gh',
    kinds: [KIND],
    async *discover(): AsyncIterable<DiscoveryEvent> {
      yield { type: 'identity', identity: { identity: 'ada-gh', email: 'ada@example.com' } };
      for (let i = 0; i < N; i++) {
        if (i === change.missing) continue;
        yield {
          type: 'credential',
          credential: {
            kind: KIND,
            providerId: String(i),
            ownerIdentity: 'ada-gh',
            scopes: i === change.changed ? ['repo', 'workflow'] : ['repo'],
            issuedAt: '2026-01-02T03:04:05.000Z',
            lastUsedAt: '2026-11-01T00:00:00Z',
            labels: { team: `t${i % 7}` },
          },
        };
      }
      yield { type: 'complete', kinds: [KIND] };
    },
  };
}

const call = <T>(_what: string, fn: (s: AbortSignal) => Promise<T>) => fn(new AbortController().signal);

/** Each row's version and last write. */
async function versions(db: Db): Promise<Map<string, string>> {
  const rows = await db.query<{ id: string; v: string }>(
    "SELECT id, xmin::text || '@' || updated_at::text AS v FROM credentials ORDER BY id",
  );
  return new Map(rows.map((r) => [r.id, r.v]));
}

for (const adapter of storeAdapters) {
  describe(`inventory sync on ${adapter.name}`, () => {
    it('a second identical sync writes nothing; a changed and a gone credential are written', (t) =>
      withStore(adapter, t, randomBytes(32), async (store, db) => {
        await store.upsertPeople([{ id: 'ada@example.com', aliases: [], identities: { gh: 'ada-gh' } }]);
        const deps = { store, clock: () => new Date() };
        const first = await syncInventory(listing(), call, deps);
        assert.deepEqual([first.created, first.updated, first.unchanged, first.gone], [N, 0, 0, 0]);
        assert.equal((await store.findCredentials({ ids: ['gh:5'] }))[0]?.owner, 'ada@example.com');
        const before = { versions: await versions(db), audit: (await store.auditHead()).seq };

        const second = await syncInventory(listing(), call, deps);
        assert.deepEqual([second.created, second.updated, second.unchanged, second.gone], [0, 0, N, 0]);
        assert.deepEqual(second.diff, []);
        assert.equal((await store.auditHead()).seq, before.audit, 'no audit record');
        assert.deepEqual(await versions(db), before.versions, 'no row rewritten');

        const third = await syncInventory(listing({ changed: 3, missing: 4 }), call, deps);
        assert.deepEqual([third.created, third.updated, third.unchanged, third.gone], [0, 1, N - 2, 1]);
        const after = await versions(db);
        const written = [...after].filter(([id, v]) => before.versions.get(id) !== v).map(([id]) => id);
        assert.deepEqual(written.sort(), ['gh:3', 'gh:4']);
        const [changed] = await store.findCredentials({ ids: ['gh:3'] });
        assert.deepEqual(changed?.scopes, ['repo', 'workflow']);
        const [gone] = await store.findCredentials({ ids: ['gh:4'] });
        assert.equal(gone?.status, 'deleted');
        assert.ok(gone?.labels[GONE_LABEL]);
        const records = await store.listAudit({ limit: 100 });
        const synced = records.filter((r) => r.seq > before.audit && r.type === 'inventory.synced');
        const ids = synced.flatMap((r) =>
          (r.data.changes as { credentialId: string }[]).map((c) => c.credentialId),
        );
        assert.deepEqual(ids.sort(), ['gh:3', 'gh:4'], 'the audit names only what changed');

        // Gone stays gone without another write.
        const fourth = await syncInventory(listing({ missing: 4 }), call, deps);
        assert.deepEqual([fourth.updated, fourth.gone], [1, 0], 'gh:3 back to its old scopes');
        assert.equal((await versions(db)).get('gh:4'), after.get('gh:4'));
      }));
  });
}
