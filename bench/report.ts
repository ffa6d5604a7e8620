/**
 * The printed table (Markdown, so it pastes into BENCHMARKS.md unchanged), the side-by-side ratios
 * against the naive baseline, growth from the small to the large burst, and the target verdicts.
 */
import type { ScenarioMetrics } from './analyze.js';
import type { Backend } from './spec.js';

export interface Verdict {
  target: string;
  backend: Backend;
  met: boolean | null;
  measured: string;
}

const OVERHEAD_LIMIT_MS: Record<Backend, number> = { embedded: 10, kafka: 25 };
const RSS_LIMIT_MB = 300;

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined ? '–' : n.toFixed(digits);
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

export function table(rows: readonly ScenarioMetrics[]): string {
  const head =
    '| scenario | backend | n | verified | unverified | not done | e2e p50 / p95 / p99 ms | provider p50 ms | overhead p50 / p95 / p99 ms | queued p50 / p99 ms (planning + dispatch p50) | service overhead p50 / p99 ms | rev/s | of ceiling | calls/rev | provider use | 429s (share) | gate budget calls/s | wall s | minimum s | peak RSS (heap) MB | CPU s | load |';
  const sep =
    '|' +
    head
      .split('|')
      .slice(1, -1)
      .map(() => '---')
      .join('|') +
    '|';
  const lines = rows.map((m) => {
    const e = m.e2eMs;
    const o = m.overheadMs;
    const wall =
      m.projectedWallS !== null && m.timedOut
        ? `${fmt(m.wallS, 1)} (all: ~${fmt(m.projectedWallS, 0)})`
        : fmt(m.wallS, 1);
    return [
      m.scenario.id,
      m.backend,
      m.expected,
      m.verified,
      m.unverified,
      m.notDone,
      e ? `${fmt(e.p50)} / ${fmt(e.p95)} / ${fmt(e.p99)}` : '–',
      fmt(m.providerMs?.p50),
      o ? `${fmt(o.p50)} / ${fmt(o.p95)} / ${fmt(o.p99)}` : '–',
      m.queueMs
        ? `${fmt(m.queueMs.p50)} / ${fmt(m.queueMs.p99)}${m.planningMs && m.dispatchMs ? ` (${fmt(m.planningMs.p50)} + ${fmt(m.dispatchMs.p50)})` : ''}`
        : '–',
      m.serviceOverheadMs ? `${fmt(m.serviceOverheadMs.p50)} / ${fmt(m.serviceOverheadMs.p99)}` : '–',
      fmt(m.throughputPerS, 1),
      pct(m.ceilingShare),
      fmt(m.calls.perRevocation, 2),
      pct(m.calls.providerUse),
      `${m.calls.rateLimited} (${pct(m.calls.rateLimitedShare)})`,
      m.budgetInUse ? fmt(m.budgetInUse.perSecond, 0) : '–',
      wall,
      m.scenario.kind === 'steady' ? '–' : fmt(m.minimumS, 1),
      `${fmt(m.resources.peakRssMb)} (${fmt(m.resources.peakHeapUsedMb)})`,
      fmt(m.resources.cpuUserS + m.resources.cpuSystemS, 1),
      m.loadAvg ? `${fmt(m.loadAvg.atStart, 1)}→${fmt(m.loadAvg.atEnd, 1)}` : '–',
    ].join(' | ');
  });
  return [head, sep, ...lines.map((l) => `| ${l} |`)].join('\n');
}

/** Pipeline vs naive loop on the same scenario shape. */
export function ratios(rows: readonly ScenarioMetrics[]): string[] {
  const out: string[] = [];
  for (const base of rows.filter((r) => r.backend === 'baseline')) {
    for (const r of rows.filter((x) => x.backend !== 'baseline' && x.scenario.kind === base.scenario.kind)) {
      if (base.throughputPerS <= 0 || r.throughputPerS <= 0) continue;
      const speed = r.throughputPerS / base.throughputPerS;
      const baseTime = (r.expected / base.throughputPerS) | 0;
      const p99 =
        r.e2eMs && base.e2eMs ? ` · e2e p99 ${fmt(r.e2eMs.p99)} ms vs ${fmt(base.e2eMs.p99)} ms` : '';
      out.push(
        `${r.scenario.id} on ${r.backend}: ${speed.toFixed(1)}× the naive loop's throughput (${fmt(r.throughputPerS, 1)} vs ${fmt(base.throughputPerS, 1)} rev/s; ` +
          `naive would need ~${baseTime} s for ${r.expected}, pipeline took ${fmt(r.wallS, 1)} s)${p99}`,
      );
    }
  }
  return out;
}

/** How cost grows from the small burst to the large one, per backend. */
export function growth(rows: readonly ScenarioMetrics[], smallId: string, largeId: string): string[] {
  const out: string[] = [];
  for (const backend of ['embedded', 'kafka'] as const) {
    const s = rows.find((r) => r.backend === backend && r.scenario.id === smallId);
    const l = rows.find((r) => r.backend === backend && r.scenario.id === largeId);
    if (!s || !l) continue;
    const factor = l.expected / s.expected;
    const cpuPer = (m: ScenarioMetrics) =>
      ((m.resources.cpuUserS + m.resources.cpuSystemS) * 1000) / Math.max(1, m.verified + m.unverified);
    out.push(
      `${backend} ${smallId} → ${largeId} (${factor}× the triggers): peak RSS ${fmt(s.resources.peakRssMb)} → ${fmt(l.resources.peakRssMb)} MB ` +
        `(${(l.resources.peakRssMb / s.resources.peakRssMb).toFixed(2)}×), CPU ${fmt(cpuPer(s), 1)} → ${fmt(cpuPer(l), 1)} ms per revocation, ` +
        `wall ${fmt(s.wallS, 1)} → ${fmt(l.wallS, 1)} s (${(l.wallS / Math.max(0.001, s.wallS)).toFixed(1)}×), overhead p99 ${fmt(s.overheadMs?.p99)} → ${fmt(l.overheadMs?.p99)} ms`,
    );
  }
  return out;
}

export function verdicts(
  rows: readonly ScenarioMetrics[],
  ids: { small: string; large: string; fanout: string; steady: string },
): Verdict[] {
  const out: Verdict[] = [];
  for (const backend of ['embedded', 'kafka'] as const) {
    const get = (id: string) => rows.find((r) => r.backend === backend && r.scenario.id === id);
    const steady = get(ids.steady);
    const large = get(ids.large);
    const small = get(ids.small);
    const fan = get(ids.fanout);
    if (!steady && !large && !fan) continue;
    const limit = OVERHEAD_LIMIT_MS[backend];
    out.push({
      target: `pipeline overhead p99 ≤ ${limit} ms (steady stream, below the ceiling)`,
      backend,
      met: steady?.overheadMs ? steady.overheadMs.p99 <= limit && steady.notDone === 0 : null,
      measured: steady?.overheadMs
        ? `p99 ${fmt(steady.overheadMs.p99, 1)} ms (p50 ${fmt(steady.overheadMs.p50, 1)})`
        : 'not run',
    });
    for (const m of [large, fan]) {
      if (!m) continue;
      out.push({
        target: `throughput ≥ 90% of the ceiling with ≤ 1% 429s (${m.scenario.id})`,
        backend,
        met: m.ceilingShare >= 0.9 && m.calls.rateLimitedShare <= 0.01 && m.notDone === 0,
        measured:
          `${pct(m.ceilingShare)} of ${m.ceilingPerS} rev/s, ${pct(m.calls.rateLimitedShare)} of calls answered 429 ` +
          `(${fmt(m.calls.perRevocation, 2)} calls per revocation, ${pct(m.calls.providerUse)} of the provider's call limit used)`,
      });
    }
    if (fan) {
      out.push({
        target: `${fan.scenario.id} offboarding within 5% of the minimum the limits allow`,
        backend,
        met: fan.notDone === 0 && fan.wallS <= fan.minimumS * 1.05,
        measured: `${fmt(fan.wallS, 1)} s vs minimum ${fmt(fan.minimumS, 1)} s (${((fan.wallS / fan.minimumS - 1) * 100).toFixed(0)}% over)`,
      });
    }
    if (small && large) {
      out.push({
        target: `peak RSS ≤ ${RSS_LIMIT_MB} MB from ${ids.small} to ${ids.large}`,
        backend,
        met: small.resources.peakRssMb <= RSS_LIMIT_MB && large.resources.peakRssMb <= RSS_LIMIT_MB,
        measured: `${fmt(small.resources.peakRssMb)} → ${fmt(large.resources.peakRssMb)} MB`,
      });
    }
  }
  return out;
}

export function verdictLines(v: readonly Verdict[]): string[] {
  return v.map(
    (x) => `${x.met === null ? 'n/a ' : x.met ? 'MET ' : 'MISS'} [${x.backend}] ${x.target}: ${x.measured}`,
  );
}
