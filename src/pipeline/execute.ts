/**
 * Execute stage: one task message → at most one provider call → outcome, verification, audit.
 *
 * Effectively-once: the task row is claimed under a lease before the call, and the claim's fencing
 * token (src/pipeline/lease.ts) guards everything the attempt writes afterwards. A task found
 * `running` with an expired lease was interrupted (its process died mid-call): we verify first, and
 * if the credential is already dead we record that instead of calling the provider again. Provider
 * errors are task states (delayed retry or dead letter), never exceptions out of the handler; only
 * store and bus failures throw, so the message is redelivered.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import { FINAL_TASK_STATUSES, FORCED_FLAG, type Task } from '../../schemas/plan.js';
import { coerceError, TourniquetError } from '../errors.js';
import type { ExecuteResult, Provider, ProviderTask } from '../providers/port.js';
import { now, type PipelineDeps } from './deps.js';
import { deadLetter, defer, failure, finish, refs } from './finish.js';
import type { Admission, ProviderGate } from './gate.js';
import { LeaseKeeper, type Attempt } from './lease.js';
import { VERIFY_ANSWER_BUDGET_MS, verifyDead } from './verify.js';

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
  const attempt: Attempt = {
    task,
    lease: claim.lease,
    keeper: new LeaseKeeper(deps, task.id, claim.lease, longestHoldMs(deps, provider)),
  };
  try {
    return await attemptTask(attempt, claim.interrupted, sealedSecret, provider, deps, actor);
  } catch (e) {
    // A store or bus failure: the message is redelivered; this attempt stops renewing its lease.
    await attempt.keeper.stop();
    throw e;
  }
}

async function attemptTask(
  attempt: Attempt,
  interrupted: boolean,
  sealedSecret: string | null,
  provider: Provider | undefined,
  deps: PipelineDeps,
  actor: string,
): Promise<Task | null> {
  const { task } = attempt;
  if (!provider) {
    return finish(
      attempt,
      deadLetter(
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
      return finish(attempt, { status: 'skipped', outcome: before.outcome ?? 'denied' }, deps, actor);
    }
    if (!before || (before.status !== 'succeeded' && FINAL_TASK_STATUSES.includes(before.status))) {
      const why = new TourniquetError(
        'DEPENDENCY_FAILED',
        `the task this one follows (${task.after}) ended ${before?.status ?? 'missing'}: not done`,
      );
      return finish(attempt, deadLetter(why), deps, actor);
    }
    if (before.status !== 'succeeded') {
      const until = new Date(deps.clock().getTime() + DEPENDENCY_WAIT_MS).toISOString();
      return defer(attempt, until, deps, actor, 'dependency');
    }
  }
  let input: ProviderTask;
  try {
    input = providerTask(task, provider, sealedSecret, deps);
  } catch (e) {
    return finish(attempt, deadLetter(coerceError(e, { during: `task ${task.id} input` })), deps, actor);
  }
  const gate = deps.gates.for(provider.name, provider.capabilities.rateBudget);

  const checkFirst = precheckReason(task, interrupted, provider);
  if (checkFirst) {
    // An earlier call may already have revoked it, or the provider is configured to tell "already
    // dead" apart. Checked here rather than in the adapter so the call goes through the gate.
    const check = await admit(gate, attempt, provider, deps, actor);
    if (!check) return null;
    let liveness = 'unknown';
    try {
      liveness = (await provider.verify(input, callSignal(attempt, deps))).liveness;
      check.release('success');
    } catch (e) {
      // No answer is not "dead": go on and act, which every adapter makes safe to repeat.
      const err = providerError(e, provider, 'verify', input, deps);
      check.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
    }
    if (attempt.keeper.lost) return finish(attempt, failure(task, lostLease(task), deps), deps, actor);
    if (liveness === 'dead') {
      return finish(
        attempt,
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
    deps.batcher.submit(provider, attempt, input);
    return null;
  }
  // The lease was lost while it waited (a long gate wait, a slow precheck): act no more.
  if (attempt.keeper.lost) return finish(attempt, failure(task, lostLease(task), deps), deps, actor);
  const admission = await admit(gate, attempt, provider, deps, actor);
  if (!admission) return null;
  let outcome;
  try {
    outcome = await provider.execute(input, callSignal(attempt, deps));
    admission.release('success');
  } catch (e) {
    const err = providerError(e, provider, 'execute', input, deps);
    admission.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
    return finish(attempt, failure(task, err, deps), deps, actor);
  }
  return afterExecute(attempt, input, provider, outcome, deps, actor);
}

/** After the provider accepted: audit the outcome, verify the credential is dead, record it. */
export async function afterExecute(
  attempt: Attempt,
  input: ProviderTask,
  provider: Provider,
  outcome: ExecuteResult,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  const { task } = attempt;
  const gate = deps.gates.for(provider.name, provider.capabilities.rateBudget);
  const revokedAt = now(deps);
  const revokedEntry: AuditEntry = {
    type: outcome.outcome === 'revoked' ? 'task.revoked' : 'task.already_revoked',
    actor,
    ...refs(task),
    data: { provider: provider.name, action: task.action, ...(outcome.details ?? {}) },
  };
  // The verification window may outlast the lease: the keeper renews it meanwhile, and its signal
  // stops the checks once another attempt owns the task.
  const signal = attempt.keeper.signal;
  const v = await verifyDead(provider, input, deps, (fn) => gated(gate, fn, signal), signal);
  const entries: AuditEntry[] = [revokedEntry, ...v.entries.map((e) => ({ ...e, actor, ...refs(task) }))];
  if (v.liveness === 'alive') {
    return finish(
      attempt,
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
    attempt,
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
  attempt: Attempt,
  err: unknown,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  return finish(attempt, failure(attempt.task, coerceError(err), deps), deps, actor);
}

/** Another attempt owns the task now: what this one would write is refused (see finish). */
function lostLease(task: Task): TourniquetError {
  return new TourniquetError('LEASE_LOST', `task ${task.id}: another attempt owns it now`, {
    retriable: true,
  });
}

/** One provider call's signal: its own timeout, and the lease (aborted once another attempt owns it). */
function callSignal(attempt: Attempt, deps: PipelineDeps): AbortSignal {
  return AbortSignal.any([AbortSignal.timeout(deps.config.retry.leaseMs), attempt.keeper.signal]);
}

/**
 * What a provider call threw, as a TourniquetError. Adapters classify what the provider answered;
 * anything else (an adapter bug, an SDK surprise) is coerced with the provider, the operation and
 * the throw site named, and logged with its (scrubbed) stack.
 */
function providerError(
  e: unknown,
  provider: Provider,
  op: 'verify' | 'execute',
  input: ProviderTask,
  deps: PipelineDeps,
): TourniquetError {
  const err = coerceError(e, {
    during: `provider ${provider.name} ${op} ${input.action} ${input.credentialKind}`,
    redact: [input.secret],
    transient: 'PROVIDER_NETWORK',
  });
  if (err !== e) {
    deps.logger.error(
      { task: input.taskId, provider: provider.name, code: err.code, err: err.cause },
      'provider call threw an unclassified error',
    );
  }
  return err;
}

/**
 * The longest an attempt can legitimately run (its lease is renewed up to this): a precheck and the
 * call (each bounded by the lease), the gate's waits, and verification across the propagation
 * window with its answer budget and per-check timeouts. A hung call past that loses its lease.
 */
function longestHoldMs(deps: PipelineDeps, provider: Provider | undefined): number {
  const leaseMs = deps.config.retry.leaseMs;
  const propagationMs = provider?.capabilities.propagationMs ?? 0;
  return 3 * leaseMs + GATE_WAIT_MS + propagationMs + VERIFY_ANSWER_BUDGET_MS + 2 * GATED_WAIT_MS;
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
  attempt: Attempt,
  provider: Provider,
  deps: PipelineDeps,
  actor: string,
): Promise<Extract<Admission, { ok: true }> | null> {
  const admission = await gate.acquire(GATE_WAIT_MS);
  if (admission.ok) return admission;
  const until = new Date(deps.clock().getTime() + admission.deferMs).toISOString();
  await defer(attempt, until, deps, actor, `${provider.name}: ${admission.reason}`);
  return null;
}

/** How long a verification call may wait for its gate before the check counts as unanswered. */
const GATED_WAIT_MS = 60_000;

/** Runs one provider call inside the gate, waiting as long as needed (verification calls). */
async function gated<T>(gate: ProviderGate, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
  const deadline = Date.now() + GATED_WAIT_MS;
  for (;;) {
    signal.throwIfAborted();
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
      const err = coerceError(e);
      a.release(err.retriable ? 'retriable' : 'permanent', err.retryAfterMs);
      throw e;
    }
  }
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
