/**
 * Builds worker jobs and runs them in forked workers (bench/worker.ts), resetting the FAKE provider
 * right before each job's measured window and analysing each result as it arrives.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, type ScenarioMetrics } from './analyze.js';
import type { FakeProvider } from './fake-provider.js';
import { gateBudget } from './pipeline-runner.js';
import { budgetFor, timeoutFor, type BenchOptions } from './scenarios.js';
import type { ProductionBackend } from './services.js';
import type { Backend, FromWorker, ProviderTarget, Scenario, ToWorker, WorkerJob } from './spec.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface JobSpec {
  scenario: Scenario;
  mode: 'pipeline' | 'baseline';
  backend: Backend;
  prod: ProductionBackend | null;
}

function target(fake: FakeProvider, type: ProviderTarget['type']): ProviderTarget {
  return { type, ...fake.oauth, vaultAddress: fake.vault.address, vaultToken: fake.vault.token };
}

/** Fresh secret values per job: tokens for OAuth, accessors for Vault. */
function values(n: number, type: ProviderTarget['type']): string[] {
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: n }, (_, i) =>
    type === 'oauth' ? `bt_${run}_${i}_${randomBytes(8).toString('hex')}` : `acc-${run}-${i}`,
  );
}

/** The naive loop on a steady stream runs as long as the stream; elsewhere it is capped. */
function baselineCap(s: Scenario, o: BenchOptions): number {
  if (s.kind === 'steady') return Math.round((s.size / (s.ratePerSec ?? 1)) * 1000);
  return o.baselineCapMs;
}

async function buildJob(
  fake: FakeProvider,
  o: BenchOptions,
  spec: JobSpec,
  templateDir: string | undefined,
): Promise<WorkerJob> {
  const { scenario, mode, prod } = spec;
  const type = scenario.kind === 'fanout' ? 'vault' : 'oauth';
  const provider = target(fake, type);
  const budget = budgetFor(o);
  return {
    mode,
    scenario,
    backend: spec.backend,
    provider,
    values: values(scenario.size, type),
    budget,
    timeoutMs:
      mode === 'baseline'
        ? baselineCap(scenario, o)
        : timeoutFor(scenario, o, gateBudget(provider, budget).perSecond),
    ...(templateDir && !prod ? { templateDir } : {}),
    ...(mode === 'pipeline' && prod
      ? {
          databaseUrl: await prod.database(),
          kafka: { brokers: prod.brokers, prefix: await prod.topics(o.partitions), partitions: o.partitions },
        }
      : {}),
  };
}

/** Initialises an embedded data dir once (initdb + migrations) in a throwaway worker. */
export async function makeTemplate(fake: FakeProvider, templateDir: string): Promise<void> {
  const job: WorkerJob = {
    mode: 'template',
    scenario: { id: 'template', kind: 'leak-burst', size: 0 },
    backend: 'embedded',
    provider: target(fake, 'oauth'),
    values: [],
    budget: null,
    templateDir,
    timeoutMs: 120_000,
  };
  await runWorker(
    [job],
    () => undefined,
    () => undefined,
  );
}

/** Runs the specs in one worker process, in order. */
export async function runGroup(
  fake: FakeProvider,
  o: BenchOptions,
  specs: readonly JobSpec[],
  templateDir?: string,
): Promise<ScenarioMetrics[]> {
  const jobs: WorkerJob[] = [];
  for (const s of specs) jobs.push(await buildJob(fake, o, s, templateDir));
  const rows: ScenarioMetrics[] = [];
  let t0 = Date.now();
  let loadAtStart = 0;
  await runWorker(
    jobs,
    (i) => {
      const job = jobs[i]!;
      fake.reset();
      fake.register(job.values);
      process.stderr.write(
        `bench: ${job.scenario.id} [${job.mode === 'baseline' ? 'baseline' : job.backend}] …`,
      );
      t0 = Date.now();
      loadAtStart = loadavg()[0] ?? 0;
    },
    (i, result) => {
      const job = jobs[i]!;
      const m = analyze(
        job.scenario,
        job.mode === 'baseline' ? 'baseline' : job.backend,
        job.scenario.size,
        result,
        [...fake.calls()],
        o.provider,
      );
      m.loadAvg = { atStart: round(loadAtStart), atEnd: round(loadavg()[0] ?? 0), cores: cpus().length };
      process.stderr.write(
        ` ${((Date.now() - t0) / 1000).toFixed(1)} s (${m.verified}/${m.expected} verified, ${m.calls.rateLimited} × 429, ` +
          `load ${m.loadAvg.atStart} → ${m.loadAvg.atEnd})\n`,
      );
      rows.push(m);
    },
  );
  return rows;
}

const round = (n: number) => Math.round(n * 100) / 100;

function runWorker(
  jobs: readonly WorkerJob[],
  onPrepare: (index: number) => void,
  onResult: (index: number, result: Extract<FromWorker, { type: 'result' }>['result']) => void,
): Promise<void> {
  return runInWorker({ type: 'jobs', jobs: [...jobs] }, onPrepare, (m) => {
    if (m.type === 'result') onResult(m.index, m.result);
  });
}

/**
 * Forks bench/worker.ts with these jobs; answers each `prepare` with `go` after `onPrepare`, hands
 * every result message to `onResult`. Settles when the worker exits.
 */
export function runInWorker(
  message: Extract<ToWorker, { jobs: unknown }>,
  onPrepare: (index: number) => void,
  onResult: (m: Extract<FromWorker, { type: 'result' | 'hol-result' }>) => void,
): Promise<void> {
  const { jobs } = message;
  return new Promise((resolve, reject) => {
    // BENCH_WORKER_EXEC_ARGV adds node flags to the workers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const extra = process.env.BENCH_WORKER_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
    const child = fork(join(HERE, 'worker.ts'), [], {
      execArgv: ['--import', 'tsx', ...extra],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-3000)));
    let failure: string | undefined;
    let results = 0;
    const budgetMs = jobs.reduce((sum, j) => sum + j.timeoutMs + 120_000, 0);
    const kill = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.on('message', (m: FromWorker) => {
      if (m.type === 'prepare') {
        onPrepare(m.index);
        child.send({ type: 'go', index: m.index } satisfies ToWorker);
      } else if (m.type === 'error') failure = m.message;
      else {
        results++;
        onResult(m);
      }
    });
    // Settle on exit, not on the last message: the next worker must not overlap this one's teardown.
    child.once('exit', (code) => {
      clearTimeout(kill);
      if (!failure && results === jobs.length) return resolve();
      reject(
        new Error(
          `worker ${failure ? `failed: ${failure}` : `exited with ${code} after ${results}/${jobs.length} jobs`}\n--- worker stderr (tail) ---\n${stderrTail}`,
        ),
      );
    });
    child.send(message satisfies ToWorker);
  });
}
