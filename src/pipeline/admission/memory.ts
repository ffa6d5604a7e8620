/**
 * In-process admission (the embedded default: one process, so one budget). A token bucket per
 * lane, a concurrency count with slots that expire (a slot whose holder never released it), a
 * provider-wide pause after Retry-After, and a breaker that opens after consecutive retriable
 * failures and lets one trial through when half-open, its open period doubling per failed trial.
 */
import { randomUUID } from 'node:crypto';
import { backoffCeilingMs } from '../../util/backoff.js';
import {
  DEFAULT_BREAKER,
  type BreakerSettings,
  type BreakerView,
  type CallResult,
  type Grant,
  type LaneLimits,
  type SharedAdmission,
} from './port.js';

interface LaneState {
  tokens: number;
  refilledAt: number;
  /** Slot id → when it expires. */
  slots: Map<string, number>;
  pausedUntil: number;
  failures: number;
  openUntil: number;
  openMs: number;
  failedTrials: number;
  trial: string | null;
}

/** How soon to ask again when every slot is taken: a local release wakes the lane sooner. */
const CONCURRENCY_RETRY_MS = 50;
/** How soon to ask again while the half-open probe is out. */
const TRIAL_RETRY_MS = 1_000;

export class MemoryAdmission implements SharedAdmission {
  private readonly lanes = new Map<string, LaneState>();

  constructor(
    private readonly breaker: BreakerSettings = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  tryAcquire(lane: string, limits: LaneLimits, _holder: string, holdMs: number): Promise<Grant> {
    const s = this.lane(lane, limits);
    const t = this.now();
    this.refill(s, limits, t);
    for (const [id, until] of s.slots) if (until <= t) this.drop(s, id);
    const breaker = this.breakerOf(s, t);
    if (breaker === 'open') return refuse('circuit_open', Math.max(s.openUntil - t, CONCURRENCY_RETRY_MS));
    // The probe is out: its verdict decides (a local release wakes the lane sooner).
    if (breaker === 'half_open' && s.trial !== null) return refuse('circuit_open', TRIAL_RETRY_MS);
    if (s.pausedUntil > t) return refuse('rate_limited', s.pausedUntil - t);
    if (s.tokens < 1) return refuse('rate_budget', Math.ceil(((1 - s.tokens) / limits.perSecond) * 1000));
    if (s.slots.size >= limits.concurrency) return refuse('concurrency', CONCURRENCY_RETRY_MS);
    s.tokens -= 1;
    const slot = randomUUID();
    s.slots.set(slot, t + holdMs);
    const trial = breaker === 'half_open';
    if (trial) s.trial = slot;
    return Promise.resolve({ ok: true, slot, trial });
  }

  charge(lane: string, limits: LaneLimits): Promise<void> {
    const s = this.lane(lane, limits);
    this.refill(s, limits, this.now());
    s.tokens -= 1;
    return Promise.resolve();
  }

  record(lane: string, result: CallResult, retryAfterMs?: number): Promise<void> {
    const s = this.lanes.get(lane);
    if (!s) return Promise.resolve();
    const t = this.now();
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      // "Slow down" applies to every call at the provider, and says nothing about its health.
      s.pausedUntil = Math.max(s.pausedUntil, t + retryAfterMs);
    } else if (result === 'retriable') {
      this.failure(s, t);
    } else {
      s.failures = 0;
      s.failedTrials = 0;
      s.openMs = this.breaker.openMs;
      s.trial = null;
    }
    return Promise.resolve();
  }

  renew(lane: string, slot: string, holdMs: number): Promise<boolean> {
    const s = this.lanes.get(lane);
    const until = s?.slots.get(slot);
    if (!s || until === undefined || until <= this.now()) return Promise.resolve(false);
    s.slots.set(slot, this.now() + holdMs);
    return Promise.resolve(true);
  }

  release(lane: string, slot: string): Promise<void> {
    const s = this.lanes.get(lane);
    if (s) this.drop(s, slot);
    return Promise.resolve();
  }

  state(lane: string): Promise<BreakerView> {
    const s = this.lanes.get(lane);
    if (!s) return Promise.resolve({ breaker: 'closed', probeAtMs: null });
    const breaker = this.breakerOf(s, this.now());
    return Promise.resolve({ breaker, probeAtMs: breaker === 'closed' ? null : s.openUntil });
  }

  states(): Record<string, BreakerView['breaker']> {
    const t = this.now();
    return Object.fromEntries([...this.lanes].map(([name, s]) => [name, this.breakerOf(s, t)]));
  }

  private lane(name: string, limits: LaneLimits): LaneState {
    let s = this.lanes.get(name);
    if (!s) {
      s = {
        tokens: limits.burst,
        refilledAt: this.now(),
        slots: new Map(),
        pausedUntil: 0,
        failures: 0,
        openUntil: 0,
        openMs: this.breaker.openMs,
        failedTrials: 0,
        trial: null,
      };
      this.lanes.set(name, s);
    }
    return s;
  }

  private drop(s: LaneState, slot: string) {
    s.slots.delete(slot);
    // A trial that ended without a result (its task was given back) leaves the next probe free.
    if (s.trial === slot) s.trial = null;
  }

  private failure(s: LaneState, t: number) {
    s.failures++;
    if (s.failures < this.breaker.failureThreshold) return;
    if (s.trial !== null) {
      // The probe failed: stay open longer. The ceiling of the one backoff, without jitter: a
      // random open period could probe sooner than the interval promises.
      s.failedTrials++;
      s.openMs = backoffCeilingMs(s.failedTrials + 1, {
        baseMs: this.breaker.openMs,
        capMs: this.breaker.maxOpenMs,
      });
      s.trial = null;
    }
    s.openUntil = t + s.openMs;
  }

  private breakerOf(s: LaneState, t: number): BreakerView['breaker'] {
    if (s.failures < this.breaker.failureThreshold) return 'closed';
    return t < s.openUntil ? 'open' : 'half_open';
  }

  private refill(s: LaneState, limits: LaneLimits, t: number) {
    const elapsed = (t - s.refilledAt) / 1000;
    s.tokens = Math.min(limits.burst, s.tokens + elapsed * limits.perSecond);
    s.refilledAt = t;
  }
}

function refuse(reason: Exclude<Grant, { ok: true }>['reason'], retryInMs: number): Promise<Grant> {
  return Promise.resolve({ ok: false, reason, retryInMs });
}
