/**
 * The provider calls of one attempt, metered by its lane's admission. The lane acquired a slot and
 * one token before it claimed the task; the first call spends that token, and any further call of
 * the same attempt (execute after a pre-check, the first verification check) is charged to the
 * budget at once rather than waited for: the attempt already holds its slot, and waiting there is
 * what let one slow lane hold a worker. Every call's result reaches the breaker and the pause.
 */
import { coerceError } from '../errors.js';
import type { LaneLimits, SharedAdmission } from './admission/port.js';

export interface LaneCalls {
  call<T>(fn: () => Promise<T>): Promise<T>;
}

export class SlotCalls implements LaneCalls {
  constructor(
    private readonly admission: SharedAdmission,
    private readonly lane: string,
    private readonly limits: LaneLimits,
    /** True when no token was taken for the first call (work that holds no slot of this lane). */
    private used = false,
  ) {}

  async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.used) await this.admission.charge(this.lane, this.limits);
    this.used = true;
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      const err = coerceError(e);
      await this.admission.record(this.lane, err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
      throw e;
    }
    await this.admission.record(this.lane, 'success');
    return result;
  }
}
