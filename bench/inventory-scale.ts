/**
 * Inventory at scale (issue 16 item 5): `tourniquet inventory import` of a JSON file of N
 * credentials (1M in a full run) into an empty data dir, the same file again (an unchanged
 * estate), then `tourniquet report --format json` over it, each as its own CLI process, as a user runs
 * them. Measured per process: wall time and peak RSS (the child reports its own `maxRSS` on exit,
 * bench/max-rss.ts). The file is generated here: people, a workload, credentials of one provider
 * with owners, scopes, dates and labels, every tenth with a secret value (fingerprinted at import).
 *
 * Standalone: `npx tsx bench/inventory-scale.ts [--credentials N]`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openPglite } from '../src/store/pglite.js';
import type { Verdict } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const INVENTORY_RSS_LIMIT_MB = 500;

export interface CliRun {
  command: string;
  seconds: number;
  peakRssMb: number | null;
  ok: boolean;
  /** Credential rows the command wrote (inserted or updated), read from the store afterwards. */
  rowsWritten?: number;
}

export interface InventoryScale {
  credentials: number;
  fileMb: number;
  runs: CliRun[];
}

async function writeInventory(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  const people = Math.max(1, Math.floor(n / 20));
  await write('{"people":[');
  for (let i = 0; i < people; i++)
    await write(
      `${i ? ',' : ''}${JSON.stringify({ id: `p${i}@acme.example`, identities: { 'gh-main': `gh-p${i}` } })}`,
    );
  await write('],"workloads":[{"name":"payments"}],"credentials":[\n');
  for (let i = 0; i < n; i++) {
    const c = {
      id: `cred-${String(i).padStart(7, '0')}`,
      provider: 'gh-main',
      kind: 'github.pat_classic',
      owner: `p${i % people}@acme.example`,
      scopes: ['repo', 'read:org'],
      issuedAt: '2026-01-02T03:04:05.000Z',
      labels: { team: `t${i % 50}` },
      ...(i % 10 === 0 ? { secret: `ghp_bench${String(i).padStart(31, '0')}` } : {}),
    };
    await write(`${i ? ',\n' : ''}${JSON.stringify(c)}`);
  }
  await new Promise<void>((resolve, reject) =>
    out.end(']}\n', (e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

/** One CLI command in its own process on the data dir; its peak RSS as it measured it. */
export async function runCli(
  args: string[],
  dataDir: string,
  cacheHome: string,
  rssFile: string,
): Promise<CliRun> {
  await rm(rssFile, { force: true });
  const { KAFKA_BROKERS: _k, DATABASE_URL: _d, ...env } = process.env;
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', join(ROOT, 'bench/max-rss.ts'), join(ROOT, 'src/cli/index.ts'), ...args],
    {
      cwd: ROOT,
      env: { ...env, XDG_CACHE_HOME: cacheHome, TOURNIQUET_DATA_DIR: dataDir, TQ_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve) => {
    child.once('exit', async (code) => {
      const seconds = (Date.now() - t0) / 1000;
      const kb = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
      resolve({
        command: args.join(' '),
        seconds,
        peakRssMb: Number.isFinite(kb) ? kb / 1024 : null,
        ok: code === 0,
      });
    });
  });
}

/** Credential rows written since `since` (an insert sets `updated_at` too), read with the store closed. */
export async function rowsWrittenSince(dataDir: string, since: Date): Promise<number> {
  const db = await openPglite(dataDir);
  try {
    const [r] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM credentials WHERE updated_at >= $1::timestamptz',
      [since.toISOString()],
    );
    return r?.n ?? 0;
  } finally {
    await db.close();
  }
}

export async function measureInventoryScale(n: number): Promise<InventoryScale> {
  const dir = await mkdtemp(join(tmpdir(), 'tq-inventory-scale-'));
  try {
    const file = join(dir, 'inventory.json');
    await writeInventory(file, n);
    const cache = join(dir, 'cache');
    const rss = join(dir, 'rss');
    // A first start elsewhere caches the store image, as any machine that ran tourniquet once has.
    await runCli(['inventory', 'list'], join(dir, 'warm'), cache, rss);
    const data = join(dir, 'data');
    const runs: CliRun[] = [];
    for (const args of [
      ['inventory', 'import', file],
      ['inventory', 'import', file],
    ]) {
      const since = new Date();
      const run = await runCli(args, data, cache, rss);
      runs.push({ ...run, rowsWritten: await rowsWrittenSince(data, since) });
    }
    runs.push(await runCli(['report', '--format', 'json'], data, cache, rss));
    return { credentials: n, fileMb: (await stat(file)).size / 2 ** 20, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (x: number | null) => (x === null ? '?' : `${x.toFixed(0)} MB`);

export function inventoryScaleLines(r: InventoryScale): string[] {
  const names = ['import (empty data dir)', 're-import (unchanged)', 'report --format json'];
  return r.runs.map(
    (run, i) =>
      `inventory ${r.credentials} credentials (${r.fileMb.toFixed(0)} MB JSON): ${names[i]}: ${run.ok ? '' : 'FAILED, '}${run.seconds.toFixed(1)} s, peak RSS ${mb(run.peakRssMb)}${run.rowsWritten === undefined ? '' : `, rows written ${run.rowsWritten}`}`,
  );
}

export function inventoryScaleVerdict(r: InventoryScale): Verdict {
  const worst = Math.max(...r.runs.map((x) => x.peakRssMb ?? Infinity));
  return {
    target: `inventory import, re-import and report of ${r.credentials} credentials: peak RSS ≤ ${INVENTORY_RSS_LIMIT_MB} MB`,
    backend: 'embedded',
    met: r.runs.every((x) => x.ok) && worst <= INVENTORY_RSS_LIMIT_MB,
    measured: r.runs.map((x) => mb(x.peakRssMb)).join(' / '),
  };
}

/** The second import of the same file changes nothing: it must write no row. */
export function inventoryUnchangedVerdict(r: InventoryScale): Verdict {
  const again = r.runs[1];
  return {
    target: `an unchanged re-import of ${r.credentials} credentials writes nothing (0 rows)`,
    backend: 'embedded',
    met: again?.ok === true && again.rowsWritten === 0,
    measured: `${again?.rowsWritten ?? '?'} rows in ${again?.seconds.toFixed(1) ?? '?'} s`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { credentials: { type: 'string' } } });
  const r = await measureInventoryScale(Number(values.credentials ?? 1_000_000));
  process.stdout.write(
    [
      ...inventoryScaleLines(r),
      JSON.stringify(inventoryScaleVerdict(r)),
      JSON.stringify(inventoryUnchangedVerdict(r)),
    ].join('\n') + '\n',
  );
}
