/**
 * The scheduler republishes tasks whose delayed retry is due, planned tasks whose message was lost,
 * and running tasks whose lease expired (their process died). It never executes anything itself:
 * execution always goes through the task topic, so per-credential ordering holds.
 *
 * Now and then it also marks done the plans whose last tasks finished concurrently, which the
 * per-task completion check can miss on PostgreSQL (each transaction saw the other task open).
 */
import { now, type PipelineDeps } from './deps.js';
import { taskMessage } from './dispatch.js';
import { runEvery } from '../util/every.js';

/** How often the plan sweep runs: it only repairs a rare race, so it need not be prompt. */
const PLAN_SWEEP_MS = 30_000;

export function startScheduler(deps: PipelineDeps, onError: (e: unknown) => void): { stop(): Promise<void> } {
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
  let first = true;
  const tick = async () => {
    await sweepPlans();
    const stale = first ? 0 : staleSeconds;
    first = false;
    const due = await deps.store.dueTasks(now(deps), 500, stale);
    if (due.length === 0) return;
    // Publish first: a crash before the mark only causes a duplicate message, which claims refuse.
    await deps.bus.publish('tasks', due.map(taskMessage));
    await deps.store.markRepublished(
      due.map((t) => t.id),
      now(deps),
      stale,
    );
  };
  return runEvery(deps.config.retry.schedulerIntervalMs, tick, onError);
}
