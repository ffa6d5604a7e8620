/**
 * The one backoff formula. Every wait between tries (task retries, verification re-checks, the
 * bus's handler and restart retries, Slack delivery, admin calls, the breaker's open period) comes
 * from here, so the policy is read in one place.
 *
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): the delay is uniform in
 * [0, min(cap, base · 2^(attempt − 1))], which spreads retries of many clients best. A provider's
 * own delay (Retry-After, x-ratelimit-reset, Slack's 429) wins: it knows when it will answer.
 */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay. */
  baseMs: number;
  /** The ceiling never grows past this. */
  capMs: number;
  /**
   * A floor under the draw (default 0, plain full jitter): the delay is uniform in [floor, ceiling].
   * For retries that must never be immediate (the bus redelivering to a failing handler).
   */
  minMs?: number;
}

/** The upper bound of the delay before retry number `attempt` (1-based): base doubling, capped. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), 52);
  return Math.max(0, Math.min(policy.capMs, policy.baseMs * 2 ** exponent));
}

/**
 * The delay before retry number `attempt` (1-based): `retryAfterMs` when the other side gave one
 * (never negative), otherwise a full-jitter draw in [minMs, backoffCeilingMs]. Whole milliseconds.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  opts: { retryAfterMs?: number | undefined; random?: () => number } = {},
): number {
  if (opts.retryAfterMs !== undefined && Number.isFinite(opts.retryAfterMs)) {
    return Math.max(0, Math.round(opts.retryAfterMs));
  }
  const r = Math.min(Math.max((opts.random ?? Math.random)(), 0), 1);
  const ceiling = backoffCeilingMs(attempt, policy);
  const floor = Math.min(Math.max(0, policy.minMs ?? 0), ceiling);
  return Math.floor(floor + r * (ceiling - floor));
}
