/**
 * The two store adapters the store tests run on, each over a fresh database: PGlite (embedded) and
 * a real PostgreSQL server (support/postgres.ts; `null` when it is unavailable and may be skipped).
 */
import type { TestContext } from 'node:test';
import type { Db } from '../../src/store/db.js';
import type { Store } from '../../src/store/port.js';
import { createStore } from '../../src/store/sql-store.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import { freshDatabase } from './postgres.js';
import { tempDir } from './runtime.js';

export interface OpenedDb {
  db: Db;
  /** A second connection pool on the same database (a second process); PostgreSQL only. */
  another?: () => Promise<Db>;
  /** Closes what is still open: a test may have closed its store, and with it the Db, already. */
  cleanup(): Promise<void>;
}

export const storeAdapters: { name: string; open(t: TestContext): Promise<OpenedDb | null> }[] = [
  {
    name: 'pglite',
    async open() {
      const dir = await tempDir();
      const db = await openPglite(dir.path);
      return {
        db,
        cleanup: async () => {
          await db.close().catch(() => undefined);
          await dir.remove();
        },
      };
    },
  },
  {
    name: 'postgres',
    async open(t) {
      const url = await freshDatabase(t);
      if (!url) return null;
      const db = await openPostgres(url);
      const others: Db[] = [];
      return {
        db,
        another: async () => {
          const o = await openPostgres(url);
          others.push(o);
          return o;
        },
        cleanup: async () => {
          for (const o of others) await o.close().catch(() => undefined);
          await db.close().catch(() => undefined);
        },
      };
    },
  },
];

/**
 * Runs `fn` with a store over a fresh database of `adapter` (and, on PostgreSQL, a way to open a
 * second store on it: another process); returns without running it when the adapter is unavailable.
 */
export async function withStore(
  adapter: (typeof storeAdapters)[number],
  t: TestContext,
  auditKey: Buffer,
  fn: (s: Store, db: Db, another?: () => Promise<Store>) => Promise<void>,
): Promise<void> {
  const opened = await adapter.open(t);
  if (!opened) return;
  const { another } = opened;
  try {
    await fn(
      await createStore(opened.db, { auditKey }),
      opened.db,
      another ? async () => createStore(await another(), { auditKey }) : undefined,
    );
  } finally {
    await opened.cleanup();
  }
}
