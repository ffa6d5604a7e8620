/**
 * PostgreSQL adapter of the shared admission port (src/pipeline/admission/port.ts): every worker of
 * a deployment shares each lane's budget, concurrency, pause and breaker through the rows of
 * migration 9 (src/store/migration-admission.ts), on the database's clock.
 *
 * Round trips: tryAcquire, charge, record and release are one statement each (a function call that
 * locks the lane row, reads and writes, and commits on its own); renew is one UPDATE of the slot
 * row; state one SELECT. The lane row's lock is held for the function's few statements, never
 * across a provider call. All of a lane's operations serialise on it: that is the point (exactly one
 * worker gets the last token or the half-open probe), and at provider rates (tens to hundreds of
 * calls a second, about 1 ms a statement) it is far from a bottleneck.
 *
 * `probeAtMs` is on the database's clock (ms since the epoch there); `states()` is what this process
 * last learnt of each lane it used (synchronous, for metrics), not a query.
 */
import { randomUUID } from 'node:crypto';
import { TourniquetError } from '../errors.js';
import {
  DEFAULT_BREAKER,
  type BreakerSettings,
  type BreakerView,
  type CallResult,
  type Grant,
  type LaneLimits,
  type RefusalReason,
  type SharedAdmission,
} from '../pipeline/admission/port.js';
import { backoffCeilingMs } from '../util/backoff.js';
import type { Db } from './db.js';

type Breaker = BreakerView['breaker'];

/** The in-process adapter's hints (src/pipeline/admission/memory.ts), so both answer alike. */
const CONCURRENCY_RETRY_MS = 50;
const TRIAL_RETRY_MS = 1_000;

/** The one backoff's ceilings up to its cap: entry k + 1 is the open period after k failed trials. */
export function openPeriods(b: BreakerSettings): number[] {
  const policy = { baseMs: b.openMs, capMs: b.maxOpenMs };
  const periods = [backoffCeilingMs(1, policy)];
  for (let k = 2; k <= 53 && periods[periods.length - 1]! < b.maxOpenMs; k++) {
    periods.push(backoffCeilingMs(k, policy));
  }
  return periods;
}

/** A Retry-After that is not a finite number is none (NaN compares greater than anything in SQL). */
const finite = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) ? ms : null);

export class SqlAdmission implements SharedAdmission {
  private readonly periods: number[];
  private readonly seen = new Map<string, Breaker>();

  constructor(
    private readonly db: Db,
    private readonly breaker: BreakerSettings = DEFAULT_BREAKER,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.periods = openPeriods(breaker);
  }

  async tryAcquire(lane: string, limits: LaneLimits, holder: string, holdMs: number): Promise<Grant> {
    const slot = randomUUID();
    const [r] = await this.db.query<{
      ok: boolean;
      trial: boolean;
      reason: RefusalReason | null;
      retry_in_ms: number;
      breaker: Breaker;
    }>('SELECT * FROM admission_acquire($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      lane,
      limits.perSecond,
      limits.burst,
      limits.concurrency,
      slot,
      holder,
      holdMs,
      this.breaker.failureThreshold,
      this.breaker.openMs,
      TRIAL_RETRY_MS,
      CONCURRENCY_RETRY_MS,
    ]);
    if (!r) throw new TourniquetError('INTERNAL', 'admission_acquire returned no row');
    this.seen.set(lane, r.breaker);
    if (r.ok) return { ok: true, slot, trial: r.trial };
    return { ok: false, reason: r.reason ?? 'concurrency', retryInMs: Math.max(1, Math.ceil(r.retry_in_ms)) };
  }

  async charge(lane: string, limits: LaneLimits): Promise<void> {
    await this.db.query('SELECT admission_charge($1, $2, $3, $4)', [
      lane,
      limits.perSecond,
      limits.burst,
      this.breaker.openMs,
    ]);
  }

  async record(lane: string, result: CallResult, retryAfterMs?: number): Promise<void> {
    const [r] = await this.db.query<{ breaker: Breaker }>(
      'SELECT breaker FROM admission_record($1, $2, $3, $4, $5::float8[])',
      [lane, result, finite(retryAfterMs), this.breaker.failureThreshold, this.periods],
    );
    if (r) this.seen.set(lane, r.breaker);
  }

  async renew(lane: string, slot: string, holdMs: number): Promise<boolean> {
    // The slot row's own lock orders this against a reclaiming acquire: whichever comes second sees
    // the other's write (a renewed slot is not reclaimed; a reclaimed one is not renewed).
    const rows = await this.db.query(
      `UPDATE admission_slots SET until = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
       WHERE lane = $1 AND slot = $2 AND until > clock_timestamp() RETURNING slot`,
      [lane, slot, holdMs],
    );
    return rows.length === 1;
  }

  async release(lane: string, slot: string): Promise<void> {
    await this.db.query('SELECT admission_release($1, $2)', [lane, slot]);
  }

  async state(lane: string): Promise<BreakerView> {
    const [r] = await this.db.query<{ breaker: Breaker; probe_at_ms: number | null }>(
      `SELECT admission_breaker(l, clock_timestamp(), $2) AS breaker,
         CASE WHEN l.failures < $2 THEN NULL
           ELSE extract(epoch FROM l.open_until)::float8 * 1000 END AS probe_at_ms
       FROM admission_lanes l WHERE l.lane = $1`,
      [lane, this.breaker.failureThreshold],
    );
    if (!r) return { breaker: 'closed', probeAtMs: null };
    this.seen.set(lane, r.breaker);
    return { breaker: r.breaker, probeAtMs: r.probe_at_ms };
  }

  states(): Record<string, Breaker> {
    return Object.fromEntries(this.seen);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
