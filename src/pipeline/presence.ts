/**
 * Worker presence: this process's heartbeat in the store, the reaping of workers that stopped
 * beating, and self-fencing.
 *
 * Why. A worker that dies holds leases (its running tasks), admission slots (the cluster's shared
 * concurrency) and an in-memory lane queue. Leases and slots expire on their own only after a full
 * lease (60 s), and a queued task only after the republish delay (30 s): a SIGKILLed worker cost
 * the survivor 55 s without a single provider call (BENCHMARKS.md, scale-out). With a heartbeat,
 * every worker reaps the silent ones every beat (src/store/workers-sql.ts): their slots are freed
 * and their leases cut, and then the scheduler republishes every waiting task at once, as it does
 * at start, since what the dead worker had queued in memory is known nowhere else. A task another
 * worker holds or has queued is refused by its claim or skipped by its lane, so a republish costs
 * a claim at most.
 *
 * Self-fencing. A worker that cannot beat (its store is unreachable, or it was paused) must stop
 * calling providers before the others could take its tasks over: past half the dead-after bound
 * without a beat it aborts `signal`, which every attempt's lease keeper listens to, and takes a
 * fresh signal once it beats again. Others reap it only after the whole bound, measured from a
 * beat that reached the store, so by then it has let go. Correctness never rests on this alone:
 * every write of an attempt is fenced by its lease generation (src/pipeline/lease.ts).
 */
import { randomUUID } from 'node:crypto';
import { coerceError, TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Reaped, Store } from '../store/port.js';

export interface PresenceDeps {
  store: Pick<Store, 'beatWorker' | 'reapWorkers' | 'retireWorker'>;
  logger: Logger;
  clock: () => Date;
  config: { retry: { workerDeadAfterMs: number } };
}

export class Presence {
  readonly id = randomUUID();
  private controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private busy = false;
  /** When the last beat that reached the store was sent (monotonic ms). */
  private lastBeat = 0;

  constructor(
    private readonly deps: PresenceDeps,
    private readonly onReaped: (r: Reaped) => void = () => undefined,
  ) {}

  /** Aborts while this worker may be presumed dead by the others: attempts stop calling providers. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Beats once (a start fails if the store cannot be reached), then every quarter of the bound. */
  async start(): Promise<void> {
    await this.beat();
    const every = Math.max(250, Math.floor(this.deps.config.retry.workerDeadAfterMs / 4));
    this.timer = setInterval(() => {
      this.fenceIfSilent();
      // A beat still in flight (a hung store): this tick only checks the fence.
      if (this.busy) return;
      this.busy = true;
      this.tick = this.round().finally(() => (this.busy = false));
    }, every);
    this.timer.unref();
  }

  /** After the lanes drained: leaves the cluster, so nobody waits for this worker's silence. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
    await this.deps.store
      .retireWorker(this.id)
      .catch((e: unknown) =>
        this.deps.logger.warn({ code: coerceError(e).code }, 'worker not retired; it is reaped once silent'),
      );
  }

  private async beat(): Promise<void> {
    const sent = performance.now();
    await this.deps.store.beatWorker(this.id);
    this.lastBeat = sent;
    if (this.controller.signal.aborted) {
      this.controller = new AbortController();
      this.deps.logger.warn({ worker: this.id }, 'worker beats again; taking new attempts');
    }
  }

  private async round(): Promise<void> {
    try {
      await this.beat();
    } catch (e) {
      this.deps.logger.warn({ worker: this.id, code: coerceError(e).code }, 'worker heartbeat failed');
      return;
    }
    const deadAfterMs = this.deps.config.retry.workerDeadAfterMs;
    try {
      const r = await this.deps.store.reapWorkers(deadAfterMs, this.deps.clock().toISOString());
      if (r.workers.length === 0) return;
      this.deps.logger.warn(
        { workers: r.workers, slots: r.slots, tasks: r.tasks },
        'workers stopped beating: their leases and slots are taken over',
      );
      this.onReaped(r);
    } catch (e) {
      this.deps.logger.warn({ code: coerceError(e).code }, 'reaping silent workers failed');
    }
  }

  private fenceIfSilent(): void {
    if (this.controller.signal.aborted) return;
    const silentMs = performance.now() - this.lastBeat;
    if (silentMs <= this.deps.config.retry.workerDeadAfterMs / 2) return;
    this.deps.logger.error(
      { worker: this.id, silentMs: Math.round(silentMs) },
      'worker cannot beat: its attempts stop until it beats again',
    );
    this.controller.abort(
      new TourniquetError(
        'LEASE_LOST',
        `worker ${this.id} has not reached the store for ${Math.round(silentMs)} ms`,
      ),
    );
  }
}
