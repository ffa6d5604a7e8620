/**
 * A pre-initialised PGlite cluster ("image") so that a first start does not wait for initdb.
 *
 * initdb inside PGlite takes 3–4 s on a quiet 2-core machine and 9–23 s on a busy one, and leaves
 * ~450 MB of extra RSS behind. The image is the directory initdb left, packed (node-tar) once
 * PGlite has closed it, before any of our migrations or rows exist, so it holds no secret (no
 * keys, no tokens, no operator data: the cluster's catalog only) and is the same for every data dir.
 * A first start unpacks it to disk and opens the cluster as any restart would. Not PGlite's own
 * `dumpDataDir` / `loadDataDir`: that copies the archive through the WASM heap, which never shrinks,
 * and keeps it referenced while the store is open (measured: +190 MB RSS for the process's life).
 *
 * Where it lives: the user's cache dir (`$XDG_CACHE_HOME/tourniquet`, else `~/.cache/tourniquet`),
 * created 0700. It is made by the first start that had to run initdb (one slow start per machine
 * and PGlite version); every later first start loads it.
 *
 * Integrity: the file name carries the SHA-256 of its content (`pgdata-<version>-<sha256>.tar.gz`),
 * written to a temp name and renamed, so a truncated or corrupted image never verifies and is
 * removed. Trust: the image becomes our store, so whoever could write it could plant rows; it is
 * used only when the dir and the file are ours and writable by nobody else (the data dir's rule,
 * src/util/data-dir.ts). Anything wrong with the cache only means the slow path, never a failed start.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import type { Logger } from '../logger.js';

const GROUP_WORLD_WRITE = 0o022;
/** `pgdata-`: a tarball of the cluster's directory (earlier `pglite-` images were PGlite's dump format). */
const PREFIX = 'pgdata-';

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

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Ours and writable by nobody else; a symlink or someone else's entry is not trusted. */
async function trusted(path: string, kind: 'dir' | 'file'): Promise<boolean> {
  const st = await lstat(path).catch(() => null);
  if (!st) return false;
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return false;
  if (process.getuid && st.uid !== process.getuid()) return false;
  return (st.mode & GROUP_WORLD_WRITE) === 0;
}

/** The path of a trusted image that verifies; corrupt ones are removed. Null: none usable. */
export async function findImage(imageDir: string, logger?: Logger): Promise<string | null> {
  if (!(await trusted(imageDir, 'dir'))) return null;
  const prefix = `${PREFIX}${pgliteVersion()}-`;
  const names = (await readdir(imageDir).catch(() => [])).filter(
    (n) => n.startsWith(prefix) && n.endsWith('.tar.gz'),
  );
  for (const name of names) {
    const path = join(imageDir, name);
    if (!(await trusted(path, 'file'))) {
      logger?.warn({ path }, 'ignoring a store image that is not ours or is writable by others');
      continue;
    }
    if ((await fileSha256(path)) === name.slice(prefix.length, -'.tar.gz'.length)) return path;
    logger?.warn({ path }, 'removing a store image whose content does not match its digest');
    await rm(path, { force: true });
  }
  return null;
}

/** Unpacks an image into an empty pgdata dir, streamed from the file (node-tar: no path leaves `dir`). */
export async function extractImage(image: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await tar.x({ file: image, cwd: dir, strict: true });
}

/**
 * Packs a cluster that initdb has just made and PGlite has closed (nothing of ours in it yet) as
 * the image. Best effort: a failure is logged and the start goes on.
 */
export async function saveImage(dir: string, imageDir: string, logger?: Logger): Promise<void> {
  const tmp = join(imageDir, `.pgdata-${process.pid}-${Date.now()}.tmp`);
  try {
    await mkdir(imageDir, { recursive: true, mode: 0o700 });
    if (!(await trusted(imageDir, 'dir'))) return;
    await writeFile(tmp, '', { flag: 'wx', mode: 0o600 });
    await tar.c({ file: tmp, cwd: dir, gzip: true, portable: true }, ['.']);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(imageDir, `${PREFIX}${pgliteVersion()}-${await fileSha256(tmp)}.tar.gz`));
  } catch (e) {
    await rm(tmp, { force: true });
    logger?.warn({ err: e, imageDir }, 'could not cache the store image; the next first start runs initdb');
  }
}
