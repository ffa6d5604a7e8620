/**
 * Embedded adapter: PGlite (PostgreSQL compiled to WASM) with its data dir on disk. One process owns
 * the data dir: a lock file with our pid guards it, and other CLI invocations talk to the running
 * service over HTTP instead (see src/cli/target.ts).
 */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tightenPrivateDir } from '../util/data-dir.js';
import type { Db } from './db.js';
import { defaultImageDir, extractImage, findImage, saveImage } from './pglite-image.js';

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

export interface PgliteOptions {
  logger?: Logger;
  /** Where the pre-initialised cluster image is cached (src/store/pglite-image.ts). */
  imageDir?: string;
}

/**
 * Present while a first start creates the cluster. Found at a later start, it means that start
 * died mid-way: what it left in pgdata is discarded and made again, never taken for a store.
 */
const INIT_MARKER = 'pgdata.initialising';

export async function openPglite(dataDir: string, opts: PgliteOptions = {}): Promise<Db> {
  const dir = join(dataDir, 'pgdata');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const release = await lockDataDir(dataDir);
  const options = {
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  };
  let pg: PGlite;
  try {
    pg = (await needsCluster(dataDir, dir))
      ? await createCluster(dataDir, dir, options, opts)
      : await PGlite.create(dir, options);
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

const exists = (path: string) =>
  stat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );

/**
 * Whether pgdata must be made: absent, empty, or left half-made by a first start that died (its
 * marker is still there). A pgdata with contents and no marker is a store, opened as it is.
 */
async function needsCluster(dataDir: string, dir: string): Promise<boolean> {
  if (await exists(join(dataDir, INIT_MARKER))) return true;
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return entries.length === 0;
}

/**
 * Makes a fresh cluster in pgdata, from the cached image when there is a good one, else by initdb
 * (whose result then becomes the image). The marker brackets the whole of it.
 */
async function createCluster(
  dataDir: string,
  dir: string,
  options: { startParams: string[] },
  opts: PgliteOptions,
): Promise<PGlite> {
  const marker = join(dataDir, INIT_MARKER);
  await writeDurably(marker, String(process.pid));
  // Whatever a dead first start left behind goes; nothing in it was ever used as a store.
  await rm(dir, { recursive: true, force: true });
  const imageDir = opts.imageDir ?? defaultImageDir();
  // Said up front: PGlite's start blocks the event loop, so a "still working" timer would not fire.
  opts.logger?.info({ dataDir }, 'creating the embedded store (first start) …');
  const started = Date.now();
  const image = await findImage(imageDir, opts.logger);
  let pg: PGlite | undefined;
  if (image) {
    pg = await extractImage(image, dir)
      .then(() => PGlite.create(dir, options))
      .catch((e: unknown) => {
        opts.logger?.warn({ err: e }, 'the cached store image did not load; running initdb');
        return undefined;
      });
    if (!pg) await rm(dir, { recursive: true, force: true });
  }
  const from = pg ? 'image' : 'initdb';
  if (!pg) {
    const made = await PGlite.create(dir, options);
    // A clean checkpoint and a closed cluster: the image then needs no WAL replay to be consistent.
    await made.exec('CHECKPOINT');
    await made.close();
    await saveImage(dir, imageDir, opts.logger);
    pg = await PGlite.create(dir, options);
  }
  await rm(marker);
  opts.logger?.info({ from, ms: Date.now() - started }, 'embedded store created');
  return pg;
}

/** Written and synced, and so is its directory entry: the marker must survive a crash. */
async function writeDurably(path: string, content: string): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const d = await open(dirname(path), 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
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
