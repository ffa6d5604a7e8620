/**
 * The scheduler republishes tasks whose delayed retry is due, planned tasks whose message was lost,
 * and running tasks whose lease expired (their process died). It never executes anything itself:
 * execution always goes through the task topic, so per-credential ordering holds.
 *
 * Now and then it also marks done the plans whose last tasks finished concurrently, which the
 * per-task completion check can miss on PostgreSQL (each transaction saw the other task open).
 */
import { now, type PipelineDeps } from './deps.js';
import { taskKey, taskMessage } from './dispatch.js';
import { runEvery } from '../util/every.js';

/** How often the plan sweep runs: it only repairs a rare race, so it need not be prompt. */
const PLAN_SWEEP_MS = 30_000;
/** Tasks republished per tick. */
const BATCH = 500;

export interface Scheduler {
  stop(): Promise<void>;
  /**
   * The next tick republishes every waiting task, as the first one does: a worker died (its lane
   * queues are lost with it) and what it had queued is known nowhere else.
   */
  republishWaiting(): void;
}

export function startScheduler(deps: PipelineDeps, onError: (e: unknown) => void): Scheduler {
  const staleSeconds = Math.ceil(deps.config.retry.republishAfterMs / 1000);
  let sweptAt = 0;
  const sweepPlans = async () => {
    const t = deps.clock().getTime();
    if (t - sweptAt < PLAN_SWEEP_MS) return;
    sweptAt = t;
    // Plans touched within the last few seconds may still have a finish in flight.
    const before = new Date(t - 5_000).toISOString();
    const done = await deps.store.completeFinishedPlans(now(deps), before, 1_000);
    if (done.length > 0) deps.logger.info({ plans: done.length }, 'plans marked done by the sweep');
  };
  // The first tick after a start republishes every waiting task at once: tasks routed into a lane
  // but not claimed when the last process stopped are `planned` with no due time, and would
  // otherwise wait `republishAfterMs`. A task another worker holds is refused by its claim.
  // Until every task waiting since `cutoff` is republished, a tick takes them all (500 at a time):
  // the ones it republishes are touched, so they fall after the cutoff and are not taken twice.
  let cutoff: number | null = deps.clock().getTime();
  const tick = async () => {
    await sweepPlans();
    const t = deps.clock().getTime();
    const stale = cutoff === null ? staleSeconds : Math.max(0, (t - cutoff) / 1000);
    const due = await deps.store.dueTasks(new Date(t).toISOString(), BATCH, stale);
    const catchUp = cutoff !== null;
    if (due.length < BATCH) cutoff = null;
    if (due.length === 0) return;
    // Publish first: a crash before the mark only causes a duplicate message, which claims refuse.
    // Catching up goes straight into this process's lanes: on Kafka, a dead worker's partitions
    // (and the messages waiting in them) move only after the session timeout, and this worker is
    // alive now. A message for the same task that arrives later is refused by its claim.
    if (catchUp && deps.dispatch)
      await deps.dispatch(due.map((d) => ({ taskId: d.id, key: taskKey(d), provider: d.provider })));
    else await deps.bus.publish('tasks', due.map(taskMessage));
    await deps.store.markRepublished(
      due.map((d) => d.id),
      now(deps),
      stale,
    );
  };
  const timer = runEvery(deps.config.retry.schedulerIntervalMs, tick, onError);
  return {
    stop: () => timer.stop(),
    republishWaiting: () => {
      cutoff = deps.clock().getTime();
    },
  };
}
