/**
 * `npm run bench [-- --quick] [options]`: runs the benchmark scenarios through tourniquet's real
 * pipeline against the FAKE provider (bench/fake-provider.ts, hosted in this process), once on the
 * embedded default and, when KAFKA_BROKERS and a PostgreSQL are available, on Kafka + PostgreSQL;
 * then the naive baseline. Prints a Markdown table and writes bench/results/<date>.json.
 *
 * Jobs run in forked workers (bench/worker.ts, via bench/orchestrate.ts): one per job in a full run,
 * so RSS and CPU are per scenario; one per backend in a quick run.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, hostname, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioMetrics } from './analyze.js';
import { startFakeProvider } from './fake-provider.js';
import { makeTemplate, runGroup, type JobSpec } from './orchestrate.js';
import { growth, ratios, table, verdictLines, verdicts } from './report.js';
import { firstStartLine, firstStartVerdict, measureFirstStart, type FirstStart } from './first-start.js';
import {
  inventoryScaleLines,
  inventoryScaleVerdict,
  inventoryUnchangedVerdict,
  measureInventoryScale,
  type InventoryScale,
} from './inventory-scale.js';
import { measureSyncScale, syncScaleLines, syncScaleVerdicts, type SyncScale } from './sync-scale.js';
import { holJob, runHolGroup, type HolRun } from './hol-orchestrate.js';
import { holLines, holVerdicts } from './hol-report.js';
import { defaultOptions, holPlan, plan, type BenchOptions } from './scenarios.js';
import { runScaleOut, scaleOutLines, scaleOutVerdicts, type ScaleOutResult } from './scale-out.js';
import { productionBackend, type ProductionBackend } from './services.js';
import type { Backend, Scenario } from './spec.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function options(): BenchOptions {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'latency-ms': { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'steady-rate': { type: 'string' },
      'steady-seconds': { type: 'string' },
      'baseline-cap-s': { type: 'string' },
      partitions: { type: 'string' },
      'budget-share': { type: 'string' },
      'budget-concurrency': { type: 'string' },
      backend: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      only: { type: 'string' },
      sizes: { type: 'string' },
      'hol-size': { type: 'string' },
    },
  });
  const o = defaultOptions(values.quick ?? false);
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  o.provider.latencyMs = num(values['latency-ms'], o.provider.latencyMs);
  o.provider.ratePerSec = num(values.rate, o.provider.ratePerSec);
  o.provider.burst = num(values.burst, values.rate !== undefined ? o.provider.ratePerSec : o.provider.burst);
  o.steadyRate = num(values['steady-rate'], o.steadyRate);
  o.steadySeconds = num(values['steady-seconds'], o.steadySeconds);
  o.baselineCapMs = num(values['baseline-cap-s'], o.baselineCapMs / 1000) * 1000;
  o.partitions = num(values.partitions, o.partitions);
  o.budgetShare = num(values['budget-share'], o.budgetShare);
  o.budgetConcurrency = num(values['budget-concurrency'], o.budgetConcurrency);
  const b = values.backend ?? 'all';
  if (b !== 'all' && b !== 'embedded' && b !== 'kafka')
    throw new Error(`--backend must be all, embedded or kafka, not ${b}`);
  o.backends = b;
  o.baseline = !values['no-baseline'];
  if (values.sizes) {
    const n = values.sizes.split(',').map(Number);
    if (n.length !== 3 || n.some((x) => !Number.isInteger(x) || x <= 0))
      throw new Error('--sizes takes three positive integers: small burst, large burst, fan-out');
    o.sizes = [n[0]!, n[1]!, n[2]!];
  }
  o.only = values.only ? values.only.split(',').map((s) => s.trim()) : [];
  if (values['hol-size']) o.holSize = Number(values['hol-size']);
  return o;
}

/**
 * Which code was measured; null outside a git checkout. A run from an exported snapshot (the
 * shared tree changes under a long run) names its commit in BENCH_SOURCE_COMMIT.
 */
function gitState(): { commit: string; uncommittedFiles: number } | null {
  const pinned = process.env.BENCH_SOURCE_COMMIT;
  if (pinned) return { commit: pinned, uncommittedFiles: 0 };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', '../src', '../schemas', '../handlers');
    return { commit: git('rev-parse', 'HEAD'), uncommittedFiles: dirty.split('\n').filter(Boolean).length };
  } catch (e) {
    // Not a git checkout, or no git: record that the commit is unknown rather than fail the run.
    if (!(e instanceof Error)) throw e;
    return null;
  }
}

/** Jobs during which other processes competed for the CPU: their timings are suspect. */
function loaded(rows: readonly ScenarioMetrics[]): string[] {
  const busy = rows.filter(
    (r) => r.loadAvg && Math.max(r.loadAvg.atStart, r.loadAvg.atEnd) > r.loadAvg.cores,
  );
  if (busy.length === 0) return [];
  return [
    `- WARNING: the 1-minute load average exceeded the core count during ${busy.map((r) => `${r.scenario.id} [${r.backend}]`).join(', ')}: other processes competed for the CPU`,
  ];
}

async function main(): Promise<void> {
  const o = options();
  const p = plan(o);
  const chosen = (s: Scenario) =>
    o.only.length === 0 || o.only.some((x) => s.id.startsWith(x) || s.kind === x);
  const scenarios = [p.burstSmall, p.burstLarge, p.fanout, p.steady].filter(chosen);
  const hols =
    o.backends === 'kafka'
      ? []
      : holPlan(o).filter(
          (s) => o.only.length === 0 || o.only.some((x) => s.id.startsWith(x) || x === 'hol'),
        );
  const holRuns: HolRun[] = [];
  const wantScaleOut = o.only.length === 0 || o.only.some((x) => 'scale-out'.startsWith(x));
  let scaleOut: ScaleOutResult | null = null;
  const wantFirstStart = o.backends !== 'kafka' && (o.only.length === 0 || o.only.includes('first-start'));
  let firstStart: FirstStart | null = null;
  const wantInventory = o.backends !== 'kafka' && (o.only.length === 0 || o.only.includes('inventory'));
  let inventory: InventoryScale | null = null;
  const wantSync = o.backends !== 'kafka' && (o.only.length === 0 || o.only.includes('sync'));
  let sync: SyncScale | null = null;
  const fake = await startFakeProvider(o.provider);
  const rows: ScenarioMetrics[] = [];
  const skipped: string[] = [];
  const started = Date.now();
  try {
    const backends: { backend: Backend; prod: ProductionBackend | null }[] = [];
    if (o.backends !== 'kafka') backends.push({ backend: 'embedded', prod: null });
    if (o.backends !== 'embedded') {
      const prod = await productionBackend();
      if ('reason' in prod) skipped.push(`Kafka + PostgreSQL skipped: ${prod.reason}`);
      else backends.push({ backend: 'kafka', prod });
    }
    // Full runs give each job its own process (RSS and CPU per scenario); quick runs share one
    // process per backend to save start-up time, so their RSS is that process's high-water mark.
    const groups: JobSpec[][] = [];
    const add = (specs: JobSpec[]) => (o.quick ? groups.push(specs) : groups.push(...specs.map((s) => [s])));
    for (const { backend, prod } of backends)
      add(scenarios.map((scenario) => ({ scenario, mode: 'pipeline', backend, prod })));
    if (o.baseline) {
      // One naive run per scenario shape: its per-event cost does not depend on the burst size.
      const shapes = [
        scenarios.filter((s) => s.kind === 'leak-burst').at(-1),
        scenarios.find((s) => s.kind === 'fanout'),
        scenarios.find((s) => s.kind === 'steady'),
      ];
      add(
        shapes
          .filter((s) => s !== undefined)
          .map((scenario) => ({ scenario, mode: 'baseline', backend: 'embedded', prod: null })),
      );
    }
    let templateDir = backends.some((b) => b.backend === 'embedded')
      ? await mkdtemp(join(tmpdir(), 'tq-bench-template-'))
      : undefined;
    try {
      if (templateDir || hols.length) {
        templateDir ??= await mkdtemp(join(tmpdir(), 'tq-bench-template-'));
        await makeTemplate(fake, templateDir);
      }
      for (const g of groups) if (g.length) rows.push(...(await runGroup(fake, o, g, templateDir)));
      const holJobs = hols.map((s) => holJob(fake, o, s, templateDir));
      // Quick: one worker for all of them; full: one per job (as the other scenarios).
      for (const g of o.quick ? [holJobs] : holJobs.map((j) => [j]))
        if (g.length) holRuns.push(...(await runHolGroup(fake, o, g)));
      const kafka = backends.find((b) => b.backend === 'kafka')?.prod;
      if (kafka && wantScaleOut) scaleOut = await runScaleOut(fake, o, kafka);
      if (wantFirstStart) {
        process.stderr.write('bench: first start …');
        firstStart = await measureFirstStart();
        process.stderr.write(` ${firstStartLine(firstStart)}\n`);
      }
      if (wantInventory) {
        process.stderr.write('bench: inventory at scale …');
        inventory = await measureInventoryScale(o.quick ? 20_000 : 1_000_000);
        process.stderr.write(` ${inventoryScaleLines(inventory).join('; ')}\n`);
      }
      if (wantSync) {
        process.stderr.write('bench: sync at scale …');
        sync = await measureSyncScale(o.quick ? 20_000 : 1_000_000);
        process.stderr.write(` ${syncScaleLines(sync).join('; ')}\n`);
      }
    } finally {
      if (templateDir) await rm(templateDir, { recursive: true, force: true });
    }
  } finally {
    await fake.close();
  }

  const ids = { small: p.burstSmall.id, large: p.burstLarge.id, fanout: p.fanout.id, steady: p.steady.id };
  const v = [
    ...verdicts(rows, ids),
    ...holVerdicts(holRuns),
    ...(scaleOut ? scaleOutVerdicts(scaleOut) : []),
    ...(firstStart ? [firstStartVerdict(firstStart)] : []),
    ...(inventory ? [inventoryScaleVerdict(inventory), inventoryUnchangedVerdict(inventory)] : []),
    ...(sync ? syncScaleVerdicts(sync) : []),
  ];
  const out = [
    '',
    `provider (FAKE): ${o.provider.latencyMs} ms latency, ${o.provider.ratePerSec} calls/s (burst ${o.provider.burst}) → ceiling ${o.provider.ratePerSec / 2} revocations/s`,
    '',
    ...(rows.length ? [table(rows), ''] : []),
    ...ratios(rows).map((l) => `- ${l}`),
    ...growth(rows, ids.small, ids.large).map((l) => `- growth: ${l}`),
    ...rows.flatMap((r) => r.notes.map((n) => `- note (${r.scenario.id}, ${r.backend}): ${n}`)),
    ...rows
      .filter((r) => Object.keys(r.errorCodes).length)
      .map((r) => `- errors (${r.scenario.id}, ${r.backend}): ${JSON.stringify(r.errorCodes)}`),
    ...holLines(holRuns).map((l) => `- ${l}`),
    ...(scaleOut ? scaleOutLines(scaleOut) : []).map((l) => `- ${l}`),
    ...(firstStart ? [`- ${firstStartLine(firstStart)}`] : []),
    ...(inventory ? inventoryScaleLines(inventory) : []).map((l) => `- ${l}`),
    ...(sync ? syncScaleLines(sync) : []).map((l) => `- ${l}`),
    ...skipped.map((l) => `- ${l}`),
    ...loaded(rows),
    '',
    'Targets:',
    ...verdictLines(v).map((l) => `  ${l}`),
    '',
    `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(out.join('\n') + '\n');

  const stamp = new Date().toISOString().replace(/:/g, '').replace(/\..*/, '');
  const file = join(HERE, 'results', `${stamp}${o.quick ? '-quick' : ''}.json`);
  await mkdir(dirname(file), { recursive: true });
  const source = gitState();
  const machine = {
    host: hostname(),
    os: `${type()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
  };
  await writeFile(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        argv: process.argv.slice(2),
        source,
        machine,
        options: o,
        skipped,
        verdicts: v,
        results: rows,
        fairness: holRuns,
        scaleOut,
        firstStart,
        inventory,
        sync,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`results: ${file}\n`);
}

// A signal would skip the 'exit' handlers that stop the self-started PostgreSQL: exit properly.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  // The self-started PostgreSQL (test/support/postgres.ts) stops on 'exit'.
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
