/**
 * Planner statistics for the inventory. PGlite runs no autovacuum, so a credentials table filled by
 * an import or a sync had none: the planner guessed a default selectivity, and a batch lookup
 * (`provider_id = ANY($1)` with 500 ids, what every sync batch does) became a full scan. Measured on
 * PGlite with 200,000 rows: a Seq Scan of 162 ms, an Index Scan of 40 ms after ANALYZE; a 1M sync
 * took 580 s where 20k took 3 s. So the store refreshes them itself, the way autovacuum's analyze
 * threshold does (a base count plus a share of the table): once the rows created since the last
 * refresh reach 10,000 and a fifth of what was there. On PostgreSQL autovacuum would get there
 * too, later; an ANALYZE of a sample (30,000 rows) is cheap either way. It may run inside the
 * writer's transaction: ANALYZE counts the rows that transaction inserted.
 */
import type { Db } from './db.js';

const MIN_ROWS = 10_000;
const SHARE = 0.2;

/** Shared by a store and every transaction it runs. */
export interface Freshness {
  /** Rows created since the last refresh. */
  created: number;
  /** Rows created up to the last refresh (what this process knows of the table's size). */
  base: number;
}

export const freshness = (): Freshness => ({ created: 0, base: 0 });

export async function afterCreated(db: Db, f: Freshness, created: number): Promise<void> {
  f.created += created;
  if (f.created < Math.max(MIN_ROWS, f.base * SHARE)) return;
  await db.query('ANALYZE credentials');
  f.base += f.created;
  f.created = 0;
}
