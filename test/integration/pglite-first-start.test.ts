/**
 * A first start on an empty data dir (issue 11 item 6): the embedded store is made from a cached,
 * pre-initialised cluster image when there is a good one (else by initdb, which then leaves the
 * image behind), is usable, and is private (0700 / 0600). A first start that died mid-way is made
 * again, never taken for a store; an image that is corrupt or writable by others is not loaded.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Credential } from '../../schemas/credential.js';
import { openPglite } from '../../src/store/pglite.js';
import { createStore } from '../../src/store/sql-store.js';
import { captureLogger, tempDir } from '../support/runtime.js';

/** Entries of the dir (itself included) that group or others can reach. */
async function exposed(dir: string): Promise<string[]> {
  const out: string[] = [];
  if ((await lstat(dir)).mode & 0o077) out.push(dir);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    const st = await lstat(p);
    if (!st.isSymbolicLink() && st.mode & 0o077) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
  }
  return out;
}

/** Where the store was made from, as the adapter logged it (null: it opened an existing one). */
function madeFrom(logText: string): string | null {
  const line = logText.split('\n').find((l) => l.includes('"embedded store created"'));
  return line ? (JSON.parse(line) as { from: string }).from : null;
}

/** Opens the store on a data dir, writes and reads a credential, closes it; returns what it logged. */
async function startAndUse(dataDir: string, imageDir: string): Promise<string> {
  const { logger, text } = captureLogger('info');
  const db = await openPglite(dataDir, { logger, imageDir });
  try {
    const store = await createStore(db, { auditKey: randomBytes(32) });
    const id = `c-${randomBytes(4).toString('hex')}`;
    await store.upsertCredentials([Credential.parse({ id, provider: 'p', kind: 'oauth.access_token' })]);
    assert.deepEqual(
      (await store.listCredentials()).map((c) => c.id),
      [id],
    );
  } finally {
    await db.close();
  }
  return text();
}

const images = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.tar.gz'));

test('a first start makes a usable, private store and caches the image; the next first start loads it', async () => {
  const root = await tempDir();
  const imageDir = join(root.path, 'cache');
  try {
    const first = await startAndUse(join(root.path, 'a'), imageDir);
    assert.equal(madeFrom(first), 'initdb');
    assert.deepEqual(await exposed(join(root.path, 'a')), []);
    const cached = await images(imageDir);
    assert.equal(cached.length, 1);
    assert.deepEqual(await exposed(imageDir), []);

    const second = await startAndUse(join(root.path, 'b'), imageDir);
    assert.equal(madeFrom(second), 'image');
    assert.deepEqual(await exposed(join(root.path, 'b')), []);

    // A restart opens the existing store: nothing is made again, and the data is still there.
    const { logger, text } = captureLogger('info');
    const db = await openPglite(join(root.path, 'b'), { logger, imageDir });
    const store = await createStore(db, { auditKey: randomBytes(32) });
    assert.equal((await store.listCredentials()).length, 1);
    await db.close();
    assert.equal(madeFrom(text()), null);
  } finally {
    await root.remove();
  }
});

test('a first start that died mid-way is made again, not opened as a store', async () => {
  const root = await tempDir();
  const dataDir = join(root.path, 'data');
  try {
    // What a start killed while extracting or initdb-ing leaves: the marker and a partial cluster.
    await mkdir(join(dataDir, 'pgdata', 'base'), { recursive: true, mode: 0o700 });
    await writeFile(join(dataDir, 'pgdata', 'PG_VERSION'), '17\n', { mode: 0o600 });
    await writeFile(join(dataDir, 'pgdata', 'base', 'half-written'), 'x', { mode: 0o600 });
    await writeFile(join(dataDir, 'pgdata.initialising'), '12345', { mode: 0o600 });

    const log = await startAndUse(dataDir, join(root.path, 'cache'));
    assert.notEqual(madeFrom(log), null);
    assert.deepEqual(
      (await readdir(dataDir)).filter((n) => n.startsWith('pgdata')),
      ['pgdata'],
    );
    await assert.rejects(lstat(join(dataDir, 'pgdata', 'base', 'half-written')), { code: 'ENOENT' });
  } finally {
    await root.remove();
  }
});

test('an image that does not match its digest, or that others can write, is not loaded', async () => {
  const root = await tempDir();
  const imageDir = join(root.path, 'cache');
  try {
    await startAndUse(join(root.path, 'seed'), imageDir);
    const [name] = await images(imageDir);
    assert.ok(name);

    await chmod(join(imageDir, name), 0o666);
    assert.equal(madeFrom(await startAndUse(join(root.path, 'a'), imageDir)), 'initdb');

    // initdb cached a fresh (good) image beside the untrusted one: corrupt every image instead.
    for (const n of await images(imageDir)) {
      await writeFile(join(imageDir, n), 'not a tarball');
      await chmod(join(imageDir, n), 0o600);
    }
    assert.equal(madeFrom(await startAndUse(join(root.path, 'b'), imageDir)), 'initdb');
    // The corrupt images were removed; the one initdb just wrote is there and good.
    const left = await images(imageDir);
    assert.equal(left.length, 1);
    assert.equal(madeFrom(await startAndUse(join(root.path, 'c'), imageDir)), 'image');
  } finally {
    await root.remove();
  }
});
