/**
 * `scale-out` (Kafka + PostgreSQL, issue 11): two worker processes (bench/scale-worker.ts) in one
 * consumer group revoke a burst of leaked Vault accessors at one provider instance; one worker is
 * SIGKILLed at half time. Counted at the FAKE: 429s, calls per second, revokes per credential;
 * read from PostgreSQL: every task final.
 *
 * Each worker is configured with the provider's budget from the bench options (`rateBudget`), the
 * same setting for both: that is the budget the cluster must share. Today each process spends it
 * on its own (so two workers may ask for twice the limit); a shared budget needs no change here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../src/store/postgres.js';
import { kafkaTopics } from '../test/support/kafka.js';
import type { FakeProvider } from './fake-provider.js';
import { instanceStats, type InstanceStats } from './fake-stats.js';
import type { Verdict } from './report.js';
import { budgetFor, type BenchOptions } from './scenarios.js';
import type { FromScaleWorker, ToScaleWorker } from './scale-worker.js';
import type { ProductionBackend } from './services.js';
import type { RateBudget } from './spec.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ScaleOutResult {
  id: string;
  n: number;
  budget: RateBudget;
  final: number;
  succeeded: number;
  wallS: number;
  killedAtS: number;
  ceilingPerS: number;
  throughputPerS: number;
  stats: InstanceStats;
  /** The most calls (429s included) that reached the fake within one second. */
  peakAskedPerSecond: number;
  /** Calls that reached the fake in each 5-s window from the start: where the hand-over pauses. */
  callsPer5s: number[];
  timedOut: boolean;
}

class Worker {
  readonly child: ChildProcess;
  private waiters: ((m: FromScaleWorker) => void)[] = [];
  constructor() {
    this.child = fork(join(HERE, 'scale-worker.ts'), [], {
      execArgv: ['--import', 'tsx'],
      // kafkajs logs every rebalance at warn/error; failures come back over IPC.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child.on('message', (m: FromScaleWorker) => {
      if (m.type === 'error') process.stderr.write(`scale-out worker failed: ${m.message}\n`);
      this.waiters.shift()?.(m);
    });
  }
  ask(m: ToScaleWorker): Promise<FromScaleWorker> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.child.send(m);
    });
  }
  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

function peakPerSecond(starts: number[]): number {
  starts.sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < starts.length; hi++) {
    while (starts[hi]! - starts[lo]! >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

function perWindow(offsets: number[], windowMs: number): number[] {
  const out: number[] = [];
  for (const t of offsets) {
    const i = Math.max(0, Math.floor(t / windowMs));
    while (out.length <= i) out.push(0);
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

export async function runScaleOut(
  fake: FakeProvider,
  o: BenchOptions,
  prod: ProductionBackend,
): Promise<ScaleOutResult> {
  const n = o.holSize ? o.holSize * 10 : o.quick ? 300 : 2_000;
  const id = `scale-out-${n}`;
  const budget = budgetFor(o) ?? {
    perSecond: o.provider.ratePerSec,
    burst: o.provider.burst,
    concurrency: 8,
  };
  const accessors = Array.from({ length: n }, (_, i) => `acc-so${randomBytes(4).toString('hex')}-${i}`);
  const databaseUrl = await prod.database();
  const prefix = await prod.topics(o.partitions);
  const keys = Object.fromEntries(
    ['fingerprint', 'seal', 'audit', 'anchor'].map((k) => [k, randomBytes(32).toString('base64')]),
  );
  const dirs = [await mkdtemp(join(tmpdir(), 'tq-so-a-')), await mkdtemp(join(tmpdir(), 'tq-so-b-'))];
  const config = (i: number) => ({
    dataDir: dirs[i],
    logLevel: 'warn',
    keys,
    databaseUrl,
    kafka: {
      brokers: prod.brokers,
      clientId: `${prefix}-w${i}`,
      groupId: prefix,
      topics: kafkaTopics(prefix),
      partitions: o.partitions,
    },
    policy: { blastRadius: { maxCredentials: n + 1 } },
    providers: [
      {
        type: 'vault',
        name: 'bench-shared',
        address: `${fake.url}/i/shared`,
        token: fake.vault.token,
        rateBudget: budget,
      },
    ],
  });
  fake.reset();
  const inst = fake.instance('shared', { ...o.provider });
  inst.register(accessors);
  const inventory = accessors.map((a, i) => ({
    id: `c${i}`,
    provider: 'bench-shared',
    kind: 'vault.token',
    providerId: a,
  }));
  const [a, b] = [new Worker(), new Worker()];
  const db = await openPostgres(databaseUrl);
  process.stderr.write(`bench: ${id} [kafka] …`);
  try {
    if ((await a.ask({ type: 'start', config: config(0), inventory })).type !== 'ready')
      throw new Error('worker a did not start');
    if ((await b.ask({ type: 'start', config: config(1) })).type !== 'ready')
      throw new Error('worker b did not start');
    const nominalMs = ((2 * n) / Math.min(budget.perSecond, o.provider.ratePerSec)) * 1000;
    const timeoutMs = nominalMs * 3 + 180_000;
    const t0 = Date.now();
    const ingested = a.ask({ type: 'ingest', accessors });
    await sleep(nominalMs / 2);
    b.child.kill('SIGKILL');
    const killedAtS = (Date.now() - t0) / 1000;
    await ingested;
    let final = 0;
    let succeeded = 0;
    while (Date.now() - t0 < timeoutMs) {
      const rows = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM tasks GROUP BY status',
      );
      final = rows
        .filter((r) => ['succeeded', 'failed', 'dead_lettered', 'skipped'].includes(r.status))
        .reduce((s, r) => s + r.n, 0);
      succeeded = rows.find((r) => r.status === 'succeeded')?.n ?? 0;
      if (final >= n) break;
      await sleep(250);
    }
    const wallS = (Date.now() - t0) / 1000;
    if (process.env.BENCH_SO_DEBUG) {
      const t0s = new Date(t0).toISOString();
      for (const [name, sql] of [
        [
          'triggers received',
          `SELECT floor(extract(epoch from received_at - $1::timestamptz)/5)::int w, count(*)::int n FROM triggers GROUP BY w ORDER BY w`,
        ],
        [
          'tasks created',
          `SELECT floor(extract(epoch from created_at - $1::timestamptz)/5)::int w, count(*)::int n FROM tasks GROUP BY w ORDER BY w`,
        ],
        [
          'tasks effective',
          `SELECT floor(extract(epoch from effective_at - $1::timestamptz)/5)::int w, count(*)::int n FROM tasks GROUP BY w ORDER BY w`,
        ],
        [
          'tasks verified',
          `SELECT floor(extract(epoch from verified_at - $1::timestamptz)/5)::int w, count(*)::int n FROM tasks GROUP BY w ORDER BY w`,
        ],
        [
          'audit types',
          `SELECT type || '@' || floor(extract(epoch from at - $1::timestamptz)/5)::int w, count(*)::int n FROM audit GROUP BY 1 ORDER BY 1`,
        ],
      ] as const) {
        const rows = await db.query<{ w: number; n: number }>(sql, [t0s]);
        process.stderr.write(`\n${name}: ${rows.map((r) => `${r.w}:${r.n}`).join(' ')}`);
      }
    }
    const calls = inst.calls();
    const ceilingPerS = Math.min(budget.perSecond, o.provider.ratePerSec) / 2;
    const r: ScaleOutResult = {
      id,
      n,
      budget,
      final,
      succeeded,
      wallS,
      killedAtS,
      ceilingPerS,
      throughputPerS: final / wallS,
      stats: instanceStats(calls, inst.maxInFlight()),
      peakAskedPerSecond: peakPerSecond(calls.map((c) => c.start)),
      callsPer5s: perWindow(
        calls.map((c) => c.start - t0),
        5_000,
      ),
      timedOut: final < n,
    };
    process.stderr.write(` ${wallS.toFixed(1)} s (${final}/${n} final, ${r.stats.rateLimited} × 429)\n`);
    return r;
  } finally {
    await db.close();
    // `stop` is answered by the worker's exit; a worker that does not stop in time is killed.
    if (a.child.connected) a.child.send({ type: 'stop' } satisfies ToScaleWorker);
    b.child.kill('SIGKILL');
    const killA = setTimeout(() => a.child.kill('SIGKILL'), 30_000);
    await Promise.all([a.exited(), b.exited()]);
    clearTimeout(killA);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function scaleOutLines(r: ScaleOutResult): string[] {
  return [
    `${r.id} [kafka]: ${r.final}/${r.n} final (${r.succeeded} succeeded) in ${r.wallS.toFixed(1)} s, worker b SIGKILLed at ${r.killedAtS.toFixed(1)} s; ` +
      `${r.throughputPerS.toFixed(1)} rev/s of a ${r.ceilingPerS} rev/s ceiling; budget per worker ${r.budget.perSecond} calls/s (concurrency ${r.budget.concurrency}); ` +
      `at the fake: ${r.stats.calls} calls, ${r.stats.rateLimited} × 429, ≤ ${r.stats.maxInFlight} in flight, peak ${r.peakAskedPerSecond} calls/s asked (${r.stats.peakCallsPerSecond} accepted), ${r.stats.revokedTwice} credentials revoked twice`,
    `${r.id} [kafka]: calls per 5 s from the start: ${r.callsPer5s.join(' ')}`,
  ];
}

export function scaleOutVerdicts(r: ScaleOutResult): Verdict[] {
  const share = r.stats.calls ? r.stats.rateLimited / r.stats.calls : 0;
  const v = (target: string, met: boolean, measured: string): Verdict => ({
    target: `${r.id}: ${target}`,
    backend: 'kafka',
    met,
    measured,
  });
  return [
    v(
      'combined call rate ≤ the budget (≤ 1% 429s)',
      share <= 0.01,
      `${pct(share)} of ${r.stats.calls} calls answered 429; peak ${r.peakAskedPerSecond} calls/s asked against ${r.budget.perSecond}/s`,
    ),
    v(
      'throughput ≥ 90% of the ceiling',
      r.throughputPerS >= 0.9 * r.ceilingPerS,
      `${pct(r.throughputPerS / r.ceilingPerS)} (${r.throughputPerS.toFixed(1)} of ${r.ceilingPerS} rev/s)`,
    ),
    v(
      'every task final after the kill',
      r.final === r.n,
      `${r.final}/${r.n}${r.timedOut ? ' (timed out)' : ''}`,
    ),
    v(
      'no credential revoked twice',
      r.stats.revokedTwice === 0,
      `${r.stats.revokedTwice} of ${r.n} revoked twice (${r.stats.revokes} accepted revokes)`,
    ),
  ];
}
