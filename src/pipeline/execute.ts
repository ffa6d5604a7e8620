/**
 * Execute stage: one claimed task → at most one provider call → outcome, verification, audit.
 *
 * A task runs in its provider's lane (src/pipeline/lanes.ts), which admitted it (a slot and a
 * token of the provider's budget) before claiming it; every call goes through the lane's meter
 * (`LaneCalls`). Effectively-once: the task row is claimed under a lease before the call, and the
 * claim's fencing token (src/pipeline/lease.ts) guards everything the attempt writes afterwards. A
 * task found `running` with an expired lease was interrupted (its process died mid-call): we verify
 * first, and if the credential is already dead we record that instead of calling the provider
 * again. After the provider accepted, the first check runs at once; if it cannot prove death yet the
 * task waits `verifying` in the store for its next check (src/pipeline/verify.ts). Provider errors
 * are task states (delayed retry or dead letter), never exceptions out of the handler; only store and
 * bus failures throw.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import {
  FINAL_TASK_STATUSES,
  FORCED_FLAG,
  type Outcome,
  type Task,
  type VerifyState,
} from '../../schemas/plan.js';
import type { Span } from '@opentelemetry/api';
import { coerceError, TourniquetError } from '../errors.js';
import { failSpan, inSpan } from '../observe/tracing.js';
import type { ExecuteResult, Provider, ProviderTask } from '../providers/port.js';
import { now, type PipelineDeps } from './deps.js';
import { deadLetter, defer, failure, finish, refs } from './finish.js';
import type { LaneCalls } from './lane-calls.js';
import { LeaseKeeper, type Attempt } from './lease.js';
import { CANNOT_VERIFY, checkOnce, CHECK_TIMEOUT_MS, judge } from './verify.js';

/** The task id a task-topic message names, or null (logged) for a message without one. */
export function taskIdOf(
  value: string,
  deps: Pick<PipelineDeps, 'logger'>,
): { taskId: string; provider?: string | null } | null {
  let body: { taskId?: unknown; provider?: unknown } = {};
  try {
    body = JSON.parse(value) as typeof body;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  if (typeof body?.taskId !== 'string') {
    deps.logger.error({ topic: 'tasks' }, 'task message without a task id ignored');
    return null;
  }
  const provider = typeof body.provider === 'string' || body.provider === null ? body.provider : undefined;
  return { taskId: body.taskId, ...(provider !== undefined ? { provider } : {}) };
}

/**
 * One attempt at a task in a `task.execute` span, a child of the context it runs in (the lane sets
 * the one the task was routed with). What it tried and what came of it, never its input.
 */
export function executeTask(
  taskId: string,
  deps: PipelineDeps,
  calls: LaneCalls,
  actor = 'pipeline',
): Promise<Task | null> {
  return inSpan('task.execute', { attributes: { 'tourniquet.task.id': taskId } }, async (span) => {
    const task = await claimAndAttempt(taskId, deps, calls, actor, span);
    if (task) {
      span.setAttribute('tourniquet.task.status', task.status);
      if (task.outcome) span.setAttribute('tourniquet.task.outcome', task.outcome);
      if (task.lastError && task.status !== 'succeeded') {
        span.setAttribute('tourniquet.task.error_code', task.lastError.code);
        if (FINAL_TASK_STATUSES.includes(task.status)) failSpan(span, task.lastError.code);
      }
    }
    return task;
  });
}

async function claimAndAttempt(
  taskId: string,
  deps: PipelineDeps,
  calls: LaneCalls,
  actor: string,
  span: Span,
): Promise<Task | null> {
  const at = now(deps);
  const claim = await deps.store.transaction(async (tx) => {
    const c = await tx.claimTask(taskId, at, deps.config.retry.leaseMs, deps.presence?.id);
    if (!c) return null;
    const t = c.claimed.task;
    // A verification check is no attempt: the trail records its verdict, not each look.
    if (t.status === 'verifying') return c;
    await tx.recordAudit(
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
    return c;
  });
  span.setAttribute('tourniquet.task.claimed', claim !== null);
  if (!claim) return null;
  const { task, sealedSecret } = claim.claimed;
  span.setAttributes({
    'tourniquet.task.action': task.action,
    'tourniquet.provider': task.provider ?? '',
    'tourniquet.credential.kind': task.credentialKind,
    // A verification check is no attempt: its number is the attempt that revoked.
    'tourniquet.task.attempt': task.attempts,
    'tourniquet.task.verify_check': task.status === 'verifying',
    'tourniquet.task.interrupted': claim.interrupted,
    ...(task.credentialId ? { 'tourniquet.credential.id': task.credentialId } : {}),
  });
  const provider = task.provider ? deps.providers.get(task.provider) : undefined;
  const attempt: Attempt = {
    task,
    lease: claim.lease,
    keeper: new LeaseKeeper(deps, task.id, claim.lease, longestHoldMs(deps)),
  };
  try {
    return await attemptTask(attempt, claim.interrupted, sealedSecret, provider, calls, deps, actor);
  } catch (e) {
    // A store or bus failure: the lease expires and the scheduler recovers the task.
    await attempt.keeper.stop();
    throw e;
  }
}

async function attemptTask(
  attempt: Attempt,
  interrupted: boolean,
  sealedSecret: string | null,
  provider: Provider | undefined,
  calls: LaneCalls,
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
    // A follow-up (deactivate the old key after its rotation) runs only once its predecessor
    // succeeded; the claim refuses it while the predecessor is still open, so this sees it final.
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
  if (task.status === 'verifying') return verifyAgain(attempt, input, provider, calls, deps, actor);

  const checkFirst = precheckReason(task, interrupted, provider);
  if (checkFirst) {
    // An earlier call may already have revoked it, or the provider is configured to tell "already
    // dead" apart. Checked here rather than in the adapter so the call is metered by the lane.
    let liveness = 'unknown';
    try {
      liveness = (await calls.call(() => provider.verify(input, callSignal(attempt, deps)), 'verify'))
        .liveness;
    } catch (e) {
      const err = providerError(e, provider, 'verify', input, deps);
      // No answer is not "dead". After a call that may have reached the provider, acting now could
      // revoke a second time, so the check is asked again later like any retriable failure. When
      // no retry is left, or after PRECHECK_PATIENCE attempts (a provider whose checks keep failing
      // must not keep a credential alive), we act anyway: a repeated revocation is harmless, a live
      // credential is not.
      // A first attempt's check (`precheck`) follows no call, so it goes on and acts at once.
      if (checkFirst !== 'precheck' && err.retriable && task.attempts < PRECHECK_PATIENCE) {
        const again = failure(task, err, deps);
        if (again.status === 'planned') return finish(attempt, again, deps, actor);
      }
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
    // waits in the in-memory batch, which has a lane (and budget) of its own.
    deps.batcher.submit(provider, attempt, input);
    return null;
  }
  if (attempt.keeper.lost) return finish(attempt, failure(task, lostLease(task), deps), deps, actor);
  let outcome;
  try {
    outcome = await calls.call(() => provider.execute(input, callSignal(attempt, deps)), 'execute');
  } catch (e) {
    const err = providerError(e, provider, 'execute', input, deps);
    return finish(attempt, failure(task, err, deps), deps, actor);
  }
  return afterExecute(attempt, input, provider, outcome, calls, deps, actor);
}

/** After the provider accepted: audit the outcome, check the credential is dead, record it. */
export async function afterExecute(
  attempt: Attempt,
  input: ProviderTask,
  provider: Provider,
  outcome: ExecuteResult,
  calls: LaneCalls,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<Task | null> {
  const { task } = attempt;
  const revokedAt = now(deps);
  const revokedEntry: AuditEntry = {
    type: outcome.outcome === 'revoked' ? 'task.revoked' : 'task.already_revoked',
    actor,
    ...refs(task),
    data: { provider: provider.name, action: task.action, ...(outcome.details ?? {}) },
  };
  if (!provider.capabilities.canVerify) {
    return finish(
      attempt,
      { status: 'succeeded', outcome: outcome.outcome, verifiedAt: null, effectiveAt: revokedAt },
      deps,
      actor,
      [revokedEntry, { ...CANNOT_VERIFY, actor, ...refs(task) }],
      outcome.newProviderId,
    );
  }
  const state: VerifyState = {
    revokedAt,
    until: new Date(Date.parse(revokedAt) + provider.capabilities.propagationMs).toISOString(),
    checks: 0,
    ...(outcome.newProviderId !== undefined ? { newProviderId: outcome.newProviderId } : {}),
  };
  return verifyStep(attempt, input, provider, outcome.outcome, state, calls, deps, actor, [revokedEntry]);
}

/** A `verifying` task's next check, claimed from the store. */
function verifyAgain(
  attempt: Attempt,
  input: ProviderTask,
  provider: Provider,
  calls: LaneCalls,
  deps: PipelineDeps,
  actor: string,
): Promise<Task | null> {
  const { task } = attempt;
  // A task that became verifying before its state was stored cannot be: fall back to "now".
  const state = task.verify ?? { revokedAt: now(deps), until: now(deps), checks: 0 };
  return verifyStep(attempt, input, provider, task.outcome ?? 'revoked', state, calls, deps, actor, []);
}

async function verifyStep(
  attempt: Attempt,
  input: ProviderTask,
  provider: Provider,
  outcome: Outcome,
  state: VerifyState,
  calls: LaneCalls,
  deps: PipelineDeps,
  actor: string,
  before: AuditEntry[],
): Promise<Task | null> {
  const { task } = attempt;
  const check = await checkOnce(provider, input, calls, attempt.keeper.signal);
  // The attempt lost its task (fencing): the new owner verifies; this one writes nothing.
  const v = judge(state, check, deps.clock().getTime(), !attempt.keeper.lost);
  if (!v.final) {
    return finish(
      attempt,
      { status: 'verifying', outcome, nextAttemptAt: v.nextCheckAt, verify: v.state, dropSecret: false },
      deps,
      actor,
      before,
    );
  }
  const entries: AuditEntry[] = [...before, ...v.entries.map((e) => ({ ...e, actor, ...refs(task) }))];
  if (v.liveness === 'alive') {
    return finish(
      attempt,
      {
        status: 'failed',
        outcome,
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
      outcome,
      verifiedAt: v.liveness === 'dead' ? v.at : null,
      effectiveAt: v.liveness === 'dead' ? v.at : state.revokedAt,
    },
    deps,
    actor,
    entries,
    state.newProviderId,
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
 * The longest an attempt can legitimately run (its lease is renewed up to this): a pre-check, the
 * call and the first verification check, each bounded. A hung call past that loses its lease.
 * Waiting (budget, breaker, the propagation window) happens outside attempts, in the store.
 */
export function longestHoldMs(deps: Pick<PipelineDeps, 'config'>): number {
  return 2 * deps.config.retry.leaseMs + CHECK_TIMEOUT_MS;
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

/** Attempts after which an unanswered liveness check no longer holds the action back. */
const PRECHECK_PATIENCE = 3;

/** How long a follow-up waits before it looks at its predecessor again. */
const DEPENDENCY_WAIT_MS = 30_000;

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
