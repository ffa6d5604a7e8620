/**
 * The provider calls of one attempt, metered by its lane's admission. The lane acquired a slot and
 * one token before it claimed the task; the first call spends that token, and any further call of
 * the same attempt (execute after a pre-check, the first verification check) is charged to the
 * budget at once rather than waited for: the attempt already holds its slot, and waiting there is
 * what let one slow lane hold a worker. Every call's result reaches the breaker and the pause.
 */
import { coerceError } from '../errors.js';
import { inSpan, SpanKind } from '../observe/tracing.js';
import type { LaneLimits, SharedAdmission } from './admission/port.js';

/** What a provider call does: act on the credential, or check whether it still works. */
export type ProviderOp = 'execute' | 'verify';

export interface LaneCalls {
  call<T>(fn: () => Promise<T>, op: ProviderOp): Promise<T>;
}

/**
 * One provider call in a `provider.call` span: the instance and the operation, and on failure the
 * error's code. Nothing of what was sent or answered: that may hold the token.
 */
export function tracedCall<T>(provider: string, op: ProviderOp, fn: () => Promise<T>): Promise<T> {
  const attributes = { 'tourniquet.provider': provider, 'tourniquet.provider.operation': op };
  return inSpan('provider.call', { kind: SpanKind.CLIENT, attributes }, fn);
}

/** Calls that no budget meters (a provider without a rate budget, or none configured). */
export function unmetered(provider: string): LaneCalls {
  return { call: (fn, op) => tracedCall(provider, op, fn) };
}

/**
 * The bucket a slot is admitted from: the provider's budget held `concurrency` tokens short of its
 * burst. A slot's second call (verify, then execute) is charged into debt, at most one per slot
 * in flight; with that reserve held back, even those calls stay within the provider's own bucket,
 * which otherwise answered 429 at its edge when our budget equalled its limit (hol-slow,
 * BENCHMARKS.md). The sustained rate is the provider's; only the first burst is smaller.
 */
export function slotLimits(budget: LaneLimits): LaneLimits {
  return { ...budget, burst: Math.max(1, budget.burst - budget.concurrency) };
}

/**
 * Work outside a lane's queue (an operator's run-now, a drift check) under the lane's admission:
 * one slot and token are taken first, `fn` calls through them, the slot is always given back.
 * Null when the budget says wait: the caller decides what waiting means for it.
 */
export async function withAdmission<T>(
  admission: SharedAdmission,
  lane: string,
  limits: LaneLimits,
  holder: string,
  holdMs: number,
  fn: (calls: LaneCalls) => Promise<T>,
): Promise<{ value: T } | null> {
  const bucket = slotLimits(limits);
  const grant = await admission.tryAcquire(lane, bucket, holder, holdMs);
  if (!grant.ok) return null;
  try {
    return { value: await fn(new SlotCalls(admission, lane, bucket)) };
  } finally {
    await admission.release(lane, grant.slot);
  }
}

export class SlotCalls implements LaneCalls {
  constructor(
    private readonly admission: SharedAdmission,
    private readonly lane: string,
    private readonly limits: LaneLimits,
    /** True when no token was taken for the first call (work that holds no slot of this lane). */
    private used = false,
  ) {}

  async call<T>(fn: () => Promise<T>, op: ProviderOp): Promise<T> {
    if (this.used) await this.admission.charge(this.lane, this.limits);
    this.used = true;
    let result: T;
    try {
      result = await tracedCall(this.lane, op, fn);
    } catch (e) {
      const err = coerceError(e);
      await this.admission.record(this.lane, err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
      throw e;
    }
    await this.admission.record(this.lane, 'success');
    return result;
  }
}
