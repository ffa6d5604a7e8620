/**
 * A real PostgreSQL for store tests. Uses TEST_DATABASE_URL (set by .ci/run) when present; otherwise
 * starts a throwaway cluster from Debian's postgresql binaries (initdb + pg_ctl, trust auth, its own
 * port), or reports the service unavailable. Each call gets a fresh database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { unavailable } from './services.js';

const PGBIN = process.env.PGBIN ?? '/usr/lib/postgresql/15/bin';
let adminUrl: Promise<string | null> | undefined;

function asPostgres(cmd: string): void {
  const isRoot = process.getuid?.() === 0;
  const r = isRoot
    ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { stdio: 'pipe' })
    : spawnSync('/bin/sh', ['-c', cmd], { stdio: 'pipe' });
  if (r.status !== 0) throw new Error(`postgres setup failed: ${r.stderr.toString().slice(0, 500)}`);
}

function startCluster(): string | null {
  if (!existsSync(join(PGBIN, 'initdb'))) return null;
  const dir = mkdtempSync(join(tmpdir(), 'tq-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = 55000 + Math.floor(Math.random() * 5000);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asPostgres(`${PGBIN}/initdb -D ${data} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null`);
  asPostgres(
    `${PGBIN}/pg_ctl -D ${data} -l ${dir}/log -w -t 30 -o "-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off" start >/dev/null`,
  );
  process.on('exit', () => {
    spawnSync(
      process.getuid?.() === 0 ? 'su' : '/bin/sh',
      process.getuid?.() === 0
        ? ['postgres', '-s', '/bin/sh', '-c', `${PGBIN}/pg_ctl -D ${data} -m immediate stop`]
        : ['-c', `${PGBIN}/pg_ctl -D ${data} -m immediate stop`],
    );
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** A URL to a fresh, empty database, or null after marking the test unavailable. */
export async function freshDatabase(t: TestContext): Promise<string | null> {
  adminUrl ??= Promise.resolve().then(() => process.env.TEST_DATABASE_URL ?? startCluster());
  let admin: string | null;
  try {
    admin = await adminUrl;
  } catch (e) {
    unavailable(t, `PostgreSQL could not start: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  if (!admin) {
    unavailable(t, `no PostgreSQL: set TEST_DATABASE_URL or install postgresql-15 (${PGBIN})`);
    return null;
  }
  const name = `tq_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
