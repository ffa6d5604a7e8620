/**
 * Turns what a worker recorded (per revocation: trigger accepted, verified dead) and what the FAKE
 * provider recorded (per call: arrival, answer, status) into the reported metrics.
 *
 * Definitions (BENCHMARKS.md repeats them):
 * - end-to-end latency = task.verifiedAt − trigger.receivedAt;
 * - provider time = the sum of that credential's calls as the provider timed them (arrival → answer),
 *   429 answers included;
 * - pipeline overhead = end-to-end latency − provider time (queueing, retries, store, bus, crypto),
 *   split into queueing (trigger accepted → the attempt that finished it claimed the task) and
 *   service overhead (claim → final state committed, minus provider time: store, audit, gate);
 *   queueing is itself split into planning (accepted → plan committed: input topic, trigger stage)
 *   and dispatch (plan committed → task claimed: task topic, gate waits, deferrals, retries);
 * - provider ceiling, in revocations/s = the provider's call rate ÷ 2, because a revocation needs
 *   one revoke call and at least one check (introspection / lookup-accessor) before it is verified;
 * - minimum time = the least time the provider's bucket allows for 2·N calls: (2·N − burst) ÷ rate,
 *   plus one revoke and one check latency.
 */
import type { FakeCall, FakeProviderOptions } from './fake-provider.js';
import type { Backend, RateBudget, Resources, Scenario, WorkerResult } from './spec.js';

export const CALLS_PER_REVOCATION = 2;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ScenarioMetrics {
  scenario: Scenario;
  /** `baseline` is the naive loop (no backend). */
  backend: Backend | 'baseline';
  expected: number;
  /** Succeeded and verified dead. */
  verified: number;
  /** Succeeded without a dead check (verify gave up: the outcome carries no proof). */
  unverified: number;
  /** Failed, dead-lettered, or not final when the run ended. */
  notDone: number;
  errorCodes: Record<string, number>;
  e2eMs: Percentiles | null;
  providerMs: Percentiles | null;
  overheadMs: Percentiles | null;
  queueMs: Percentiles | null;
  planningMs: Percentiles | null;
  dispatchMs: Percentiles | null;
  serviceOverheadMs: Percentiles | null;
  /** First trigger handed over → last revocation final, seconds. */
  wallS: number;
  ingestS: number;
  setupS: number;
  throughputPerS: number;
  ceilingPerS: number;
  /** throughput ÷ ceiling. */
  ceilingShare: number;
  /** The least time the provider limits allow for this many revocations, seconds (bursts). */
  minimumS: number;
  calls: {
    total: number;
    accepted: number;
    rateLimited: number;
    rateLimitedShare: number;
    perRevocation: number;
    /** Accepted calls per second ÷ the provider's limit: how much of the provider was used. */
    providerUse: number;
  };
  meanAttempts: number;
  resources: Resources;
  /** Baseline only: its completion time for all `expected`, extrapolated from the measured rate. */
  projectedWallS: number | null;
  timedOut: boolean;
  /**
   * 1-minute load average when the job started and ended. Above the core count, other processes
   * competed for the CPU and the timings are not trustworthy.
   */
  loadAvg: { atStart: number; atEnd: number; cores: number } | null;
  budgetInUse: RateBudget | null;
  notes: string[];
}

export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  // Nearest-rank: p99 of 1000 values is the 990th smallest.
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(s[s.length - 1]!) };
}

export function minimumSeconds(n: number, p: FakeProviderOptions): number {
  const calls = CALLS_PER_REVOCATION * n;
  return Math.max(0, calls - p.burst) / p.ratePerSec + (CALLS_PER_REVOCATION * p.latencyMs) / 1000;
}

export function analyze(
  scenario: Scenario,
  backend: Backend | 'baseline',
  expected: number,
  result: WorkerResult,
  calls: readonly FakeCall[],
  provider: FakeProviderOptions,
): ScenarioMetrics {
  const providerTime = new Map<number, number>();
  let rateLimited = 0;
  for (const c of calls) {
    if (c.status === 429) rateLimited++;
    if (c.key >= 0) providerTime.set(c.key, (providerTime.get(c.key) ?? 0) + (c.end - c.start));
  }
  const e2e: number[] = [];
  const inProvider: number[] = [];
  const overhead: number[] = [];
  const queue: number[] = [];
  const service: number[] = [];
  const planning: number[] = [];
  const dispatch: number[] = [];
  const errorCodes: Record<string, number> = {};
  let verified = 0;
  let unverified = 0;
  let attempts = 0;
  for (const r of result.records) {
    attempts += r.attempts;
    if (r.errorCode && r.status !== 'succeeded') errorCodes[r.errorCode] = (errorCodes[r.errorCode] ?? 0) + 1;
    if (r.status !== 'succeeded') continue;
    if (r.verifiedAt === null) {
      unverified++;
      continue;
    }
    verified++;
    const latency = r.verifiedAt - r.receivedAt;
    const spent = providerTime.get(r.i) ?? 0;
    e2e.push(latency);
    inProvider.push(spent);
    overhead.push(latency - spent);
    if (r.claimedAt !== null && r.finishedAt !== null) {
      queue.push(r.claimedAt - r.receivedAt);
      service.push(r.finishedAt - r.claimedAt - spent);
      if (r.plannedAt !== null) {
        planning.push(r.plannedAt - r.receivedAt);
        dispatch.push(r.claimedAt - r.plannedAt);
      }
    }
  }
  const wallS = (result.endedAt - result.startedAt) / 1000;
  const done = verified + unverified;
  const throughputPerS = wallS > 0 ? done / wallS : 0;
  const ceilingPerS = provider.ratePerSec / CALLS_PER_REVOCATION;
  const isBaseline = backend === 'baseline';
  return {
    scenario,
    backend,
    expected,
    verified,
    unverified,
    notDone: isBaseline ? result.records.length - done : expected - done,
    errorCodes,
    e2eMs: percentiles(e2e),
    providerMs: percentiles(inProvider),
    overheadMs: percentiles(overhead),
    queueMs: percentiles(queue),
    planningMs: percentiles(planning),
    dispatchMs: percentiles(dispatch),
    serviceOverheadMs: percentiles(service),
    wallS: round(wallS),
    ingestS: round(result.ingestMs / 1000),
    setupS: round(result.setupMs / 1000),
    throughputPerS: round(throughputPerS),
    ceilingPerS,
    ceilingShare: round(throughputPerS / ceilingPerS, 3),
    minimumS: round(minimumSeconds(expected, provider)),
    calls: {
      total: calls.length,
      accepted: calls.length - rateLimited,
      rateLimited,
      rateLimitedShare: calls.length ? round(rateLimited / calls.length, 4) : 0,
      perRevocation: done ? round(calls.length / done) : 0,
      providerUse: wallS > 0 ? round((calls.length - rateLimited) / wallS / provider.ratePerSec, 3) : 0,
    },
    meanAttempts: result.records.length ? round(attempts / result.records.length) : 0,
    resources: result.resources,
    projectedWallS: isBaseline && done > 0 ? round((wallS * expected) / done) : null,
    timedOut: result.timedOut,
    loadAvg: null,
    budgetInUse: result.budgetInUse,
    notes: result.notes,
  };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
