/**
 * PostgreSQL adapter of the shared admission port: every worker of a deployment shares each lane's
 * budget, concurrency, pause and breaker through the rows of migration 9
 * (src/store/migration-admission.ts), on the database's clock.
 *
 * Round trips: tryAcquire, charge, record and release are one statement each (a function call that
 * locks the lane row, reads and writes, and commits on its own); renew is one UPDATE of the slot row;
 * state one SELECT. A lane's row lock is held only for the function's few statements, never across
 * a provider call. All of a lane's operations serialise on it: that is the point (exactly one worker
 * gets the last token or the half-open trial), and at provider rates (tens to hundreds of calls a
 * second) it is far from a bottleneck.
 */
import { randomUUID } from 'node:crypto';
import { TourniquetError } from '../errors.js';
import {
  CONCURRENCY_HINT_MS,
  DEFAULT_BREAKER,
  checkLaneLimits,
  retryAfter,
  TRIAL_HINT_MS,
  type BreakerSettings,
  type BreakerState,
  type CallResult,
  type DenyReason,
  type Grant,
  type LaneLimits,
  type LaneState,
  type SharedAdmission,
} from '../pipeline/admission/port.js';
import { backoffCeilingMs } from '../util/backoff.js';
import type { Db } from './db.js';

interface ViewRow {
  breaker: BreakerState;
  probe_in_ms: number | null;
}

/** backoffCeilingMs's schedule up to its cap: the open period after k failed trials is entry k + 1. */
export function openPeriods(b: BreakerSettings): number[] {
  const policy = { baseMs: b.openMs, capMs: b.maxOpenMs };
  const periods = [backoffCeilingMs(1, policy)];
  for (let k = 2; k <= 53 && periods[periods.length - 1]! < b.maxOpenMs; k++) {
    periods.push(backoffCeilingMs(k, policy));
  }
  return periods;
}

function view(r: ViewRow | undefined): LaneState {
  if (!r) return { breaker: 'closed', probeInMs: null };
  return { breaker: r.breaker, probeInMs: r.probe_in_ms === null ? null : Math.max(0, r.probe_in_ms) };
}

export class SqlAdmission implements SharedAdmission {
  private readonly periods: number[];

  constructor(
    private readonly db: Db,
    private readonly breaker: BreakerSettings = DEFAULT_BREAKER,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.periods = openPeriods(breaker);
  }

  async tryAcquire(lane: string, limits: LaneLimits, holder: string, holdMs: number): Promise<Grant> {
    checkLaneLimits(lane, limits, holdMs);
    const slot = randomUUID();
    const [r] = await this.db.query<{
      ok: boolean;
      trial: boolean;
      reason: DenyReason | null;
      retry_in_ms: number;
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
      TRIAL_HINT_MS,
      CONCURRENCY_HINT_MS,
    ]);
    if (!r) throw new TourniquetError('INTERNAL', 'admission_acquire returned no row');
    if (r.ok) return { ok: true, slot, trial: r.trial };
    return { ok: false, reason: r.reason ?? 'concurrency', retryInMs: Math.max(1, Math.ceil(r.retry_in_ms)) };
  }

  async charge(lane: string, limits: LaneLimits): Promise<void> {
    checkLaneLimits(lane, limits);
    await this.db.query('SELECT admission_charge($1, $2, $3, $4)', [
      lane,
      limits.perSecond,
      limits.burst,
      this.breaker.openMs,
    ]);
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

  record(lane: string, slot: string, result: CallResult, retryAfterMs?: number): Promise<LaneState> {
    return this.result(lane, slot, result, retryAfterMs, false);
  }

  release(
    lane: string,
    slot: string,
    result: CallResult | 'unused',
    retryAfterMs?: number,
  ): Promise<LaneState> {
    return this.result(lane, slot, result, retryAfterMs, true);
  }

  async state(lane: string): Promise<LaneState> {
    const [r] = await this.db.query<ViewRow>(
      `SELECT v.breaker, v.probe_in_ms FROM admission_lanes l,
         LATERAL admission_view(l, clock_timestamp(), $2, $3) v WHERE l.lane = $1`,
      [lane, this.breaker.failureThreshold, TRIAL_HINT_MS],
    );
    return view(r);
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private async result(
    lane: string,
    slot: string,
    result: CallResult | 'unused',
    retryAfterMs: number | undefined,
    release: boolean,
  ): Promise<LaneState> {
    const [r] = await this.db.query<ViewRow>(
      'SELECT * FROM admission_result($1, $2, $3, $4, $5, $6, $7::float8[], $8)',
      [
        lane,
        slot,
        result,
        retryAfter(retryAfterMs) ?? null,
        release,
        this.breaker.failureThreshold,
        this.periods,
        TRIAL_HINT_MS,
      ],
    );
    return view(r);
  }
}
