/**
 * Fairness results (bench/hol-spec.ts): each scenario as a ratio against its control from the same
 * run, per-instance counts at the fake, and the issue's targets as MET / MISS verdicts.
 */
import { DEFAULT_BREAKER, type BreakerSettings } from '../src/pipeline/admission/port.js';
import { percentiles } from './analyze.js';
import type { InstanceStats } from './fake-stats.js';
import type { HolRun } from './hol-orchestrate.js';
import type { Verdict } from './report.js';

const FAST_LIMIT = 1.2;
const fmt = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '–' : n.toFixed(d));
const s = (ms: number | null) => (ms === null ? 'not all final' : `${fmt(ms / 1000)} s`);

/**
 * Calls a provider that is down all along may receive in `ms` under the breaker: the failures that
 * open it plus the calls already in flight when they came back (concurrency − 1), then one
 * half-open probe per interval (openMs, doubling up to maxOpenMs).
 */
export function breakerAllowance(
  ms: number,
  concurrency: number,
  b: BreakerSettings = DEFAULT_BREAKER,
): number {
  let allowed = b.failureThreshold + Math.max(0, concurrency - 1);
  let t = 0;
  for (let interval = b.openMs; ; interval = Math.min(interval * 2, b.maxOpenMs)) {
    t += interval;
    if (t > ms) return allowed;
    allowed++;
  }
}

function stats(name: string, x: InstanceStats): string {
  return (
    `${name}: ${x.calls} calls (${x.rateLimited} × 429, ${x.unavailable} × 503), ≤ ${x.maxInFlight} in flight, ` +
    `peak ${x.peakCallsPerSecond} accepted calls/s, ${x.revokes} revokes, ${x.revokedTwice} credentials revoked twice`
  );
}

/** Scenario/control pairs by kind. */
function pairs(runs: readonly HolRun[]) {
  const kinds = [...new Set(runs.map((r) => r.scenario.kind))];
  return kinds.flatMap((kind) => {
    const run = runs.find((r) => r.scenario.kind === kind && !r.scenario.control);
    const control = runs.find((r) => r.scenario.kind === kind && r.scenario.control);
    return run && control ? [{ kind, run, control }] : [];
  });
}

export function holLines(runs: readonly HolRun[]): string[] {
  const out: string[] = [];
  for (const { run, control } of pairs(runs)) {
    const f = run.result.groups.fast;
    const c = control.result.groups.fast;
    const ratio = f.doneMs !== null && c.doneMs ? f.doneMs / c.doneMs : null;
    const lp = percentiles(run.result.groups.leak.latencyMs);
    const lc = percentiles(control.result.groups.leak.latencyMs);
    const slow = run.result.groups.slow;
    out.push(
      `${run.scenario.id}: fast offboarding (${f.tasks}) done in ${s(f.doneMs)} vs control ${s(c.doneMs)}` +
        `${ratio === null ? '' : ` (${ratio.toFixed(2)}×)`}; fast leaks (${run.result.groups.leak.tasks}) p50 / p95 ` +
        `${fmt(lp?.p50, 0)} / ${fmt(lp?.p95, 0)} ms vs control ${fmt(lc?.p50, 0)} / ${fmt(lc?.p95, 0)} ms; ` +
        `slow ${slow.final}/${slow.tasks} final (${slow.revoked} revoked), ${slow.claims} claims; run ${fmt((run.result.endedAt - run.result.startedAt) / 1000)} s`,
    );
    out.push(`  ${stats('fast instance', run.fast)}`);
    if (run.slow) out.push(`  ${stats('slow instance', run.slow)}`);
    out.push(`  control: ${stats('fast instance', control.fast)}`);
    for (const n of [...run.result.notes, ...control.result.notes]) out.push(`  note: ${n}`);
  }
  return out;
}

export function holVerdicts(runs: readonly HolRun[]): Verdict[] {
  const out: Verdict[] = [];
  for (const { kind, run, control } of pairs(runs)) {
    const f = run.result.groups.fast.doneMs;
    const c = control.result.groups.fast.doneMs;
    out.push({
      target: `${run.scenario.id}: fast-provider revocations finish within ${FAST_LIMIT}× the control's time`,
      backend: 'embedded',
      met: f !== null && c !== null ? f <= c * FAST_LIMIT : false,
      measured: `${s(f)} vs ${s(c)}${f !== null && c ? ` (${(f / c).toFixed(2)}×)` : ''}`,
    });
    if (kind !== 'hol-down') continue;
    const windowMs = run.result.endedAt - run.result.startedAt;
    const concurrency = run.slowConcurrency;
    const allowed = breakerAllowance(windowMs, concurrency);
    out.push({
      target: `${run.scenario.id}: calls to the down provider ≤ one per breaker interval`,
      backend: 'embedded',
      met: run.slowCallsInRun <= allowed,
      measured: `${run.slowCallsInRun} calls in ${fmt(windowMs / 1000)} s; the breaker (${DEFAULT_BREAKER.failureThreshold} failures + ${concurrency - 1} in flight, then one per ${DEFAULT_BREAKER.openMs / 1000} s doubling) allows ${allowed}`,
    });
    const slow = run.result.groups.slow;
    out.push({
      target: `${run.scenario.id}: claims ≤ 2× tasks at the down provider`,
      backend: 'embedded',
      met: slow.claims <= 2 * slow.tasks,
      measured: `${slow.claims} claims (task.attempt records) for ${slow.tasks} tasks`,
    });
  }
  return out;
}
