/**
 * Per-provider admission: a token-bucket rate budget and a concurrency limit taken from the
 * provider's declared capabilities, a provider-wide pause when it says "slow down" (429 with
 * Retry-After: the limit applies to every call, not just the one refused), and a circuit breaker
 * that parks the provider's tasks while it is down.
 *
 * Budgets are per process: N consumer processes get N budgets. Set a provider's budget to its
 * limit divided by the replica count (the provider configs accept a `rateBudget` override).
 */
import type { Capabilities } from '../providers/port.js';
import { backoffCeilingMs } from '../util/backoff.js';

export type Admission =
  | { ok: true; release(result: 'success' | 'retriable' | 'permanent', retryAfterMs?: number): void }
  | { ok: false; deferMs: number; reason: 'rate_budget' | 'concurrency' | 'rate_limited' | 'circuit_open' };

export interface BreakerSettings {
  /** Consecutive retriable failures that open the circuit. */
  failureThreshold: number;
  /** First open period; doubles on each failed trial, up to maxOpenMs. */
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 5_000, maxOpenMs: 5 * 60_000 };

export class ProviderGate {
  private tokens: number;
  private refilledAt: number;
  private active = 0;
  private pausedUntil = 0;
  private failures = 0;
  private openUntil = 0;
  private openMs: number;
  private failedTrials = 0;
  private trialInFlight = false;

  constructor(
    private readonly budget: Capabilities['rateBudget'],
    private readonly breaker: BreakerSettings = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = budget.burst;
    this.refilledAt = now();
    this.openMs = breaker.openMs;
  }

  get state(): 'closed' | 'open' | 'half_open' {
    if (this.failures < this.breaker.failureThreshold) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half_open';
  }

  /** Waits up to `maxWaitMs` for a slot; past that, tells the caller how long to defer the task. */
  async acquire(maxWaitMs: number): Promise<Admission> {
    const started = this.now();
    for (;;) {
      const t = this.now();
      const state = this.state;
      if (state === 'open' || (state === 'half_open' && this.trialInFlight)) {
        return { ok: false, deferMs: Math.max(this.openUntil - t, 1000), reason: 'circuit_open' };
      }
      this.refill(t);
      let wait = 0;
      let reason: 'rate_budget' | 'concurrency' | 'rate_limited' = 'rate_budget';
      if (this.pausedUntil > t) {
        wait = this.pausedUntil - t;
        reason = 'rate_limited';
      } else if (this.tokens < 1) {
        wait = Math.ceil(((1 - this.tokens) / this.budget.perSecond) * 1000);
      } else if (this.active >= this.budget.concurrency) {
        wait = 10;
        reason = 'concurrency';
      }
      if (wait === 0) return this.take(state === 'half_open');
      if (t - started + wait > maxWaitMs) return { ok: false, deferMs: Math.max(wait, 50), reason };
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private take(trial: boolean): Admission {
    this.tokens -= 1;
    this.active++;
    if (trial) this.trialInFlight = true;
    let released = false;
    return {
      ok: true,
      release: (result, retryAfterMs) => {
        if (released) return;
        released = true;
        this.active--;
        if (trial) this.trialInFlight = false;
        if (retryAfterMs !== undefined && retryAfterMs > 0) {
          this.pausedUntil = Math.max(this.pausedUntil, this.now() + retryAfterMs);
        }
        if (result === 'retriable' && retryAfterMs === undefined) this.recordFailure(trial);
        else if (result !== 'retriable') this.recordSuccess();
      },
    };
  }

  private recordFailure(trial: boolean) {
    this.failures++;
    if (this.failures >= this.breaker.failureThreshold) {
      // The ceiling of the one backoff, without jitter: a random open period could probe sooner.
      if (trial) {
        this.failedTrials++;
        this.openMs = backoffCeilingMs(this.failedTrials + 1, {
          baseMs: this.breaker.openMs,
          capMs: this.breaker.maxOpenMs,
        });
      }
      this.openUntil = this.now() + this.openMs;
    }
  }

  private recordSuccess() {
    this.failures = 0;
    this.failedTrials = 0;
    this.openMs = this.breaker.openMs;
  }

  private refill(t: number) {
    const elapsed = (t - this.refilledAt) / 1000;
    this.tokens = Math.min(this.budget.burst, this.tokens + elapsed * this.budget.perSecond);
    this.refilledAt = t;
  }
}

/** One gate per provider instance, created on first use. */
export class Gates {
  private gates = new Map<string, ProviderGate>();
  constructor(private readonly breaker: BreakerSettings = DEFAULT_BREAKER) {}
  for(name: string, budget: Capabilities['rateBudget']): ProviderGate {
    let g = this.gates.get(name);
    if (!g) this.gates.set(name, (g = new ProviderGate(budget, this.breaker)));
    return g;
  }
  states(): Record<string, string> {
    return Object.fromEntries([...this.gates].map(([n, g]) => [n, g.state]));
  }
}
