/**
 * How long revocation took over the last hour, from the audit trail rather than this process's
 * metrics, so the numbers hold whichever process (or Kafka consumer) did the work.
 *
 * trigger → revoked: a `task.revoked` / `task.already_revoked` record (the provider accepted) minus
 * its trigger's `trigger.accepted` record; a credential found dead before any call (`task.verified`
 * with no revocation record) counts as revoked when it was verified. trigger → verified: a
 * `task.verified` record minus the same start. Measured: the ends recorded in the last hour.
 */
import type { AuditRecord } from '../../schemas/audit.js';
import type { Operations } from '../ops/port.js';

export const WINDOW_MS = 3_600_000;
/** Ends read per record type; past this the page says the hour was only partly measured. */
export const END_SCAN = 5_000;
/** Triggers accepted before the hour whose start is looked up one by one (one query each). */
export const OLD_TRIGGER_LOOKUPS = 50;

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
}

export interface LatencySummary {
  since: string;
  revoked: Percentiles | null;
  verified: Percentiles | null;
  /** Ends whose trigger's start could not be found or was not looked up (reported, not guessed). */
  unmeasured: number;
  /** A scan hit END_SCAN: older ends of the hour are left out. */
  truncated: boolean;
}

/** Nearest-rank percentile (no interpolation: every number shown was a real measurement). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/**
 * The durations from the records: `starts` maps a trigger id to its accepted time (ms). Pure, so
 * the pairing rules are tested with plain values.
 */
export function durations(
  revoked: readonly AuditRecord[],
  verified: readonly AuditRecord[],
  starts: ReadonlyMap<string, number>,
): { revoked: number[]; verified: number[]; unmeasured: number } {
  let unmeasured = 0;
  const since = (r: AuditRecord): number | null => {
    const start = r.triggerId ? starts.get(r.triggerId) : undefined;
    if (start === undefined) {
      unmeasured++;
      return null;
    }
    return Math.max(0, Date.parse(r.at) - start) / 1000;
  };
  const revokedTasks = new Set(revoked.map((r) => r.taskId));
  const rev: number[] = [];
  const ver: number[] = [];
  for (const r of revoked) {
    const d = since(r);
    if (d !== null) rev.push(d);
  }
  for (const r of verified) {
    const d = since(r);
    if (d === null) continue;
    ver.push(d);
    // Found dead before any call (already revoked elsewhere): that is also when it stopped working.
    if (r.data.after !== undefined && !revokedTasks.has(r.taskId)) rev.push(d);
  }
  return { revoked: rev, verified: ver, unmeasured };
}

export async function loadLatency(ops: Operations, nowMs: number): Promise<LatencySummary> {
  const since = new Date(nowMs - WINDOW_MS).toISOString();
  const ends = (type: 'task.revoked' | 'task.already_revoked' | 'task.verified') =>
    ops.listAudit({ type, since, newestFirst: true, limit: END_SCAN });
  const [revoked, already, verified, recent] = await Promise.all([
    ends('task.revoked'),
    ends('task.already_revoked'),
    ends('task.verified'),
    // Most ends of the hour belong to triggers accepted in it: one query finds their starts.
    ops.listAudit({ type: 'trigger.accepted', since, newestFirst: true, limit: END_SCAN }),
  ]);
  const starts = new Map<string, number>();
  for (const r of recent) if (r.triggerId) starts.set(r.triggerId, Date.parse(r.at));
  const older = [
    ...new Set([...revoked, ...already, ...verified].map((r) => r.triggerId).filter((id) => id !== null)),
  ].filter((id) => !starts.has(id));
  // A held plan approved late, a dead letter retried: its trigger came earlier; a few are looked up.
  const found = await Promise.all(
    older
      .slice(0, OLD_TRIGGER_LOOKUPS)
      .map((triggerId) => ops.listAudit({ triggerId, type: 'trigger.accepted', limit: 1 })),
  );
  for (const [r] of found) if (r?.triggerId) starts.set(r.triggerId, Date.parse(r.at));
  const d = durations([...revoked, ...already], verified, starts);
  return {
    since,
    revoked: summarize(d.revoked),
    verified: summarize(d.verified),
    unmeasured: d.unmeasured,
    truncated: [revoked, already, verified, recent].some((l) => l.length >= END_SCAN),
  };
}
