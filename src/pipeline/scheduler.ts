/**
 * The scheduler republishes tasks whose delayed retry is due, planned tasks whose message was lost,
 * and running tasks whose lease expired (their process died). It never executes anything itself:
 * execution always goes through the task topic, so per-credential ordering holds.
 */
import { now, type PipelineDeps } from './deps.js';
import { taskMessage } from './triggers.js';

export function startScheduler(deps: PipelineDeps, onError: (e: unknown) => void): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const staleSeconds = Math.ceil(deps.config.retry.republishAfterMs / 1000);
  const tick = async () => {
    const due = await deps.store.dueTasks(now(deps), 500, staleSeconds);
    if (due.length === 0) return;
    // Publish first: a crash before the mark only causes a duplicate message, which claims refuse.
    await deps.bus.publish('tasks', due.map(taskMessage));
    await deps.store.markRepublished(
      due.map((t) => t.id),
      now(deps),
      staleSeconds,
    );
  };
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(tick).catch(onError);
  }, deps.config.retry.schedulerIntervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
