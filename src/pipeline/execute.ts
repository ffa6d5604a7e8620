/**
 * Execute stage: one task message → at most one provider call → outcome, verification, audit.
 *
 * Effectively-once: the task row is claimed under a lease before the call. A task found `running`
 * with an expired lease was interrupted (its process died mid-call): we verify first, and if the
 * credential is already dead we record that instead of calling the provider again. Provider errors
 * are task states (delayed retry or dead letter), never exceptions out of the handler; only store
 * and bus failures throw, so the message is redelivered.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import {
  FINAL_TASK_STATUSES,
  FORCED_FLAG,
  OLD_VALUE_FLAG,
  type Task,
  type TaskError,
} from '../../schemas/plan.js';
import { isTourniquetError, TourniquetError } from '../errors.js';
import type { ExecuteResult, Provider, ProviderTask } from '../providers/port.js';
import type { FinishedTask, TaskFinish } from '../store/port.js';
import { now, type PipelineDeps } from './deps.js';
import type { Admission, ProviderGate } from './gate.js';
import { nextRetry } from './retry.js';
import { verifyDead } from './verify.js';

export async function handleTaskMessage(value: string, deps: PipelineDeps): Promise<void> {
  let taskId: unknown;
  try {
    taskId = (JSON.parse(value) as { taskId?: unknown }).taskId;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  if (typeof taskId !== 'string') {
    deps.logger.error({ topic: 'tasks' }, 'task message without a task id ignored');
    return;
  }
  await executeTask(taskId, deps);
}

export async function executeTask(
  taskId: string,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  const at = now(deps);
  const claim = await deps.store.transaction(async (tx) => {
    const c = await tx.claimTask(taskId, at, deps.config.retry.leaseMs);
    if (!c) return null;
    const t = c.claimed.task;
    const records = await tx.appendAudit(
      [
        {
          type: 'task.attempt',
          actor,
          ...refs(t),
          data: {
            attempt: t.attempts,
            action: t.action,
            provider: t.provider ?? '',
            interrupted: c.interrupted,
          },
        },
      ],
      at,
    );
    return { ...c, records };
  });
  if (!claim) return null;
  await deps.onAudit?.(claim.records);
  const { task, sealedSecret } = claim.claimed;

  const provider = task.provider ? deps.providers.get(task.provider) : undefined;
  if (!provider) {
    return finish(
      task,
      deadLetter(
        task,
        new TourniquetError('PROVIDER_MISCONFIGURED', `provider ${task.provider} is not configured`),
      ),
      deps,
      actor,
    );
  }
  if (task.after) {
    // A follow-up (deactivate the old key after its rotation) runs only once its predecessor succeeded.
    const before = (await deps.store.getTask(task.after))?.task;
    if (before?.status === 'skipped') {
      // Its predecessor was denied (or only recorded): so is this step.
      return finish(task, { status: 'skipped', outcome: before.outcome ?? 'denied' }, deps, actor);
    }
    if (!before || (before.status !== 'succeeded' && FINAL_TASK_STATUSES.includes(before.status))) {
      const why = new TourniquetError(
        'DEPENDENCY_FAILED',
        `the task this one follows (${task.after}) ended ${before?.status ?? 'missing'}: not done`,
      );
      return finish(task, deadLetter(task, why), deps, actor);
    }
    if (before.status !== 'succeeded') {
      await deps.store.deferTask(
        task.id,
        new Date(deps.clock().getTime() + DEPENDENCY_WAIT_MS).toISOString(),
        at,
      );
      return null;
    }
  }
  let input: ProviderTask;
  try {
    input = providerTask(task, provider, sealedSecret, deps);
  } catch (e) {
    return finish(task, deadLetter(task, asTourniquet(e)), deps, actor);
  }
  const signal = AbortSignal.timeout(deps.config.retry.leaseMs);
  const gate = deps.gates.for(provider.name, provider.capabilities.rateBudget);

  const checkFirst = precheckReason(task, claim.interrupted, provider);
  if (checkFirst) {
    // An earlier call may already have revoked it, or the provider is configured to tell "already
    // dead" apart. Checked here rather than in the adapter so the call goes through the gate.
    const check = await admit(gate, task, provider, deps);
    if (!check) return null;
    let liveness = 'unknown';
    try {
      liveness = (await provider.verify(input, signal)).liveness;
      check.release('success');
    } catch (e) {
      // No answer is not "dead": go on and act, which every adapter makes safe to repeat.
      const err = asTourniquet(e);
      check.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
    }
    if (liveness === 'dead') {
      return finish(
        task,
        { status: 'succeeded', outcome: 'already_revoked', verifiedAt: now(deps), effectiveAt: now(deps) },
        deps,
        actor,
        [
          {
            type: 'task.verified',
            actor,
            ...refs(task),
            data: { after: checkFirst, liveness: 'dead' },
          },
        ],
      );
    }
  }

  if (provider.batch?.accepts(input) && deps.batcher) {
    // Batched calls (GitHub /credentials/revoke): the claim's lease keeps the task safe while it
    // waits in the in-memory batch, so the message is done here and the partition moves on.
    deps.batcher.submit(provider, task, input);
    return null;
  }
  const admission = await admit(gate, task, provider, deps);
  if (!admission) return null;
  let outcome;
  try {
    outcome = await provider.execute(input, signal);
    admission.release('success');
  } catch (e) {
    const err = asTourniquet(e);
    admission.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
    return finish(task, failure(task, err, deps), deps, actor);
  }
  return afterExecute(task, input, provider, outcome, deps, actor);
}

/** After the provider accepted: audit the outcome, verify the credential is dead, record it. */
export async function afterExecute(
  task: Task,
  input: ProviderTask,
  provider: Provider,
  outcome: ExecuteResult,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  const gate = deps.gates.for(provider.name, provider.capabilities.rateBudget);
  const revokedAt = now(deps);
  const revokedEntry: AuditEntry = {
    type: outcome.outcome === 'revoked' ? 'task.revoked' : 'task.already_revoked',
    actor,
    ...refs(task),
    data: { provider: provider.name, action: task.action, ...(outcome.details ?? {}) },
  };
  const v = await verifyDead(provider, input, deps, (fn) => gated(gate, fn));
  const entries: AuditEntry[] = [revokedEntry, ...v.entries.map((e) => ({ ...e, actor, ...refs(task) }))];
  if (v.liveness === 'alive') {
    return finish(
      task,
      {
        status: 'failed',
        outcome: outcome.outcome,
        lastError: {
          code: 'VERIFY_FAILED',
          message: 'credential still alive after the propagation window',
          retriable: false,
        },
      },
      deps,
      actor,
      entries,
    );
  }
  return finish(
    task,
    {
      status: 'succeeded',
      outcome: outcome.outcome,
      verifiedAt: v.liveness === 'dead' ? v.at : null,
      effectiveAt: v.liveness === 'dead' ? v.at : revokedAt,
    },
    deps,
    actor,
    entries,
    outcome.newProviderId,
  );
}

/** A provider call failed: a delayed retry, or a dead letter. */
export function failTask(
  task: Task,
  err: unknown,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  return finish(task, failure(task, asTourniquet(err), deps), deps, actor);
}

/**
 * Why to verify before acting, or undefined to act at once. A first attempt that nothing
 * interrupted cannot have been revoked by us, so checking it costs a call for nothing (unless the
 * provider asks for it); any later attempt may follow a call that reached the provider and timed
 * out, so it is checked (even when forced: the forced action may be what revoked it).
 */
function precheckReason(
  task: Task,
  interrupted: boolean,
  provider: Provider,
): 'interrupted attempt' | 'earlier attempt' | 'precheck' | undefined {
  if (!provider.capabilities.canVerify) return undefined;
  // A rotation's re-attempt finds its own earlier work itself, and reports the new provider id that
  // the inventory must learn; a pre-check would record "done" without it.
  if (task.action === 'rotate') return undefined;
  if (interrupted) return 'interrupted attempt';
  if (task.attempts > 1 || task.lastError !== null) return 'earlier attempt';
  if (provider.capabilities.precheckFirstAttempt && !task.flags.includes(FORCED_FLAG)) return 'precheck';
  return undefined;
}

/** How long a follow-up waits before it looks at its predecessor again. */
const DEPENDENCY_WAIT_MS = 30_000;

/** How long an attempt may wait for its provider's rate budget before it is deferred. */
const GATE_WAIT_MS = 2_000;

/**
 * A slot for one call of a claimed task. A short wait is fine; a longer one gives the task back
 * (durably, due when the gate expects a slot) instead of holding the partition: null then.
 */
async function admit(
  gate: ProviderGate,
  task: Task,
  provider: Provider,
  deps: PipelineDeps,
): Promise<Extract<Admission, { ok: true }> | null> {
  const admission = await gate.acquire(GATE_WAIT_MS);
  if (admission.ok) return admission;
  const until = new Date(deps.clock().getTime() + admission.deferMs).toISOString();
  await deps.store.deferTask(task.id, until, now(deps));
  deps.logger.debug(
    { task: task.id, provider: provider.name, reason: admission.reason, until },
    'task deferred',
  );
  return null;
}

/** Runs one provider call inside the gate, waiting as long as needed (verification calls). */
async function gated<T>(gate: ProviderGate, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = await gate.acquire(Math.max(0, deadline - Date.now()));
    if (!a.ok) {
      if (Date.now() + a.deferMs > deadline) {
        throw new TourniquetError('PROVIDER_UNAVAILABLE', `provider admission refused: ${a.reason}`, {
          retriable: true,
        });
      }
      await new Promise((r) => setTimeout(r, a.deferMs));
      continue;
    }
    try {
      const result = await fn();
      a.release('success');
      return result;
    } catch (e) {
      const err = asTourniquet(e);
      a.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
      throw e;
    }
  }
}

function refs(t: Task) {
  return { triggerId: t.triggerId, planId: t.planId, taskId: t.id, credentialId: t.credentialId };
}

function providerTask(
  task: Task,
  provider: Provider,
  sealed: string | null,
  deps: PipelineDeps,
): ProviderTask {
  const base: ProviderTask = {
    taskId: task.id,
    action: task.action,
    credentialKind: task.credentialKind,
    credentialId: task.credentialId,
    providerId: task.providerId,
    // executeTask verifies first where it matters, through the gate (precheckReason).
    precheck: false,
    ...(task.flags.includes(FORCED_FLAG) ? { force: true } : {}),
    ...(task.rotateTo ? { rotateTo: destinationOf(task.rotateTo, task.id, deps) } : {}),
  };
  if (!provider.needsSecret(task)) return base;
  if (!sealed || !task.fingerprint) {
    throw new TourniquetError(
      'SECRET_UNAVAILABLE',
      `${provider.name} needs the secret value, and no leak supplied it`,
    );
  }
  return { ...base, secret: deps.sealer.open(sealed, task.fingerprint) };
}

function destinationOf(to: NonNullable<Task['rotateTo']>, taskId: string, deps: PipelineDeps) {
  const dest = deps.providers.get(to.provider)?.destination?.(to.providerId, taskId);
  if (!dest) {
    throw new TourniquetError(
      'PROVIDER_MISCONFIGURED',
      `rotation destination ${to.provider} is not a configured secret store`,
    );
  }
  return dest;
}

export function asTourniquet(e: unknown): TourniquetError {
  if (isTourniquetError(e)) return e;
  return new TourniquetError('INTERNAL', `unexpected ${e instanceof Error ? e.name : typeof e}`);
}

function taskError(e: TourniquetError): TaskError {
  return {
    code: e.code,
    message: e.message,
    retriable: e.retriable,
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
  };
}

function deadLetter(_task: Task, e: TourniquetError): TaskFinish & { audit: AuditEntry['type'] } {
  return { status: 'dead_lettered', lastError: taskError(e), audit: 'task.dead_lettered' };
}

function failure(
  task: Task,
  e: TourniquetError,
  deps: PipelineDeps,
): TaskFinish & { audit: AuditEntry['type'] } {
  if (!e.retriable) return deadLetter(task, e);
  const age = deps.clock().getTime() - Date.parse(task.retryWindowStartedAt);
  const d = nextRetry(deps.config.retry, task.attempts, age, e.retryAfterMs);
  if (!d.retry)
    return { ...deadLetter(task, e), lastError: { ...taskError(e), message: `${e.message} (${d.reason})` } };
  return {
    status: 'planned',
    lastError: taskError(e),
    nextAttemptAt: new Date(deps.clock().getTime() + d.delayMs).toISOString(),
    audit: 'task.retry_scheduled',
  };
}

async function finish(
  task: Task,
  f: TaskFinish & { audit?: AuditEntry['type'] },
  deps: PipelineDeps,
  actor: string,
  extra: AuditEntry[] = [],
  newProviderId?: string,
): Promise<Task | null> {
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
  const { finished, records } = await deps.store.transaction(async (tx) => {
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
    const finished = await tx.finishTask(task.id, f, at);
    if (f.status === 'succeeded') await tx.releaseFollowUps(task.id, at);
    await tx.completePlanIfDone(task.planId, at);
    return { finished, records: await tx.appendAudit(entries, at) };
  });
  await deps.onAudit?.(records);
  if (finished && deps.events) report(finished, f, deps);
  return finished?.task ?? null;
}

/**
 * Tells observers (metrics, notifications) what became of the task. Everything they need came back
 * with the finishing statement: no store reads here.
 */
function report({ task, trigger, credential }: FinishedTask, f: TaskFinish, deps: PipelineDeps): void {
  const events = deps.events!;
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
