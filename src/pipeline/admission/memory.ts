/**
 * In-process adapter of the shared admission port: the embedded default, where one process owns the
 * store (PGlite) and so all of the deployment's workers. The same state machine as the PostgreSQL
 * adapter's functions (src/store/admission-sql.ts, migration 9), step for step, so that the one
 * conformance suite (test/contract/admission-suite.ts) holds both to it.
 */
import { randomUUID } from 'node:crypto';
import { backoffCeilingMs } from '../../util/backoff.js';
import {
  CONCURRENCY_HINT_MS,
  DEFAULT_BREAKER,
  checkLaneLimits,
  retryAfter,
  TRIAL_HINT_MS,
  type BreakerSettings,
  type CallResult,
  type Grant,
  type LaneLimits,
  type LaneState,
  type SharedAdmission,
} from './port.js';

interface Lane {
  tokens: number;
  refilledAt: number;
  pausedUntil: number;
  failures: number;
  openUntil: number;
  openMs: number;
  failedTrials: number;
  /** The slot holding the half-open probe, until its first result (or its expiry). */
  trialSlot: string | null;
  /** Slot id → held until (ms). */
  slots: Map<string, number>;
}

export interface MemoryAdmissionOptions {
  breaker?: BreakerSettings;
  /** Milliseconds; injectable so tests drive time. */
  now?: () => number;
}

export class MemoryAdmission implements SharedAdmission {
  private readonly lanes = new Map<string, Lane>();
  private readonly breaker: BreakerSettings;
  private readonly now: () => number;

  constructor(opts: MemoryAdmissionOptions = {}) {
    this.breaker = opts.breaker ?? DEFAULT_BREAKER;
    this.now = opts.now ?? Date.now;
  }

  async tryAcquire(lane: string, limits: LaneLimits, _holder: string, holdMs: number): Promise<Grant> {
    checkLaneLimits(lane, limits, holdMs);
    const t = this.now();
    const l = this.lane(lane, limits, t);
    this.reclaim(l, t);
    const breaker = this.breakerOf(l, t);
    if (breaker === 'open') {
      return { ok: false, reason: 'circuit_open', retryInMs: Math.max(1, l.openUntil - t) };
    }
    if (breaker === 'half_open' && l.trialSlot !== null) {
      const until = l.slots.get(l.trialSlot) ?? t;
      return {
        ok: false,
        reason: 'circuit_open',
        retryInMs: Math.max(1, Math.min(TRIAL_HINT_MS, until - t)),
      };
    }
    this.refill(l, limits, t);
    if (l.pausedUntil > t) {
      return { ok: false, reason: 'rate_limited', retryInMs: Math.ceil(l.pausedUntil - t) };
    }
    if (l.tokens < 1) {
      return {
        ok: false,
        reason: 'rate_budget',
        retryInMs: Math.max(1, Math.ceil(((1 - l.tokens) / limits.perSecond) * 1000)),
      };
    }
    if (l.slots.size >= limits.concurrency) {
      const earliest = Math.min(...l.slots.values());
      return {
        ok: false,
        reason: 'concurrency',
        retryInMs: Math.max(1, Math.min(CONCURRENCY_HINT_MS, earliest - t)),
      };
    }
    const slot = randomUUID();
    l.tokens -= 1;
    l.slots.set(slot, t + holdMs);
    const trial = breaker === 'half_open';
    if (trial) l.trialSlot = slot;
    return { ok: true, slot, trial };
  }

  async charge(lane: string, limits: LaneLimits): Promise<void> {
    checkLaneLimits(lane, limits);
    const t = this.now();
    const l = this.lane(lane, limits, t);
    this.refill(l, limits, t);
    // At most one token of debt: the call happens anyway (its slot is held), and the next acquire
    // waits for the token it took.
    l.tokens = Math.max(l.tokens - 1, -1);
    return;
  }

  async renew(lane: string, slot: string, holdMs: number): Promise<boolean> {
    const t = this.now();
    const l = this.lanes.get(lane);
    const until = l?.slots.get(slot);
    if (!l || until === undefined || until <= t) return false;
    l.slots.set(slot, t + holdMs);
    return true;
  }

  async record(lane: string, slot: string, result: CallResult, retryAfterMs?: number): Promise<LaneState> {
    const t = this.now();
    const l = this.lanes.get(lane);
    if (l) this.result(l, this.isTrial(l, slot, t), result, retryAfter(retryAfterMs), t);
    return this.state(lane);
  }

  async release(
    lane: string,
    slot: string,
    result: CallResult | 'unused',
    retryAfterMs?: number,
  ): Promise<LaneState> {
    const t = this.now();
    const l = this.lanes.get(lane);
    if (l) {
      const trial = this.isTrial(l, slot, t);
      const held = l.slots.delete(slot);
      if (l.trialSlot === slot) l.trialSlot = null;
      // No call was made: its token goes back (the next refill clamps it to the burst), and a trial
      // slot gives the probe back untried.
      if (result === 'unused') {
        if (held) l.tokens += 1;
      } else {
        this.result(l, trial, result, retryAfter(retryAfterMs), t);
      }
    }
    return this.state(lane);
  }

  async state(lane: string): Promise<LaneState> {
    const t = this.now();
    const l = this.lanes.get(lane);
    if (!l) return { breaker: 'closed', probeInMs: null };
    // A read: expired slots are taken back by the next acquire, as in the SQL adapter.
    const breaker = this.breakerOf(l, t);
    let probeInMs: number | null = null;
    if (breaker === 'open') probeInMs = l.openUntil - t;
    else if (breaker === 'half_open') {
      const until = l.trialSlot === null ? undefined : l.slots.get(l.trialSlot);
      probeInMs = until === undefined || until <= t ? 0 : Math.min(TRIAL_HINT_MS, until - t);
    }
    return { breaker, probeInMs };
  }

  private lane(name: string, limits: LaneLimits, t: number): Lane {
    let l = this.lanes.get(name);
    if (!l) {
      l = {
        tokens: limits.burst,
        refilledAt: t,
        pausedUntil: 0,
        failures: 0,
        openUntil: 0,
        openMs: this.breaker.openMs,
        failedTrials: 0,
        trialSlot: null,
        slots: new Map(),
      };
      this.lanes.set(name, l);
    }
    return l;
  }

  private breakerOf(l: Lane, t: number): LaneState['breaker'] {
    if (l.failures < this.breaker.failureThreshold) return 'closed';
    return t < l.openUntil ? 'open' : 'half_open';
  }

  /** Slots past their hold are free again; a trial whose slot expired is given back untried. */
  private reclaim(l: Lane, t: number) {
    for (const [slot, until] of l.slots) if (until <= t) l.slots.delete(slot);
    if (l.trialSlot !== null && !l.slots.has(l.trialSlot)) l.trialSlot = null;
  }

  private refill(l: Lane, limits: LaneLimits, t: number) {
    const elapsed = Math.max(0, t - l.refilledAt) / 1000;
    l.tokens = Math.min(limits.burst, l.tokens + elapsed * limits.perSecond);
    l.refilledAt = t;
  }

  /** The slot holds the probe: it is the trial slot and has not expired (else its trial was lost). */
  private isTrial(l: Lane, slot: string, t: number): boolean {
    return l.trialSlot === slot && (l.slots.get(slot) ?? t) > t;
  }

  private result(l: Lane, trial: boolean, result: CallResult, retryAfterMs: number | undefined, t: number) {
    // The probe's outcome is its first result; later calls in the same slot are ordinary calls.
    if (trial) l.trialSlot = null;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      l.pausedUntil = Math.max(l.pausedUntil, t + retryAfterMs);
    }
    if (result === 'retriable' && retryAfterMs === undefined) {
      l.failures++;
      if (l.failures >= this.breaker.failureThreshold) {
        // The ceiling of the one backoff, without jitter: a random open period could probe sooner.
        if (trial) {
          l.failedTrials++;
          l.openMs = backoffCeilingMs(l.failedTrials + 1, {
            baseMs: this.breaker.openMs,
            capMs: this.breaker.maxOpenMs,
          });
        }
        l.openUntil = t + l.openMs;
      }
    } else if (result !== 'retriable') {
      l.failures = 0;
      l.failedTrials = 0;
      l.openMs = this.breaker.openMs;
    }
  }
}

/** The embedded default: one adapter for the process, breaker settings as configured. */
export function memoryAdmission(opts?: MemoryAdmissionOptions): SharedAdmission {
  return new MemoryAdmission(opts);
}
