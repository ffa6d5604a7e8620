/**
 * The shared admission port: whether a worker may call a provider lane now, for every worker of the
 * deployment at once. The same semantics as the per-process ProviderGate (src/pipeline/gate.ts),
 * kept where all workers see it (PostgreSQL in production, in-process on the embedded default):
 *
 * - rate budget: a token bucket of `burst` tokens refilled at `perSecond`; each call takes one;
 * - concurrency: at most `concurrency` slots held at once; a slot whose holder died (never renewed,
 *   never released) is free again `holdMs` after it was taken or last renewed;
 * - pause: a provider's Retry-After pauses the whole lane, for every worker;
 * - breaker: `failureThreshold` consecutive retriable failures (a 429 with Retry-After is a rate
 *   limit, not an outage, and does not count) open the lane for `openMs`; then one trial call
 *   (half-open); a failed trial reopens it for twice as long (the one backoff's ceiling, up to
 *   `maxOpenMs`); any answer (success, or a permanent error) closes it and resets the period.
 *
 * Glossary: a *lane* is one provider instance (and account); a *slot* is one held unit of its
 * concurrency, named by an opaque id; a *holder* names the worker (diagnostics, and the slots table
 * shows who holds what); a *grant* is a slot plus one call token.
 *
 * Every duration crossing the port is relative (`retryInMs`, `probeInMs`): the PostgreSQL adapter
 * keeps time on the database's clock, which a worker's clock need not agree with.
 *
 * Deliberately left out: waiting (tryAcquire never waits; the caller defers its task by the
 * returned horizon and releases whatever it holds), fairness between workers (the first to ask after
 * a token appears gets it), and queueing (the lane's queue lives in the store's tasks).
 *
 * One attempt that makes several calls (precheck, execute, verify) holds one slot:
 *   g = tryAcquire(...)            // the precheck's token; not ok → defer the task by g.retryInMs
 *   precheck → record(slot, r1)    // the first result in a trial slot is the probe's outcome
 *   charge(...) → execute → record(slot, r2)
 *   charge(...) → verify → release(slot, r3)   // or release(slot, 'unused') if no call was made
 * renew(slot) meanwhile when the attempt outlasts holdMs.
 */
import { TourniquetError } from '../../errors.js';

export interface LaneLimits {
  perSecond: number;
  burst: number;
  concurrency: number;
}

export interface BreakerSettings {
  /** Consecutive retriable failures that open the circuit. */
  failureThreshold: number;
  /** First open period; doubles on each failed trial, up to maxOpenMs. */
  openMs: number;
  maxOpenMs: number;
}

/** The values of gate.ts's DEFAULT_BREAKER (which can import this one once its callers move here). */
export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 5_000, maxOpenMs: 5 * 60_000 };

export type DenyReason = 'rate_budget' | 'concurrency' | 'rate_limited' | 'circuit_open';

export type Grant =
  /** A concurrency slot and one call token; `trial` = this is the half-open probe. */
  { ok: true; slot: string; trial: boolean } | { ok: false; reason: DenyReason; retryInMs: number };

/** What a call came to, for the breaker (a permanent error is an answer: the provider is up). */
export type CallResult = 'success' | 'retriable' | 'permanent';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface LaneState {
  breaker: BreakerState;
  /**
   * When the lane may be probed, from now: open → until its half-open time; half-open → 0, or a
   * short hint while another worker's trial is in flight; closed → null.
   */
  probeInMs: number | null;
}

export interface SharedAdmission {
  /**
   * One call token and one concurrency slot of `lane`, or how long until asking again makes sense
   * (the real horizon: the next token, the pause's end, the half-open time; for concurrency and a
   * trial in flight a short hint, since a release can come any time). Never waits. `holdMs`: a slot
   * neither renewed nor released within it is free again (its worker died).
   */
  tryAcquire(lane: string, limits: LaneLimits, holder: string, holdMs: number): Promise<Grant>;
  /**
   * A further call inside a held slot (verify after execute in one attempt): takes one token now,
   * never refusing; the bucket may go at most one token into debt, so the next acquire waits for it.
   */
  charge(lane: string, limits: LaneLimits): Promise<void>;
  /** Extends a held slot (a long attempt) to `holdMs` from now. false = it expired and was taken back. */
  renew(lane: string, slot: string, holdMs: number): Promise<boolean>;
  /**
   * The result of one call made inside a held slot, keeping the slot: the precheck, the execute, and
   * each verify of one attempt report here, and only the last is reported by `release`. The first
   * result reported in a trial slot is the probe's outcome (a failure reopens the circuit for longer,
   * a success closes it); the slot stays held but is an ordinary slot from then on.
   * `retryAfterMs` (the provider's Retry-After) pauses the lane for every worker.
   */
  record(lane: string, slot: string, result: CallResult, retryAfterMs?: number): Promise<LaneState>;
  /**
   * Ends a slot with its last call's result (as `record`). `unused`: the slot never reached the
   * provider (the task was no longer claimable, say): its token is refunded and a trial slot gives
   * the probe back untried. A slot that already expired is gone; a result is still recorded (the
   * call did happen), as an ordinary call's.
   */
  release(
    lane: string,
    slot: string,
    result: CallResult | 'unused',
    retryAfterMs?: number,
  ): Promise<LaneState>;
  /** For health and metrics, and for deferring queued work while the circuit is open. */
  state(lane: string): Promise<LaneState>;
  close?(): Promise<void>;
}

/** How soon to ask again when every slot is held: a release can come at any moment. */
export const CONCURRENCY_HINT_MS = 25;
/** How soon to ask again while another worker's half-open trial is in flight. */
export const TRIAL_HINT_MS = 1_000;

/**
 * Limits come from provider capabilities and config; a zero, negative or fractional one would wedge
 * the lane (a bucket that never refills, no slot ever free), so both adapters refuse it.
 */
export function checkLaneLimits(lane: string, l: LaneLimits, holdMs?: number): void {
  const ok =
    l.perSecond > 0 &&
    Number.isFinite(l.perSecond) &&
    l.burst >= 1 &&
    Number.isFinite(l.burst) &&
    Number.isInteger(l.concurrency) &&
    l.concurrency >= 1 &&
    (holdMs === undefined || (holdMs > 0 && Number.isFinite(holdMs)));
  if (!ok) {
    throw new TourniquetError(
      'INVALID_CONFIG',
      `lane ${lane}: needs perSecond > 0, burst >= 1, an integer concurrency >= 1 and holdMs > 0`,
    );
  }
}

/** A Retry-After that is not a finite number is no Retry-After (NaN would pause forever in SQL). */
export function retryAfter(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}
