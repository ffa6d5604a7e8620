/**
 * Verify stage: after a provider accepted a revocation, check that the credential is really dead.
 * `effectiveAt` is when a check first saw it dead. A provider that cannot verify yields `unknown`,
 * recorded as such.
 *
 * Checks are durable: one check per claim, and between checks the task waits in the store
 * (`verifying`, due at its next check), so a propagation window of minutes holds no worker and
 * survives a restart. A check refused for now (429, 5xx, timeout) is no answer: it is asked again
 * after the delay the provider gave, for up to VERIFY_ANSWER_BUDGET_MS past the window, so a
 * burst that meets the rate limit still ends with proof rather than `unknown`.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import type { VerifyState } from '../../schemas/plan.js';
import { coerceError } from '../errors.js';
import type { Liveness, Provider, ProviderTask } from '../providers/port.js';
import { backoffMs } from '../util/backoff.js';
import type { LaneCalls } from './lane-calls.js';

type Entry = Pick<AuditEntry, 'type' | 'data'>;

/** How long past the propagation window an unanswered check is asked again. */
export const VERIFY_ANSWER_BUDGET_MS = 60_000;
/** Propagation is usually quick: check again soon, then back off up to 5 s. */
const RECHECK = { baseMs: 400, capMs: 5_000 };
/** Each check's own bound. */
export const CHECK_TIMEOUT_MS = 30_000;

export interface Check {
  liveness: Liveness;
  /** Retriable failure: no answer, asked again. */
  noAnswer: boolean;
  code?: string;
  retryAfterMs?: number;
}

/** One check through the lane. */
export async function checkOnce(
  provider: Provider,
  task: ProviderTask,
  calls: LaneCalls,
  signal: AbortSignal,
): Promise<Check> {
  try {
    const s = AbortSignal.any([AbortSignal.timeout(CHECK_TIMEOUT_MS), signal]);
    return {
      liveness: (await calls.call(() => provider.verify(task, s), 'verify')).liveness,
      noAnswer: false,
    };
  } catch (e) {
    const err = coerceError(e, { redact: [task.secret], transient: 'PROVIDER_NETWORK' });
    return {
      liveness: 'unknown',
      noAnswer: err.retriable,
      code: err.code,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
}

export type Verdict =
  | { final: true; liveness: Liveness; at: string; entries: Entry[] }
  | { final: false; nextCheckAt: string; state: VerifyState };

/** What a check means: dead (proof), alive or unanswered with time left (check again), or the end. */
export function judge(state: VerifyState, check: Check, nowMs: number, canStillAsk: boolean): Verdict {
  const at = new Date(nowMs).toISOString();
  const checks = state.checks + 1;
  if (check.liveness === 'dead') {
    return {
      final: true,
      liveness: 'dead',
      at,
      entries: [{ type: 'task.verified', data: { liveness: 'dead', checks, effectiveAt: at } }],
    };
  }
  const deadline = Date.parse(state.until) + (check.noAnswer ? VERIFY_ANSWER_BUDGET_MS : 0);
  const remaining = deadline - nowMs;
  if (remaining > 0 && canStillAsk) {
    // A provider that said when to come back is asked then.
    const wait = Math.min(remaining, backoffMs(checks, RECHECK, check));
    const next: VerifyState = { ...state, checks };
    if (check.code) next.lastCode = check.code;
    else delete next.lastCode;
    return { final: false, nextCheckAt: new Date(nowMs + wait).toISOString(), state: next };
  }
  return {
    final: true,
    liveness: check.liveness,
    at,
    entries: [
      {
        type: 'task.verify_failed',
        data: { liveness: check.liveness, checks, ...(check.code ? { code: check.code } : {}) },
      },
    ],
  };
}

/** The verdict for a provider that cannot verify: recorded as unknown at once. */
export const CANNOT_VERIFY: Entry = {
  type: 'task.verify_failed',
  data: { liveness: 'unknown', reason: 'provider cannot verify' },
};
