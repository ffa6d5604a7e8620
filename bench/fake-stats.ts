/**
 * What one FAKE provider instance was asked, counted at the fake (never from tourniquet's own
 * view): calls, 429s and 503s, the most calls in flight at once, and revocations per credential
 * (a credential revoked twice is a duplicate the pipeline promised never to make).
 */
import type { FakeCall } from './fake-provider.js';

export interface InstanceStats {
  calls: number;
  rateLimited: number;
  unavailable: number;
  maxInFlight: number;
  /** Credentials whose revoke call was accepted more than once. */
  revokedTwice: number;
  /** Accepted revoke calls. */
  revokes: number;
  /** The most accepted calls that arrived within one second (sliding window). */
  peakCallsPerSecond: number;
}

const REVOKE = new Set<FakeCall['op']>(['revoke', 'revoke-accessor']);
const accepted = (c: FakeCall) => c.status !== 429 && c.status !== 503 && c.status !== 401;

export function instanceStats(calls: readonly FakeCall[], maxInFlight: number): InstanceStats {
  const perKey = new Map<number, number>();
  for (const c of calls) {
    if (REVOKE.has(c.op) && accepted(c) && c.key >= 0) perKey.set(c.key, (perKey.get(c.key) ?? 0) + 1);
  }
  const starts = calls
    .filter(accepted)
    .map((c) => c.start)
    .sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < starts.length; hi++) {
    while (starts[hi]! - starts[lo]! >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return {
    calls: calls.length,
    rateLimited: calls.filter((c) => c.status === 429).length,
    unavailable: calls.filter((c) => c.status === 503).length,
    maxInFlight,
    revokedTwice: [...perKey.values()].filter((n) => n > 1).length,
    revokes: [...perKey.values()].reduce((a, b) => a + b, 0),
    peakCallsPerSecond: peak,
  };
}
