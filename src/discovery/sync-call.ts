/**
 * The DiscoveryCall of a sync: each provider call takes one token and slot of the instance's lane
 * (the same shared admission the revocation lanes use, so a sync never spends a budget twice), its
 * result reaches the breaker, and a retriable failure is retried under the one retry policy
 * (src/pipeline/retry.ts). A sync holds no slot while it waits: the slot is released before any
 * wait, for a budget refill or a backoff.
 */
import type { Config } from '../../schemas/config.js';
import { coerceError } from '../errors.js';
import type { LaneLimits, SharedAdmission } from '../pipeline/admission/port.js';
import { nextRetry } from '../pipeline/retry.js';
import type { DiscoveryCall } from './port.js';

/** How long one call may hold its slot before the admission takes it back (a crashed sync). */
const HOLD_MS = 60_000;

export interface MeteredCallDeps {
  admission: SharedAdmission;
  retry: Config['retry'];
  clock: () => Date;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}

export function meteredCall(
  deps: MeteredCallDeps,
  lane: string,
  limits: LaneLimits,
  signal: AbortSignal,
): DiscoveryCall {
  return async (_what, fn) => {
    const started = deps.clock().getTime();
    for (let attempts = 1; ;) {
      const grant = await deps.admission.tryAcquire(lane, limits, 'sync', HOLD_MS);
      if (!grant.ok) {
        await pause(Math.max(grant.retryInMs, 1), signal);
        continue;
      }
      let failure;
      try {
        const value = await fn(signal);
        await deps.admission.record(lane, 'success');
        return value;
      } catch (e) {
        if (signal.aborted) throw e;
        failure = coerceError(e);
        await deps.admission.record(
          lane,
          failure.retriable ? 'retriable' : 'permanent',
          failure.retryAfterMs,
        );
      } finally {
        await deps.admission.release(lane, grant.slot);
      }
      if (!failure.retriable) throw failure;
      const next = nextRetry(deps.retry, attempts, deps.clock().getTime() - started, failure.retryAfterMs);
      if (!next.retry) throw failure;
      attempts += 1;
      await pause(next.delayMs, signal);
    }
  };
}
