/**
 * Dead letters: tasks whose provider error was permanent or whose retries ran out. An operator
 * lists them with their attempt history and retries them once the cause is fixed; a retry gets a
 * fresh retry budget and is audited.
 */
import type { AuditRecord } from '../../schemas/audit.js';
import type { Task } from '../../schemas/plan.js';
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from './deps.js';
import { dispatchTasks } from './dispatch.js';

export interface DeadLetter {
  task: Task;
  history: Pick<AuditRecord, 'seq' | 'at' | 'type' | 'data'>[];
}

const HISTORY = new Set(['task.attempt', 'task.retry_scheduled', 'task.dead_lettered', 'dlq.retried']);

export async function listDeadLetters(deps: Pick<PipelineDeps, 'store'>, limit = 500): Promise<DeadLetter[]> {
  const tasks = await deps.store.listTasks({ statuses: ['dead_lettered'], limit });
  return Promise.all(
    tasks.map(async (task) => ({
      task,
      history: (await deps.store.listAudit({ taskId: task.id, limit: 200 }))
        .filter((r) => HISTORY.has(r.type))
        .map(({ seq, at, type, data }) => ({ seq, at, type, data })),
    })),
  );
}

export async function retryDeadLetters(
  ids: readonly string[] | 'all',
  operator: string,
  deps: PipelineDeps,
  reason?: string,
) {
  const targets =
    ids === 'all' ? (await deps.store.listTasks({ statuses: ['dead_lettered'] })).map((t) => t.id) : ids;
  if (targets.length === 0) return { retried: [] as string[] };
  const at = now(deps);
  const { retried, records } = await deps.store.transaction(async (tx) => {
    const done: Task[] = [];
    for (const id of targets) {
      if (await tx.requeueDeadLetter(id, at)) done.push((await tx.getTask(id))!.task);
      else if (ids !== 'all') throw new TourniquetError('CONFLICT', `task ${id} is not dead-lettered`);
    }
    // Follow-ups that gave up because this task had failed wait for it again.
    done.push(
      ...(await tx.requeueFollowUps(
        done.map((t) => t.id),
        at,
      )),
    );
    const recs = await tx.appendAudit(
      done.map((t) => ({
        type: 'dlq.retried' as const,
        actor: operator,
        triggerId: t.triggerId,
        planId: t.planId,
        taskId: t.id,
        credentialId: t.credentialId,
        data: { operator, lastError: t.lastError?.code ?? '', ...(reason ? { reason } : {}) },
      })),
      at,
    );
    return { retried: done, records: recs };
  });
  await deps.onAudit?.(records);
  await dispatchTasks(deps, retried);
  return { retried: retried.map((t) => t.id) };
}
