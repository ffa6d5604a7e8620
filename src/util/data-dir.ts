/**
 * The data dir is private: 0700, and every file in it 0600. It holds the embedded store (operator
 * rows, the audit trail), the local log (raw source events, sealed secrets), dead letters, keys
 * and the admin token, so anyone who can write there can make themselves a responder and anyone
 * who can read there holds the keys.
 *
 * At start the dir is checked: if it, or anything in it, is writable by group or others it may
 * already have been changed by someone else, so the service refuses to start and says how to fix
 * it. Entries that are merely readable by others are tightened in place (nothing could have been
 * changed through them). PGlite writes most of its files 0666 whatever the umask (measured: 968 of
 * 1,000 files of a fresh PGlite data dir), so the store adapter tightens again after opening.
 */
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TourniquetError } from '../errors.js';

const GROUP_WORLD = 0o077;
const GROUP_WORLD_WRITE = 0o022;

interface Entry {
  path: string;
  mode: number;
  dir: boolean;
}

function ignoreMissing(e: unknown): undefined {
  // Removed while we walked (a log segment pruned, a temp file renamed): nothing left to check.
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw e;
}

async function* walk(dir: string): AsyncGenerator<Entry> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(ignoreMissing);
  for (const e of entries ?? []) {
    if (e.isSymbolicLink()) continue;
    const path = join(dir, e.name);
    const st = await lstat(path).catch(ignoreMissing);
    if (!st) continue;
    yield { path, mode: st.mode & 0o777, dir: st.isDirectory() };
    if (st.isDirectory()) yield* walk(path);
  }
}

/** Creates the dir (0700) or checks it; refuses a dir others can write to; tightens the rest. */
export async function preparePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // stat, not lstat: the data dir itself may be a symlink to where the data lives.
  const mode = (await stat(dir)).mode & 0o777;
  if (mode & GROUP_WORLD_WRITE) {
    throw new TourniquetError(
      'DATA_DIR_INSECURE',
      `the data dir ${dir} is writable by group or others (mode ${mode.toString(8)}); ` +
        `check its contents, then fix it with: chmod -R go-rwx ${dir}`,
    );
  }
  const writable: string[] = [];
  for await (const e of walk(dir)) if (e.mode & GROUP_WORLD_WRITE) writable.push(e.path);
  if (writable.length > 0) {
    throw new TourniquetError(
      'DATA_DIR_INSECURE',
      `${writable.length} entries in the data dir ${dir} are writable by group or others ` +
        `(first: ${writable[0]}); check them, then fix it with: chmod -R go-rwx ${dir}`,
      { details: { count: writable.length, first: writable.slice(0, 5) } },
    );
  }
  await tightenPrivateDir(dir);
}

/** Removes group and world access from the dir and everything in it; returns how many changed. */
export async function tightenPrivateDir(dir: string): Promise<number> {
  let changed = 0;
  // A data dir removed already (a test tidying up before the store closed) has nothing to tighten.
  const top = await stat(dir).catch(ignoreMissing);
  if (!top) return 0;
  if (top.mode & GROUP_WORLD) {
    await chmod(dir, 0o700);
    changed++;
  }
  for await (const e of walk(dir)) {
    if ((e.mode & GROUP_WORLD) === 0) continue;
    await chmod(e.path, e.dir ? 0o700 : 0o600).catch(ignoreMissing);
    changed++;
  }
  return changed;
}
