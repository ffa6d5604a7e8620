/**
 * The CLI as a newcomer uses it, in child processes: with `tourniquet start` running, other commands
 * reach it over HTTP (PGlite belongs to the service process) instead of opening its data dir.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/runtime.js';
import { childEnv } from '../support/service-process.js';

const BIN = join(import.meta.dirname, '../../bin/tourniquet.js');

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: NodeJS.ProcessEnv;
  let service: ChildProcess | undefined;

  before(async () => {
    dir = await tempDir();
    env = { TOURNIQUET_DATA_DIR: dir.path, TOURNIQUET_HTTP_PORT: '0', TOURNIQUET_LOG_LEVEL: 'warn' };
  });
  after(async () => {
    service?.kill('SIGKILL');
    await dir.remove();
  });

  it('prints one clear line naming the bad field and exits non-zero', async () => {
    const bad = join(dir.path, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(bad, JSON.stringify({ kind: 'offboarding', subject: { person: 42 } })),
    );
    const r = cli(['plan', bad], env);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^error INVALID_INPUT: .*subject\.person/);
  });

  it('ends quietly with success when its reader closes the pipe early (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'providers', '--json'], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // No reader at all: the CLI's first write meets a closed pipe (EPIPE), whatever its size.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE/);
  });

  it('with the service running, ingest and audit list go through its HTTP API', async () => {
    service = spawn(process.execPath, [BIN, 'start'], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      service!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening on')) resolve();
      });
      service!.once('exit', (c) => reject(new Error(`service exited ${c}`)));
    });
    assert.ok(existsSync(join(dir.path, 'server.json')));
    const imp = cli(['inventory', 'import', 'examples/inventory.yaml'], env);
    assert.equal(imp.code, 0, imp.stderr);
    const ing = cli(['ingest', 'examples/leak.json'], env);
    assert.equal(ing.code, 0, ing.stderr);
    assert.match(
      ing.stdout,
      /^accepted leak trigger (leak-[0-9a-f]+)$/m,
      'accepted by the service, not processed in-process',
    );
    const id = /accepted leak trigger (\S+)/.exec(ing.stdout)![1]!;
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes('task.shadow'); i++) {
      listed = cli(['audit', 'list', '--trigger', id], env).stdout;
      if (!listed.includes('task.shadow')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(listed, /trigger\.accepted/);
    assert.match(listed, /plan\.created/);
    assert.match(listed, /task\.shadow.*billing-api-token/);
    assert.match(listed, /skipped/, 'each task outcome is shown');
    const v = cli(['audit', 'verify'], env);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /audit chain intact/);
    // Both exports stream JSON Lines through the API (the OCSF one once failed to parse there).
    const plain = cli(['audit', 'export'], env);
    const ocsf = cli(['audit', 'export', '--format', 'ocsf'], env);
    assert.equal(ocsf.code, 0, ocsf.stderr);
    const events = ocsf.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { class_uid: number });
    assert.ok(events.length > 0 && events.every((e) => [3001, 3004, 7001].includes(e.class_uid)));
    assert.ok(events.length <= plain.stdout.trim().split('\n').length);

    // The data dir is owned by the service: opening it directly is refused, not corrupted.
    const { openPglite } = await import('../../src/store/pglite.js');
    await assert.rejects(
      openPglite(dir.path),
      (e: unknown) => (e as { code?: string }).code === 'DATA_DIR_LOCKED',
    );

    service.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => service!.once('exit', r));
    assert.equal(code, 0, 'SIGTERM drains and exits 0');
    assert.ok(!existsSync(join(dir.path, 'server.json')));
    service = undefined;
    // After the service stopped, the CLI opens the data dir itself and sees the same trail.
    assert.match(cli(['audit', 'list', '--trigger', id], env).stdout, /task\.shadow/);
  });

  it('ingests a source event in its producer format with --source', async () => {
    const r = cli(['ingest', '--source', 'gitleaks', 'test/fixtures/sources/gitleaks.report.json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^accepted leak trigger \S+ \(processed\)$/m);
    const bad = cli(
      ['ingest', '--source', 'no-such-source', 'test/fixtures/sources/gitleaks.report.json'],
      env,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error UNKNOWN_SOURCE/);
    // What to type instead: the valid names (issue 14, "an unknown --source does not list them").
    for (const name of ['gitleaks', 'sarif', 'kingfisher', 'detect-secrets'])
      assert.ok(bad.stderr.includes(name), name);
  });

  it('a file it cannot read is an input error that names the file', () => {
    for (const args of [
      ['plan', 'no-such-file.json'],
      ['ingest', '--source', 'okta', 'no-such-file.json'],
    ]) {
      const r = cli(args, env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error INVALID_INPUT: .*no-such-file\.json/);
    }
  });
});
