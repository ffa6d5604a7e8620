/**
 * The store keeps the inventory's planner statistics fresh itself (src/store/statistics.ts): PGlite
 * runs no autovacuum, and a table filled by an import had none, so every batch lookup of a sync
 * was a full scan. On both adapters: after the store has created more than 10,000 credentials the
 * table is analyzed, and the planner estimates the lookup a sync batch makes from real counts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Credential } from '../../schemas/credential.js';
import { storeAdapters, withStore } from '../support/store-adapters.js';

const N = 12_000;
const cred = (i: number): Credential => ({
  id: `stat-${i}`,
  provider: 'gh',
  kind: 'github.pat_classic',
  providerId: `pid-${i}`,
  scopes: [],
  protected: false,
  status: 'active',
  labels: {},
  flags: [],
  readers: [],
});

for (const adapter of storeAdapters) {
  describe(`planner statistics on ${adapter.name}`, () => {
    it('are refreshed once 10,000 credentials were created, and a 500-id lookup is estimated from them', (t) =>
      withStore(adapter, t, randomBytes(32), async (store, db) => {
        const analyzed = async () =>
          Number(
            (
              await db.query<{ n: string }>(
                "SELECT coalesce(analyze_count, 0) + coalesce(autoanalyze_count, 0) AS n FROM pg_stat_user_tables WHERE relname = 'credentials'",
              )
            )[0]?.n ?? 0,
          );
        const before = await analyzed();
        for (let i = 0; i < N; i += 500)
          await store.upsertCredentials(Array.from({ length: 500 }, (_, k) => cred(i + k)));
        assert.ok((await analyzed()) > before, 'ANALYZE ran');
        const ids = Array.from({ length: 500 }, (_, k) => `pid-${k * 7}`);
        const plan = await db.query<{ 'QUERY PLAN': string }>(
          'EXPLAIN SELECT * FROM credentials WHERE provider_id = ANY($1::text[]) ORDER BY id',
          [ids],
        );
        const text = plan.map((r) => r['QUERY PLAN']).join('\n');
        // With statistics the planner knows 500 ids match about 500 rows (it guessed most of the
        // table without them, and scanned it); whether it then scans or probes is its call.
        const estimate = Number(/on credentials.*rows=(\d+)/.exec(text)?.[1]);
        assert.ok(estimate >= 250 && estimate <= 1_000, text);
      }));
  });
}
