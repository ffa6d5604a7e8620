/**
 * How an attempt ends: its outcome written in one transaction with the credential and the audit
 * records, or the task given back for later (deferred). Both are fenced by the attempt's lease
 * token: an attempt that lost its task to a later claim writes nothing, and that refusal is logged
 * and audited as `task.attempt_fenced` (src/pipeline/lease.ts).
 */
import type { AuditEntry } from '../../schemas/audit.js';
import {
  FINAL_TASK_STATUSES,
  GATES_LATER_PHASE_FLAG,
  OLD_VALUE_FLAG,
  type Task,
  type TaskError,
} from '../../schemas/plan.js';
import type { TourniquetError } from '../errors.js';
import type { FinishedTask, TaskFinish } from '../store/port.js';
import { now, type PipelineDeps } from './deps.js';
import type { Attempt } from './lease.js';
import { nextRetry } from './retry.js';

export type Finish = TaskFinish & { audit?: AuditEntry['type'] };

export function refs(t: Task) {
  return { triggerId: t.triggerId, planId: t.planId, taskId: t.id, credentialId: t.credentialId };
}

export function taskError(e: TourniquetError): TaskError {
  return {
    code: e.code,
    message: e.message,
    retriable: e.retriable,
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
  };
}

export function deadLetter(e: TourniquetError): Finish {
  return { status: 'dead_lettered', lastError: taskError(e), audit: 'task.dead_lettered' };
}

/** A failed call: a delayed retry (the one backoff, src/util/backoff.ts), or a dead letter. */
export function failure(task: Task, e: TourniquetError, deps: PipelineDeps): Finish {
  if (!e.retriable) return deadLetter(e);
  const age = deps.clock().getTime() - Date.parse(task.retryWindowStartedAt);
  const d = nextRetry(deps.config.retry, task.attempts, age, e.retryAfterMs);
  if (!d.retry)
    return { ...deadLetter(e), lastError: { ...taskError(e), message: `${e.message} (${d.reason})` } };
  return {
    status: 'planned',
    lastError: taskError(e),
    nextAttemptAt: new Date(deps.clock().getTime() + d.delayMs).toISOString(),
    audit: 'task.retry_scheduled',
  };
}

/** Thrown inside the finishing transaction to roll back the credential update of a stale attempt. */
class Fenced extends Error {}

export async function finish(
  attempt: Attempt,
  f: Finish,
  deps: PipelineDeps,
  actor: string,
  extra: AuditEntry[] = [],
  newProviderId?: string,
): Promise<Task | null> {
  const { task } = attempt;
  await attempt.keeper.stop();
  const at = now(deps);
  const entries: AuditEntry[] = [...extra];
  if (f.audit) {
    entries.push({
      type: f.audit,
      actor,
      ...refs(task),
      data: {
        code: f.lastError?.code ?? '',
        retriable: f.lastError?.retriable ?? false,
        nextAttemptAt: f.nextAttemptAt ?? null,
        attempt: task.attempts,
      },
    });
  }
  let finished: FinishedTask;
  try {
    finished = await deps.store.transaction(async (tx) => {
      // The credential first: finishTask returns it as observers should see it.
      // A step that kills a rotated credential's old value leaves the record (now the new value) alone.
      if (f.status === 'succeeded' && task.credentialId && !task.flags.includes(OLD_VALUE_FLAG)) {
        await tx.updateCredential(
          task.credentialId,
          task.action === 'rotate'
            ? {
                status: 'rotated',
                // The record now names the new value: the old value's fingerprint no longer matches it.
                ...(newProviderId !== undefined ? { providerId: newProviderId, clearFingerprint: true } : {}),
              }
            : { status: 'revoked' },
        );
      }
      const done = await tx.finishTask(task.id, f, at, attempt.lease);
      // Not ours any more: roll the credential update back too; nothing of this attempt is kept.
      if (!done) throw new Fenced();
      // Its follow-ups' grace period starts now.
      if (f.status === 'succeeded') await tx.releaseFollowUps(task.id, at);
      // The last open task of the plan's first phase: the rest of the plan may run now.
      if (FINAL_TASK_STATUSES.includes(f.status) && task.flags.includes(GATES_LATER_PHASE_FLAG))
        await tx.releaseLaterPhase(task.planId, at);
      await tx.completePlanIfDone(task.planId, at);
      await tx.recordAudit(entries, at);
      return done;
    });
  } catch (e) {
    if (!(e instanceof Fenced)) throw e;
    await fenced(attempt, 'finish', f.status, deps, actor);
    return null;
  }
  if (deps.events) report(finished, f, deps);
  return finished.task;
}

/** Gives the task back until `until` without counting the attempt; fenced like a finish. */
export async function defer(
  attempt: Attempt,
  until: string,
  deps: PipelineDeps,
  actor: string,
  reason: string,
): Promise<null> {
  await attempt.keeper.stop();
  if (await deps.store.deferTask(attempt.task.id, until, now(deps), attempt.lease)) {
    deps.logger.debug({ task: attempt.task.id, reason, until }, 'task deferred');
  } else {
    await fenced(attempt, 'defer', 'planned', deps, actor);
  }
  return null;
}

/** A stale attempt's write was refused: say so in the log and the trail; the new owner's stands. */
async function fenced(
  attempt: Attempt,
  refused: 'finish' | 'defer',
  status: string,
  deps: PipelineDeps,
  actor: string,
): Promise<void> {
  const { task, lease } = attempt;
  deps.logger.warn(
    { task: task.id, lease, refused, status, code: 'LEASE_LOST' },
    'stale attempt refused: a later claim owns the task; its outcome stands',
  );
  const records = await deps.store.appendAudit(
    [
      {
        type: 'task.attempt_fenced',
        actor,
        ...refs(task),
        data: { attempt: task.attempts, lease, refused, status, code: 'LEASE_LOST' },
      },
    ],
    now(deps),
  );
  await deps.onAudit?.(records);
}

/**
 * Tells observers (metrics, notifications) what became of the task. Everything they need came back
 * with the finishing statement: no store reads here.
 */
function report({ task, trigger, credential }: FinishedTask, f: TaskFinish, deps: PipelineDeps): void {
  const events = deps.events!;
  // Revoked, its death still being confirmed: observers hear of it once it is final.
  if (task.status === 'verifying') return;
  if (task.status === 'planned') {
    const delayMs = task.nextAttemptAt ? Date.parse(task.nextAttemptAt) - deps.clock().getTime() : 0;
    events.retryScheduled?.({ task, code: f.lastError?.code ?? '', delayMs });
    return;
  }
  const since = (iso: string | null) =>
    iso && trigger ? Date.parse(iso) - Date.parse(trigger.receivedAt) : undefined;
  const revokedAfterMs = since(task.effectiveAt);
  const verifiedAfterMs = since(task.verifiedAt);
  events.taskFinished?.({
    task,
    trigger,
    credential,
    ...(revokedAfterMs !== undefined ? { revokedAfterMs } : {}),
    ...(verifiedAfterMs !== undefined ? { verifiedAfterMs } : {}),
  });
  if (task.lastError?.code === 'VERIFY_FAILED') events.verificationFailed?.({ task, credential });
}
