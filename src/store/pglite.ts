/**
 * Embedded adapter: PGlite (PostgreSQL compiled to WASM) with its data dir on disk. One process owns
 * the data dir: a lock file with our pid guards it, and other CLI invocations talk to the running
 * service over HTTP instead (see src/cli/target.ts).
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { TourniquetError } from '../errors.js';
import { tightenPrivateDir } from '../util/data-dir.js';
import type { Db } from './db.js';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

function wrap(q: Queryable, tx: (fn: (tx: Db) => Promise<unknown>) => Promise<unknown>): Db {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const res = await q.query<T>(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    transaction: tx as Db['transaction'],
    async close() {},
  };
}

/**
 * PostgreSQL's default 128 MB of shared buffers lives on the WASM heap, so it is resident memory of
 * our process: about 120 MB for a working set of a few MB (inventory, open tasks, the audit head).
 * Data files go through the OS page cache all the same. Measured: RSS after opening a data dir
 * 346 MB at 128 MB, 227 MB at 16 MB.
 */
const SHARED_BUFFERS = '16MB';

export async function openPglite(dataDir: string): Promise<Db> {
  const dir = join(dataDir, 'pgdata');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const release = await lockDataDir(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir, {
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
    });
  } catch (e) {
    await release();
    throw new TourniquetError('STORE_UNAVAILABLE', `cannot open embedded store at ${dir}`, { cause: e });
  }
  try {
    // PGlite writes its initial files 0666 and its relcache files 0644 whatever the umask
    // (src/util/data-dir.ts): private again before anything is stored.
    await tightenPrivateDir(dir);
  } catch (e) {
    await pg.close();
    await release();
    throw e;
  }
  const db = wrap(pg, (fn) => pg.transaction((t) => fn(wrap(t, nested))));
  return {
    ...db,
    async close() {
      await pg.close();
      await tightenPrivateDir(dir);
      await release();
    },
  };
}

// PGlite transactions do not nest; inside one, "transaction" just runs on the same connection.
function nested(): never {
  throw new TourniquetError('INTERNAL', 'nested transactions are not supported');
}

/** An exclusive lock file holding our pid; a stale lock (dead pid) is taken over. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'store.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new TourniquetError(
          'DATA_DIR_LOCKED',
          `the data dir ${dataDir} is in use by process ${pid}; talk to it over HTTP or stop it first`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new TourniquetError('DATA_DIR_LOCKED', `cannot lock the data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
