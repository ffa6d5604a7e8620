/**
 * Verify stage: after a provider accepted a revocation, check that the credential is really dead,
 * re-checking within the provider's propagation window. `effectiveAt` is when a check first saw it
 * dead. A provider that cannot verify yields `unknown`, recorded as such.
 *
 * A check refused for now (429, 5xx, timeout) is no answer: it is asked again after the delay the
 * provider gave, for up to VERIFY_ANSWER_BUDGET_MS past the propagation window, so a burst that
 * meets the rate limit still ends with proof rather than `unknown`.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import { coerceError } from '../errors.js';
import type { Liveness, Provider, ProviderTask } from '../providers/port.js';
import { backoffMs } from '../util/backoff.js';
import { now, type PipelineDeps } from './deps.js';

type Entry = Pick<AuditEntry, 'type' | 'data'>;

/** How long past the propagation window an unanswered check is asked again. */
export const VERIFY_ANSWER_BUDGET_MS = 60_000;
/** Propagation is usually quick: check again soon, then back off up to 2 s. */
const RECHECK = { baseMs: 400, capMs: 2_000 };
/** Each check's own bound. */
const CHECK_TIMEOUT_MS = 30_000;

export async function verifyDead(
  provider: Provider,
  task: ProviderTask,
  deps: Pick<PipelineDeps, 'clock'>,
  call: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
  /** Aborted when the attempt lost its task to another (fencing): the checks stop. */
  signal?: AbortSignal,
): Promise<{ liveness: Liveness; at: string; entries: Entry[] }> {
  if (!provider.capabilities.canVerify) {
    return {
      liveness: 'unknown',
      at: now(deps),
      entries: [
        { type: 'task.verify_failed', data: { liveness: 'unknown', reason: 'provider cannot verify' } },
      ],
    };
  }
  const deadline = deps.clock().getTime() + provider.capabilities.propagationMs;
  let checks = 0;
  let last: Liveness;
  let lastCode: string;
  for (;;) {
    checks++;
    let noAnswer = false;
    let retryAfterMs: number | undefined;
    const timeout = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    try {
      const s = signal ? AbortSignal.any([timeout, signal]) : timeout;
      last = (await call(() => provider.verify(task, s))).liveness;
      lastCode = '';
    } catch (e) {
      const err = coerceError(e, { redact: [task.secret], transient: 'PROVIDER_NETWORK' });
      last = 'unknown';
      lastCode = err.code;
      noAnswer = err.retriable;
      retryAfterMs = err.retryAfterMs;
    }
    if (last === 'dead') {
      const at = now(deps);
      return {
        liveness: 'dead',
        at,
        entries: [{ type: 'task.verified', data: { liveness: 'dead', checks, effectiveAt: at } }],
      };
    }
    // The attempt lost its task (fencing): the new owner verifies; this one stops asking.
    if (signal?.aborted) break;
    const remaining = (noAnswer ? deadline + VERIFY_ANSWER_BUDGET_MS : deadline) - deps.clock().getTime();
    if (remaining <= 0) break;
    // A provider that said when to come back is asked then.
    const wait = Math.min(remaining, backoffMs(checks, RECHECK, { retryAfterMs }));
    if (!(await sleep(wait, signal))) break;
  }
  return {
    liveness: last,
    at: now(deps),
    entries: [
      {
        type: 'task.verify_failed',
        data: { liveness: last, checks, ...(lastCode ? { code: lastCode } : {}) },
      },
    ],
  };
}

/** False when the signal aborted the sleep. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve(!signal?.aborted);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
