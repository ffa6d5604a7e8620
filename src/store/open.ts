/** Picks the store adapter from config: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
import type { Config } from '../../schemas/config.js';
import { errorSummary } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Db } from './db.js';
import type { Store } from './port.js';
import { createStore, type StoreKeys } from './sql-store.js';

export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  keys: StoreKeys,
  logger?: Logger,
): Promise<Store> {
  let db: Db;
  if (config.databaseUrl) {
    const { openPostgres } = await import('./postgres.js');
    db = await openPostgres(config.databaseUrl);
  } else {
    const { openPglite } = await import('./pglite.js');
    db = await openPglite(config.dataDir, logger ? { logger } : {});
  }
  try {
    return await createStore(db, keys, {
      // Several processes write one PostgreSQL: the hot path's trail is chained after its commits.
      chainAfterCommit: Boolean(config.databaseUrl),
      onAuditError: (e) =>
        logger?.error({ err: errorSummary(e) }, 'audit trail: chaining or a listener failed'),
    });
  } catch (e) {
    await db.close();
    throw e;
  }
}
