/**
 * A pre-initialised PGlite cluster ("image") so that a first start does not wait for initdb.
 *
 * initdb inside PGlite takes 3–4 s on a quiet 2-core machine and 9–23 s on a busy one, and leaves
 * ~450 MB of extra RSS behind; loading the same fresh cluster from a tarball (PGlite's own
 * `dumpDataDir` / `loadDataDir` format) takes about a third of that. The image is what initdb
 * leaves behind, dumped before any of our migrations or rows exist, so it holds no secret (no
 * keys, no tokens, no operator data: the cluster's catalog only) and is the same for every data dir.
 *
 * Where it lives: the user's cache dir (`$XDG_CACHE_HOME/tourniquet`, else `~/.cache/tourniquet`),
 * created 0700. It is made by the first start that had to run initdb (one slow start per machine
 * and PGlite version); every later first start loads it.
 *
 * Integrity: the file name carries the SHA-256 of its content (`pglite-<version>-<sha256>.tar.gz`),
 * written to a temp name and renamed, so a truncated or corrupted image never verifies and is
 * removed. Trust: the image becomes our store, so whoever could write it could plant rows; it is
 * used only when the dir and the file are ours and writable by nobody else (the data dir's rule,
 * src/util/data-dir.ts). Anything wrong with the cache only means the slow path, never a failed start.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.js';

const GROUP_WORLD_WRITE = 0o022;

let version: string | undefined;

/** PGlite's version: an image only loads into the PostgreSQL build that wrote it. */
function pgliteVersion(): string {
  if (version) return version;
  // The package's exports do not include package.json: read it beside the resolved entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  version = pkg.version;
  return version;
}

export function defaultImageDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tourniquet');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Ours and writable by nobody else; a symlink or someone else's entry is not trusted. */
async function trusted(path: string, kind: 'dir' | 'file'): Promise<boolean> {
  const st = await lstat(path).catch(() => null);
  if (!st) return false;
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return false;
  if (process.getuid && st.uid !== process.getuid()) return false;
  return (st.mode & GROUP_WORLD_WRITE) === 0;
}

/** The image's bytes when a trusted one verifies; corrupt ones are removed. Null: none usable. */
export async function readImage(imageDir: string, logger?: Logger): Promise<Uint8Array | null> {
  if (!(await trusted(imageDir, 'dir'))) return null;
  const prefix = `pglite-${pgliteVersion()}-`;
  const names = (await readdir(imageDir).catch(() => [])).filter(
    (n) => n.startsWith(prefix) && n.endsWith('.tar.gz'),
  );
  for (const name of names) {
    const path = join(imageDir, name);
    if (!(await trusted(path, 'file'))) {
      logger?.warn({ path }, 'ignoring a store image that is not ours or is writable by others');
      continue;
    }
    const bytes = await readFile(path);
    if (sha256(bytes) === name.slice(prefix.length, -'.tar.gz'.length)) return bytes;
    logger?.warn({ path }, 'removing a store image whose content does not match its digest');
    await rm(path, { force: true });
  }
  return null;
}

/**
 * Dumps a cluster that initdb has just made (nothing of ours in it yet) as the image. Best effort:
 * a failure is logged and the start goes on.
 */
export async function saveImage(pg: PGlite, imageDir: string, logger?: Logger): Promise<void> {
  const tmp = join(imageDir, `.pglite-${process.pid}-${Date.now()}.tmp`);
  try {
    await mkdir(imageDir, { recursive: true, mode: 0o700 });
    if (!(await trusted(imageDir, 'dir'))) return;
    // A clean checkpoint first: the image then needs no WAL replay to be consistent.
    await pg.exec('CHECKPOINT');
    const bytes = new Uint8Array(await (await pg.dumpDataDir('gzip')).arrayBuffer());
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(imageDir, `pglite-${pgliteVersion()}-${sha256(bytes)}.tar.gz`));
  } catch (e) {
    await rm(tmp, { force: true });
    logger?.warn({ err: e, imageDir }, 'could not cache the store image; the next first start runs initdb');
  }
}
