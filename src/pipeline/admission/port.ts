/**
 * Admission to a provider lane: the rate budget, the concurrency limit, the provider-wide pause
 * after "slow down" (429 with Retry-After) and the circuit breaker, shared by every worker that
 * calls that provider. The embedded default keeps it in process; with PostgreSQL every worker of
 * the cluster draws from one budget (src/store/admission-sql.ts).
 *
 * Nothing here waits: a refusal says when to ask again (the budget's next token, the end of the
 * pause, the breaker's probe time), and the lane decides whether to wait in memory or to postpone
 * the work durably in the store.
 */

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

export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 5_000, maxOpenMs: 5 * 60_000 };

export type RefusalReason = 'rate_budget' | 'concurrency' | 'rate_limited' | 'circuit_open';

export type Grant =
  /** A concurrency slot and one call's token; `trial`: the half-open probe, whose result decides the breaker. */
  { ok: true; slot: string; trial: boolean } | { ok: false; reason: RefusalReason; retryInMs: number };

export type CallResult = 'success' | 'retriable' | 'permanent';

export interface BreakerView {
  breaker: 'closed' | 'open' | 'half_open';
  /** When an open circuit may be probed (ms since epoch); null when closed. */
  probeAtMs: number | null;
}

export interface SharedAdmission {
  /** One call's token and one concurrency slot, or when to ask again. `holdMs`: a slot never released (its worker died) is free again after that. */
  tryAcquire(lane: string, limits: LaneLimits, holder: string, holdMs: number): Promise<Grant>;
  /** A further call inside a held slot (verify, then execute): takes a token now, into debt if need be; the next acquire waits for it. */
  charge(lane: string, limits: LaneLimits): Promise<void>;
  /** A call's result: the breaker counts retriable failures; a Retry-After pauses the lane for every worker (and is not a breaker failure). */
  record(lane: string, result: CallResult, retryAfterMs?: number): Promise<void>;
  /** Extends a held slot (a long attempt); false when it expired and was taken back. */
  renew(lane: string, slot: string, holdMs: number): Promise<boolean>;
  /** Frees the slot. A trial slot released without a recorded result leaves the circuit half-open for the next probe. */
  release(lane: string, slot: string): Promise<void>;
  state(lane: string): Promise<BreakerView>;
  /** Every lane this process has seen, with its breaker (metrics, health). */
  states(): Record<string, BreakerView['breaker']>;
  close?(): Promise<void>;
}
