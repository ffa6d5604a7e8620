/**
 * The benchmark plan: which scenarios run, at which sizes, against which provider limits. The full
 * run is what BENCHMARKS.md reports; `--quick` keeps the same shapes at sizes that finish in under
 * two minutes (growth is then 50 → 200 instead of 1k → 10k, and the scenario ids say so).
 */
import { KafkaConfig } from '../schemas/config.js';
import type { FakeProviderOptions } from './fake-provider.js';
import type { HolKind, HolScenario } from './hol-spec.js';
import type { Scenario } from './spec.js';

export interface BenchOptions {
  quick: boolean;
  provider: FakeProviderOptions;
  /** Steady stream: triggers per second and seconds. */
  steadyRate: number;
  steadySeconds: number;
  /** Largest time the naive baseline may run per scenario, ms. */
  baselineCapMs: number;
  /**
   * Configured rate budget as a share of the provider's limit (1 = exactly the limit); 0 leaves
   * every adapter's built-in budget alone. Applies where the provider config accepts `rateBudget`.
   */
  budgetShare: number;
  /** Concurrency of the configured budget. */
  budgetConcurrency: number;
  /** Kafka partitions per topic (the consumer's concurrency). */
  partitions: number;
  backends: 'all' | 'embedded' | 'kafka';
  baseline: boolean;
  only: readonly string[];
  /** Overrides: small burst, large burst, fan-out sizes. */
  sizes?: readonly [number, number, number];
  /** Override: credentials per provider instance in the fairness scenarios. */
  holSize?: number;
}

export interface BenchPlan {
  burstSmall: Scenario;
  burstLarge: Scenario;
  fanout: Scenario;
  steady: Scenario;
}

export const DEFAULT_PROVIDER: FakeProviderOptions = { latencyMs: 50, ratePerSec: 100, burst: 100 };

export function defaultOptions(quick: boolean): BenchOptions {
  return {
    quick,
    provider: { ...DEFAULT_PROVIDER },
    // A light load (5 revocations/s, 10 calls/s: 10% of the provider's limit, well below what the
    // pipeline sustains): nothing needs to queue, so the stream
    // measures the pipeline's own cost per revocation. Raise it with --steady-rate.
    steadyRate: 5,
    steadySeconds: quick ? 10 : 60,
    baselineCapMs: quick ? 4_000 : 60_000,
    budgetShare: 1,
    budgetConcurrency: 8,
    // What a deployment gets unless it configures otherwise.
    partitions: KafkaConfig.parse({ brokers: ['unused:9092'] }).partitions,
    // Quick mode stays under two minutes on the embedded default; `--backend all` adds Kafka.
    backends: quick ? 'embedded' : 'all',
    baseline: true,
    only: [],
  };
}

function label(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

export function plan(o: BenchOptions): BenchPlan {
  const [small, large, fan] = o.sizes ?? (o.quick ? [50, 200, 400] : [1_000, 10_000, 10_000]);
  return {
    burstSmall: { id: `leak-burst-${label(small)}`, kind: 'leak-burst', size: small },
    burstLarge: { id: `leak-burst-${label(large)}`, kind: 'leak-burst', size: large },
    fanout: { id: `fanout-${label(fan)}`, kind: 'fanout', size: fan },
    steady: {
      id: `steady-${o.steadyRate}ps-${o.steadySeconds}s`,
      kind: 'steady',
      size: o.steadyRate * o.steadySeconds,
      ratePerSec: o.steadyRate,
    },
  };
}

export function budgetFor(o: BenchOptions) {
  if (o.budgetShare <= 0) return null;
  return {
    perSecond: o.provider.ratePerSec * o.budgetShare,
    burst: Math.max(1, Math.floor(o.provider.burst * o.budgetShare)),
    concurrency: o.budgetConcurrency,
  };
}

/**
 * A generous limit per scenario: the least time the slower of the provider limit and the gate's
 * budget allows, several times over, plus start-up slack.
 */
export function timeoutFor(s: Scenario, o: BenchOptions, gateCallsPerSec: number): number {
  const calls = 2 * s.size;
  const minimumMs = (calls / Math.min(o.provider.ratePerSec, gateCallsPerSec)) * 1000;
  const streamMs = s.kind === 'steady' ? (s.size / (s.ratePerSec ?? 1)) * 1000 : 0;
  return Math.round(Math.max(minimumMs * 3, streamMs + 30_000) + 30_000);
}

const HOL_KINDS: readonly HolKind[] = ['hol-slow', 'hol-down', 'hol-ratelimited'];

/**
 * The fairness scenarios, each followed by nothing but preceded by its control (same fast work, no
 * slow instance). Quick: 20 credentials per instance and 5 s of leaks; full: 200 and 30 s.
 */
export function holPlan(o: BenchOptions): HolScenario[] {
  const n = o.holSize ?? (o.quick ? 20 : 200);
  const leakSeconds = o.quick ? 5 : 30;
  return HOL_KINDS.flatMap((kind) =>
    [true, false].map((control) => ({
      id: `${kind}-${label(n)}${control ? ' (control)' : ''}`,
      kind,
      control,
      n,
      leakRate: 2,
      leakSeconds,
      minRunMs: kind === 'hol-down' && !control ? (o.quick ? 12_000 : 60_000) : 0,
    })),
  );
}
