/**
 * Fencing and lease renewal for one attempt.
 *
 * A claim gives the attempt a lease (until when it owns the task) and a fencing token (the task's
 * lease generation). Past the lease, the scheduler republishes the task and another worker may claim
 * it, which increments the generation: from then on everything the old attempt would write (finish,
 * defer, renew) names a stale token and is refused by the store, so it can never overwrite the new
 * owner's outcome.
 *
 * An attempt that is alive but slow (a verification window longer than the lease, a wait for the
 * provider's budget) keeps its lease by renewing it, fenced as well, every third of the lease. A
 * renewal refused means the task has a new owner: the attempt's signal aborts, so its provider calls
 * and verification stop. A hung call must not hold a task forever, so renewal stops after `maxHoldMs`;
 * the lease then expires and the task is recovered as interrupted. A worker that cannot beat
 * (src/pipeline/presence.ts) stops its attempts the same way, before the others take them over.
 */
import type { Task } from '../../schemas/plan.js';
import { coerceError, TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LeaseToken, Store } from '../store/port.js';

/** What a keeper needs (a subset of the pipeline's deps, named here to keep deps.ts free of cycles). */
export interface LeaseDeps {
  store: Pick<Store, 'renewLease'>;
  clock: () => Date;
  logger: Logger;
  config: { retry: { leaseMs: number } };
  /** This worker's presence (src/pipeline/presence.ts): its signal aborts when it cannot beat. */
  presence?: { readonly signal: AbortSignal };
}

/** One claimed attempt at a task: what it may write is fenced by `lease`. */
export interface Attempt {
  task: Task;
  lease: LeaseToken;
  keeper: LeaseKeeper;
}

export class LeaseKeeper {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private stopped = false;
  private renewing: Promise<void> = Promise.resolve();
  private unfence: () => void = () => undefined;

  constructor(
    private readonly deps: LeaseDeps,
    private readonly taskId: string,
    private readonly lease: LeaseToken,
    private readonly maxHoldMs: number,
  ) {
    const leaseMs = deps.config.retry.leaseMs;
    this.timer = setInterval(
      () => {
        this.renewing = this.renewing.then(() => this.renew(leaseMs));
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    this.timer.unref();
    // A worker that cannot reach the store may be presumed dead and its tasks taken over: its
    // attempts stop as if their leases were lost.
    const fence = deps.presence?.signal;
    if (fence) {
      const onFence = () => this.controller.abort(fence.reason);
      if (fence.aborted) onFence();
      else {
        fence.addEventListener('abort', onFence, { once: true });
        this.unfence = () => fence.removeEventListener('abort', onFence);
      }
    }
  }

  /** Aborts once the lease is lost: pass it to every call the attempt makes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.controller.signal.aborted;
  }

  /** Stops renewing (the attempt is about to write its outcome, or gave the task back). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unfence();
    await this.renewing;
  }

  private async renew(leaseMs: number): Promise<void> {
    if (this.stopped) return;
    if (Date.now() - this.started > this.maxHoldMs) {
      clearInterval(this.timer);
      this.deps.logger.warn(
        { task: this.taskId },
        'attempt outlived its longest bound; lease left to expire',
      );
      return;
    }
    const at = this.deps.clock();
    const until = new Date(at.getTime() + leaseMs).toISOString();
    let held: boolean;
    try {
      held = await this.deps.store.renewLease(this.taskId, this.lease, until, at.toISOString());
    } catch (e) {
      // The store is unreachable: the lease may expire; the fence still protects the outcome.
      this.deps.logger.warn({ task: this.taskId, code: coerceError(e).code }, 'lease renewal failed');
      return;
    }
    if (held || this.stopped) return;
    clearInterval(this.timer);
    this.controller.abort(
      new TourniquetError('LEASE_LOST', `task ${this.taskId}: another attempt owns it now`),
    );
  }
}
