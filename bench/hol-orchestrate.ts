/**
 * Builds the fairness jobs (each scenario and its control), sets up the FAKE provider's two named
 * instances right before each job's measured window, runs them in forked workers and counts what
 * each instance was asked (bench/fake-stats.ts).
 */
import { randomBytes } from 'node:crypto';
import type { FakeInstanceOptions, FakeProvider } from './fake-provider.js';
import { instanceStats, type InstanceStats } from './fake-stats.js';
import type { HolInstance, HolJob, HolKind, HolResult, HolScenario } from './hol-spec.js';
import { runInWorker } from './orchestrate.js';
import { budgetFor, type BenchOptions } from './scenarios.js';
import type { RateBudget } from './spec.js';

export interface HolRun {
  scenario: HolScenario;
  result: HolResult;
  fast: InstanceStats;
  slow: InstanceStats | null;
  /** Calls that reached the slow instance between the run's start and end. */
  slowCallsInRun: number;
  /** The slow instance's configured concurrency (calls the gate lets out at once). */
  slowConcurrency: number;
}

/** Slack tier 2: 20 calls a minute. */
const TIER2_PER_MIN = 20;

/** What the slow instance is in each scenario, and the budget an operator would configure for it. */
function slowInstance(
  kind: HolKind,
  o: BenchOptions,
): { fake: FakeInstanceOptions; budget: RateBudget | null } {
  const usual = budgetFor(o);
  switch (kind) {
    case 'hol-slow':
      return { fake: { ...o.provider, latencyMs: 5_000 }, budget: usual };
    case 'hol-down':
      return { fake: { ...o.provider, down: true }, budget: usual };
    case 'hol-ratelimited':
      return {
        fake: { latencyMs: o.provider.latencyMs, ratePerSec: TIER2_PER_MIN / 60, burst: TIER2_PER_MIN },
        // The provider's documented limit, as the operator would write it in rateBudget.
        budget: { perSecond: TIER2_PER_MIN / 60, burst: TIER2_PER_MIN, concurrency: o.budgetConcurrency },
      };
  }
}

const accessors = (n: number, tag: string) => {
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: n }, (_, i) => `acc-${tag}${run}-${i}`);
};

function instance(fake: FakeProvider, name: string, budget: RateBudget | null): HolInstance {
  // Endpoints of the named instance; the instance itself is (re)created in prepare.
  return {
    name: `bench-${name}`,
    vaultAddress: `${fake.url}/i/${name}`,
    vaultToken: fake.vault.token,
    budget,
  };
}

export function holJob(fake: FakeProvider, o: BenchOptions, s: HolScenario, templateDir?: string): HolJob {
  const slow = slowInstance(s.kind, o);
  return {
    scenario: s,
    fast: instance(fake, 'fast', budgetFor(o)),
    slow: s.control ? null : instance(fake, 'slow', slow.budget),
    fastValues: accessors(s.n, 'f'),
    slowValues: s.control ? [] : accessors(s.n, 's'),
    leakValues: accessors(Math.round(s.leakRate * s.leakSeconds), 'l'),
    ...(templateDir ? { templateDir } : {}),
    timeoutMs: Math.max(s.leakSeconds * 1000, s.minRunMs) + (o.quick ? 60_000 : 240_000),
  };
}

/** Runs the jobs in one worker, in order. */
export async function runHolGroup(
  fake: FakeProvider,
  o: BenchOptions,
  jobs: readonly HolJob[],
): Promise<HolRun[]> {
  const runs: HolRun[] = [];
  let t0 = Date.now();
  const inst: { fast?: ReturnType<FakeProvider['instance']>; slow?: ReturnType<FakeProvider['instance']> } =
    {};
  await runInWorker(
    { type: 'hol', jobs: [...jobs] },
    (i) => {
      const job = jobs[i]!;
      fake.reset();
      inst.fast = fake.instance('fast', { ...o.provider });
      inst.fast.register([...job.fastValues, ...job.leakValues]);
      inst.slow = job.slow ? fake.instance('slow', slowInstance(job.scenario.kind, o).fake) : undefined;
      inst.slow?.register(job.slowValues);
      process.stderr.write(`bench: ${job.scenario.id} [embedded] …`);
      t0 = Date.now();
    },
    (m) => {
      if (m.type !== 'hol-result') return;
      const job = jobs[m.index]!;
      const r = m.result;
      const run: HolRun = {
        scenario: job.scenario,
        result: r,
        fast: instanceStats(inst.fast!.calls(), inst.fast!.maxInFlight()),
        slow: inst.slow ? instanceStats(inst.slow.calls(), inst.slow.maxInFlight()) : null,
        slowConcurrency: job.slow?.budget?.concurrency ?? 1,
        slowCallsInRun: (inst.slow?.calls() ?? []).filter(
          (c) => c.start >= r.startedAt && c.start <= r.endedAt,
        ).length,
      };
      process.stderr.write(
        ` ${((Date.now() - t0) / 1000).toFixed(1)} s (fast ${r.groups.fast.final}/${r.groups.fast.tasks}, leaks ${r.groups.leak.final}/${r.groups.leak.tasks}, slow ${r.groups.slow.final}/${r.groups.slow.tasks} final)\n`,
      );
      runs.push(run);
    },
  );
  return runs;
}
