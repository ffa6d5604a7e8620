/**
 * Plans and tasks. A plan is what one trigger leads to: a policy decision and a list of tasks.
 * A task is one action on one credential; its id is the idempotency key
 * hash(trigger id, credential, action), so replanning the same trigger yields the same tasks.
 */
import { z } from 'zod';
import { Fingerprint, Id, Timestamp } from './common.js';
import { CredentialKind } from './credential.js';

export const Action = z.enum(['revoke', 'rotate', 'disable', 'delete', 'revoke_by_value']);
export type Action = z.infer<typeof Action>;

export const Decision = z.enum(['auto', 'approval', 'shadow']);
export type Decision = z.infer<typeof Decision>;

export const TaskStatus = z.enum([
  'planned',
  'awaiting_approval',
  'running',
  /** Revoked at the provider; its death is being confirmed by checks scheduled in the store. */
  'verifying',
  'succeeded',
  'failed',
  'dead_lettered',
  'skipped',
]);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'dead_lettered', 'skipped'];
/**
 * Final states after which the sealed secret is dropped. A dead letter keeps its (sealed) value so
 * that `dlq retry` can still revoke by value once the cause is fixed; so does a task recorded in
 * shadow mode (inserted `skipped`, never finished), for a replay once its provider is configured.
 */
export const SECRET_DROP_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'skipped'];

export const Outcome = z.enum(['revoked', 'already_revoked', 'shadow', 'denied']);
export type Outcome = z.infer<typeof Outcome>;

export const TaskError = z.object({
  code: z.string(),
  message: z.string(),
  retriable: z.boolean(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type TaskError = z.infer<typeof TaskError>;

/** What the pure planner decides for one credential. */
export const TaskDraft = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  action: Action,
  decision: Decision,
  /** Configured provider instance that will act; null when none is configured (recorded as shadow). */
  provider: z.string().nullable(),
  credentialId: Id.nullable(),
  credentialKind: CredentialKind,
  providerId: z.string().optional(),
  fingerprint: Fingerprint.optional(),
  /** Why this task exists, in words an analyst reads in the audit. */
  reason: z.string(),
  flags: z.array(z.string()).default([]),
  /**
   * Why this task waits for a human (a protected credential, a policy `approval` rule, the plan's
   * blast radius). A held task waits alone: the rest of its plan runs.
   */
  hold: z.string().optional(),
  /** Rotation: where the new value is written (the inventory's `rotateTo`). */
  rotateTo: z.object({ provider: z.string(), providerId: z.string() }).optional(),
  /** Not before this time (a rotated key's grace period before the old one is deactivated). */
  notBefore: Timestamp.optional(),
  /** Runs only after this task of the same plan succeeded (deactivate the old key after the rotation). */
  after: z.string().optional(),
  /** With `after`: how long after its predecessor succeeded this task may run (the grace period). */
  waitMs: z.number().int().nonnegative().optional(),
  /**
   * Order within the plan: a task runs once every task of an earlier phase is final, or once it
   * has waited PHASE_WAIT_MAX_MS (a stuck identity provider must not keep her other credentials
   * alive). An offboarding closes her identity-provider accounts (phase 0) before the rest (1).
   */
  phase: z.number().int().nonnegative().optional(),
});
export type TaskDraft = z.infer<typeof TaskDraft>;

/** Why no configured provider can kill a credential now. */
export const NeedsOwnerReason = z.enum([
  /** The inventory names a provider instance that is not configured. */
  'provider_not_configured',
  /** The provider is configured, but cannot run any action that would kill this kind. */
  'action_unsupported',
  /** The only actions that would work need the secret value, and the trigger does not carry it. */
  'needs_secret',
  /** The actions need a provider-side id (or the person's identity there) that nobody recorded. */
  'needs_provider_id',
  /** A rotation needs a destination for the new value (`rotateTo`) that can be written. */
  'needs_destination',
  /** No API can revoke this kind of secret (incoming-webhook URLs, private keys). */
  'no_api',
  /** The value's format names no provider. */
  'unrecognised',
]);
export type NeedsOwnerReason = z.infer<typeof NeedsOwnerReason>;

/**
 * A first-class plan outcome: this credential is at risk and nothing tourniquet may run kills it.
 * It is announced (audit, log, SOC and owner notifications, a metric), never a doomed task.
 */
export const NeedsOwner = z.object({
  credentialId: Id.nullable(),
  credentialKind: z.string(),
  /** The provider instance the inventory names, if any. */
  provider: z.string().nullable(),
  /** For a token not in the inventory: its fingerprint (never the value). */
  fingerprint: Fingerprint.optional(),
  /** What should happen to it. */
  wanted: Action,
  reason: NeedsOwnerReason,
  /** What was missing, in words an analyst reads. */
  detail: z.string(),
  /** The exact manual step that kills it. */
  step: z.string(),
  owner: z.string().optional(),
  /** As a task's: `owner_left` marks a workload credential to re-home. */
  flags: z.array(z.string()).default([]),
});
export type NeedsOwner = z.infer<typeof NeedsOwner>;

/** The longest a task waits for its plan's earlier phases before it runs anyway. */
export const PHASE_WAIT_MAX_MS = 120_000;

/** Flag on the tasks of a plan's first phase when a later phase waits for them. */
export const GATES_LATER_PHASE_FLAG = 'gates_later_phase';

/** Flag on tasks planned by a forced replay: providers skip their "already done?" pre-checks. */
export const FORCED_FLAG = 'forced_replay';

/**
 * Flag on the steps that kill a rotated credential's old value (deactivate, then delete the old IAM
 * key): the inventory record now stands for the new value, so these do not mark it revoked.
 */
export const OLD_VALUE_FLAG = 'old_value';

/**
 * A revoked task whose death is still being confirmed: the checks are scheduled in the store
 * (`nextAttemptAt` is the next one), so a long propagation window holds no worker.
 */
export const VerifyState = z.object({
  /** When the provider accepted the revocation. */
  revokedAt: Timestamp,
  /** End of the provider's propagation window: a credential alive past it failed to die. */
  until: Timestamp,
  checks: z.number().int().nonnegative(),
  /** The last check's error code when it got no answer (429, 5xx, timeout). */
  lastCode: z.string().optional(),
  /** A rotation's new provider-side id, recorded on the credential once the task succeeds. */
  newProviderId: z.string().optional(),
});
export type VerifyState = z.infer<typeof VerifyState>;

export const Task = TaskDraft.extend({
  planId: z.string(),
  triggerId: Id,
  status: TaskStatus,
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: Timestamp.nullable(),
  lastError: TaskError.nullable(),
  outcome: Outcome.nullable(),
  verifiedAt: Timestamp.nullable(),
  effectiveAt: Timestamp.nullable(),
  /** While `verifying`: the confirmation's progress. */
  verify: VerifyState.nullable().default(null),
  /** Start of the current retry budget: creation, or the last `dlq retry`. */
  retryWindowStartedAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Task = z.infer<typeof Task>;

export const PlanStatus = z.enum(['planned', 'awaiting_approval', 'approved', 'denied', 'done']);
export type PlanStatus = z.infer<typeof PlanStatus>;

export const PlanDraft = z.object({
  id: z.string(),
  triggerId: Id,
  decision: Decision,
  status: PlanStatus,
  /** Why the plan needs approval, if it does (blast radius, protected credential, policy). */
  holds: z.array(z.string()),
  /** Facts an analyst needs that are not tasks, e.g. a leaked token that matched nothing. */
  notes: z.array(z.string()).default([]),
  /** Credentials at risk that no configured provider can kill now: a person must act. */
  needsOwner: z.array(NeedsOwner).default([]),
  tasks: z.array(TaskDraft),
});
export type PlanDraft = z.infer<typeof PlanDraft>;

export const Plan = PlanDraft.omit({ tasks: true }).extend({
  createdAt: Timestamp,
  updatedAt: Timestamp,
  taskCount: z.number().int().nonnegative(),
});
export type Plan = z.infer<typeof Plan>;
