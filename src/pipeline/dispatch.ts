/**
 * How runnable tasks reach a lane. The store already holds each task durably before this runs, and
 * a task routed but not claimed is republished if its worker dies (src/pipeline/lanes.ts), so the
 * task topic's durable hop buys no safety: for a small batch it is only latency (a produce, or an
 * fsync of the local log, and a consumer round trip). Small batches go straight into this
 * process's lanes; large ones (a fan-out) go through the topic, which spreads them over the
 * workers of the consumer group.
 */
import type { Task } from '../../schemas/plan.js';
import type { OutMessage } from '../bus/port.js';
import type { PipelineDeps } from './deps.js';
import { publishTraced, traceHeaders } from '../observe/trace-context.js';

/** The largest batch routed in process. */
export const LOCAL_DISPATCH_MAX = 32;

type Runnable = Pick<Task, 'id' | 'credentialId' | 'fingerprint' | 'provider'>;

export async function dispatchTasks(deps: PipelineDeps, tasks: readonly Runnable[]): Promise<void> {
  if (tasks.length === 0) return;
  if (deps.dispatch && tasks.length <= LOCAL_DISPATCH_MAX) {
    // The trace context travels with the routed task, as it would in the message's headers.
    const trace = traceHeaders();
    await deps.dispatch(tasks.map((t) => ({ taskId: t.id, key: taskKey(t), provider: t.provider, trace })));
    return;
  }
  // The trigger's trace context travels in the headers, so the task's execution joins its trace.
  await publishTraced(deps, 'tasks', tasks.map(taskMessage));
}

/** Keyed by credential so that one credential's tasks stay in order (one partition, one lane key). */
export const taskKey = (t: Pick<Task, 'id' | 'credentialId' | 'fingerprint'>) =>
  t.credentialId ?? t.fingerprint ?? t.id;

/**
 * A task's wake-up. Published by dispatch with the trigger's trace context; one the scheduler
 * republishes has none, so the task's later run is a trace of its own.
 */
export function taskMessage(t: Pick<Task, 'id' | 'credentialId' | 'fingerprint' | 'provider'>): OutMessage {
  // The provider names the lane it runs in (src/pipeline/lanes.ts), so routing needs no store read.
  return {
    key: taskKey(t),
    value: JSON.stringify({ taskId: t.id, provider: t.provider }),
  };
}
