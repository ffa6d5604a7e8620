/**
 * Sync at scale (issue 16 item 5): the real inventory sync (bench/sync-worker.ts: `createRuntime`
 * and the operations' `syncInventory`, as `tourniquet inventory sync` runs it) of a synthetic
 * discoverer that streams N GitHub PATs and N/20 accounts (bench/sync-estate.ts), three times on
 * one data dir, each in its own process: into an empty store; the same listing again (an unchanged
 * estate: it must write nothing); a listing where 1 % changed and 1 % disappeared. Measured per
 * process: wall time, the sync's own time, and peak RSS (the child's own `maxRSS`,
 * bench/max-rss.ts). What each sync wrote is read back from the store after its process ended:
 * rows whose `updated_at` is later than its start, and the audit records it appended.
 *
 * Standalone: `npx tsx bench/sync-scale.ts [--credentials N]`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { INVENTORY_RSS_LIMIT_MB, rowsWrittenSince, runCli } from './inventory-scale.js';
import { verdictLines, type Verdict } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PHASES = ['first', 'same', 'churn'] as const;
type Phase = (typeof PHASES)[number];

export interface SyncCounts {
  discovered: number;
  created: number;
  updated: number;
  unchanged: number;
  gone: number;
  unknownIdentityCount: number;
  /** The sync call's own time in the child (no process start, no runtime open). */
  seconds: number;
  auditRecords: number;
  error?: { code: string; message: string };
}

export interface SyncRun {
  phase: Phase;
  /** Wall time of the child process. */
  seconds: number;
  peakRssMb: number | null;
  ok: boolean;
  counts: SyncCounts | null;
  /** Credential rows the sync wrote (inserted or updated), read from the store afterwards. */
  rowsWritten: number | null;
}

export interface SyncScale {
  credentials: number;
  runs: SyncRun[];
}

async function runWorker(phase: Phase, n: number, dataDir: string, cacheHome: string, rssFile: string) {
  await rm(rssFile, { force: true });
  const { KAFKA_BROKERS: _k, DATABASE_URL: _d, ...env } = process.env;
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      join(ROOT, 'bench/max-rss.ts'),
      join(ROOT, 'bench/sync-worker.ts'),
      '--data-dir',
      dataDir,
      '--credentials',
      String(n),
      '--phase',
      phase,
    ],
    {
      cwd: ROOT,
      env: { ...env, XDG_CACHE_HOME: cacheHome, TQ_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seconds = (Date.now() - t0) / 1000;
  const kb = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
  const line = out.trim().split('\n').at(-1);
  const counts = line ? (JSON.parse(line) as SyncCounts) : null;
  return {
    startedAt: new Date(t0),
    seconds,
    peakRssMb: Number.isFinite(kb) ? kb / 1024 : null,
    code,
    counts,
  };
}

export async function measureSyncScale(n: number): Promise<SyncScale> {
  const dir = await mkdtemp(join(tmpdir(), 'tq-sync-scale-'));
  try {
    const cache = join(dir, 'cache');
    const rss = join(dir, 'rss');
    const data = join(dir, 'data');
    // A first start elsewhere caches the store image, as any machine that ran tourniquet once has
    // (as bench/inventory-scale.ts does): the first sync is then not a first start.
    await runCli(['inventory', 'list'], join(dir, 'warm'), cache, rss);
    const runs: SyncRun[] = [];
    for (const phase of PHASES) {
      const r = await runWorker(phase, n, data, cache, rss);
      runs.push({
        phase,
        seconds: r.seconds,
        peakRssMb: r.peakRssMb,
        ok: r.code === 0 && r.counts !== null && r.counts.error === undefined,
        counts: r.counts,
        rowsWritten: r.code === 0 ? await rowsWrittenSince(data, r.startedAt) : null,
      });
    }
    return { credentials: n, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (x: number | null) => (x === null ? '?' : `${x.toFixed(0)} MB`);
const NAMES: Record<Phase, string> = {
  first: 'first sync (empty store)',
  same: 'second sync (unchanged)',
  churn: 'sync with 1 % changed, 1 % gone',
};

export function syncScaleLines(r: SyncScale): string[] {
  return r.runs.map((run) => {
    const c = run.counts;
    const counts = c
      ? `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, gone ${c.gone}; rows written ${run.rowsWritten ?? '?'}, audit records ${c.auditRecords}; sync ${c.seconds.toFixed(1)} s`
      : 'no report';
    return `sync ${r.credentials} credentials: ${NAMES[run.phase]}: ${run.ok ? '' : 'FAILED, '}${run.seconds.toFixed(1)} s, peak RSS ${mb(run.peakRssMb)}; ${counts}`;
  });
}

/** The churn listing (bench/sync-estate.ts) changes i % 100 === 1 and drops i % 100 === 2. */
const hundredths = (n: number, rest: number) => Math.floor((n - rest - 1) / 100) + 1;

export function syncScaleVerdicts(r: SyncScale): Verdict[] {
  const worst = Math.max(...r.runs.map((x) => x.peakRssMb ?? Infinity));
  const same = r.runs.find((x) => x.phase === 'same');
  const churn = r.runs.find((x) => x.phase === 'churn');
  const n = r.credentials;
  const churnRight =
    churn?.counts?.updated === hundredths(n, 1) &&
    churn.counts.gone === hundredths(n, 2) &&
    churn.rowsWritten === hundredths(n, 1) + hundredths(n, 2);
  return [
    {
      target: `inventory sync of ${n} credentials (first, unchanged, 1 % churn): peak RSS ≤ ${INVENTORY_RSS_LIMIT_MB} MB`,
      backend: 'embedded',
      met: r.runs.every((x) => x.ok) && worst <= INVENTORY_RSS_LIMIT_MB,
      measured: r.runs.map((x) => mb(x.peakRssMb)).join(' / '),
    },
    {
      target: `a sync of an unchanged estate of ${n} credentials writes nothing (0 rows, 0 audit records)`,
      backend: 'embedded',
      met:
        same?.ok === true &&
        same.rowsWritten === 0 &&
        same.counts?.auditRecords === 0 &&
        same.counts.unchanged === n &&
        churnRight,
      measured: `${same?.rowsWritten ?? '?'} rows, ${same?.counts?.auditRecords ?? '?'} audit records; churn wrote ${churn?.rowsWritten ?? '?'} rows (expected ${hundredths(n, 1) + hundredths(n, 2)})`,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { credentials: { type: 'string' } } });
  const r = await measureSyncScale(Number(values.credentials ?? 1_000_000));
  process.stdout.write([...syncScaleLines(r), ...verdictLines(syncScaleVerdicts(r))].join('\n') + '\n');
}
