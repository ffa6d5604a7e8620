/**
 * Which admission adapter a service uses, chosen like the store (src/store/open.ts): PostgreSQL when
 * DATABASE_URL is set (several workers share one database, so they must share the budgets), the
 * in-process adapter otherwise (PGlite: one process owns the data dir and so every worker).
 *
 * The PostgreSQL adapter gets a small pool of its own rather than the store's: an admission check
 * is one short statement, and it should not queue behind the store's transactions when the store's
 * pool is busy (a worker waiting for a connection to learn that it must wait is the wrong order).
 */
import type { Config } from '../../schemas/config.js';
import { MemoryAdmission } from '../pipeline/admission/memory.js';
import { DEFAULT_BREAKER, type BreakerSettings, type SharedAdmission } from '../pipeline/admission/port.js';
import { SqlAdmission } from './admission-sql.js';
import type { Db } from './db.js';
import { migrate } from './migrations.js';

export interface AdmissionOptions {
  breaker?: BreakerSettings;
  /** Connections of the PostgreSQL adapter's own pool. */
  poolSize?: number;
}

/** Over an open Db (tests, or a composition root that wants to share the store's pool). */
export function sqlAdmission(db: Db, breaker: BreakerSettings = DEFAULT_BREAKER): SharedAdmission {
  return new SqlAdmission(db, breaker);
}

export async function openAdmission(
  config: Pick<Config, 'databaseUrl'>,
  opts: AdmissionOptions = {},
): Promise<SharedAdmission> {
  const breaker = opts.breaker ?? DEFAULT_BREAKER;
  if (!config.databaseUrl) return new MemoryAdmission(breaker);
  const { openPostgres } = await import('./postgres.js');
  // Admission state is soft: after a database crash, losing its last fraction of a second (a token
  // or a slot given back, a failure forgotten) costs at most a few calls over the budget once, while
  // waiting for a WAL flush on every grant and release would put a disk sync in front of every
  // provider call. The store's own pool keeps synchronous commits. (Not measured here: the test
  // clusters run with fsync off.)
  const db = await openPostgres(config.databaseUrl, {
    max: opts.poolSize ?? 4,
    options: '-c synchronous_commit=off',
  });
  try {
    // Normally the store migrated already; this makes the adapter usable on its own (idempotent,
    // under the migrations' advisory lock).
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return new SqlAdmission(db, breaker, () => db.close());
}
