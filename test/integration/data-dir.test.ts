/**
 * Private by default (issue 12): the data dir is 0700 and every file in it 0600 once the service
 * has started (PGlite files, local log segments and cursors, the DLQ, keys.json, server.json); a
 * data dir others can write to is refused with DATA_DIR_INSECURE.
 */
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTourniquetError } from '../../src/errors.js';
import { createRuntime } from '../../src/main.js';
import { startService } from '../../src/service.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

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

const insecure = (e: unknown) => isTourniquetError(e) && e.code === 'DATA_DIR_INSECURE';

test('a data dir left 0777 is refused', async () => {
  const dir = await tempDir();
  await chmod(dir.path, 0o777);
  await assert.rejects(
    createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger }),
    insecure,
  );
  await dir.remove();
});

test('a data dir reached through a symlink is checked where it points', async () => {
  const dir = await tempDir();
  await mkdir(join(dir.path, 'real'), { mode: 0o700 });
  await symlink(join(dir.path, 'real'), join(dir.path, 'link'));
  const runtime = await createRuntime(testConfig({ dataDir: join(dir.path, 'link') }), {
    logger: captureLogger().logger,
  });
  await runtime.stop();
  await chmod(join(dir.path, 'real'), 0o777);
  await assert.rejects(
    createRuntime(testConfig({ dataDir: join(dir.path, 'link') }), { logger: captureLogger().logger }),
    insecure,
  );
  await dir.remove();
});

test('a data dir holding a world-writable file is refused', async () => {
  const dir = await tempDir();
  await mkdir(join(dir.path, 'log'), { mode: 0o700 });
  await writeFile(join(dir.path, 'log', 'leak.jsonl'), '');
  await chmod(join(dir.path, 'log', 'leak.jsonl'), 0o666);
  await assert.rejects(
    createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger }),
    insecure,
  );
  await dir.remove();
});

test('after a start, nothing under the data dir is readable by group or others', async () => {
  const dir = await tempDir();
  const dataDir = join(dir.path, 'data');
  const svc = await startService(testConfig({ dataDir, http: { port: 0 } }), {
    logger: captureLogger().logger,
  });
  const ops = svc.runtime.deps;
  await ops.bus.publish('offboarding', [
    { key: 'a', value: JSON.stringify({ kind: 'offboarding', subject: { person: 'ann@example.com' } }) },
    { key: 'b', value: 'not json: goes to the DLQ' },
  ]);
  await svc.runtime.idle();
  const names = (await readdir(dataDir, { recursive: true })).map(String);
  for (const want of [
    'keys.json',
    'server.json',
    join('log', 'dlq.jsonl'),
    join('log', 'offboarding.jsonl'),
  ]) {
    assert.ok(names.includes(want), `${want} exists`);
  }
  assert.ok(names.filter((n) => n.startsWith('pgdata')).length > 100, 'PGlite files are there');
  assert.deepEqual(await exposed(dataDir), [], 'while running');
  await svc.stop();
  assert.deepEqual(await exposed(dataDir), [], 'after stopping');
  // And it starts again on its own private dir.
  const again = await createRuntime(testConfig({ dataDir }), { logger: captureLogger().logger });
  await again.stop();
  await dir.remove();
});
