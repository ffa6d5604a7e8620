/**
 * The store port: inventory, triggers, plans, tasks and the audit trail. One SQL implementation
 * (src/store/sql-store.ts) serves both adapters. Every state change that must be audited is made in
 * one transaction together with its audit records, so the trail never disagrees with the state.
 */
import type { AuditEntry, AuditRecord } from '../../schemas/audit.js';
import type { Credential, Person, Workload } from '../../schemas/credential.js';
import type {
  Outcome,
  Plan,
  PlanDraft,
  PlanStatus,
  Task,
  TaskDraft,
  TaskError,
  TaskStatus,
  VerifyState,
} from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';

export interface CredentialQuery {
  ids?: readonly string[];
  fingerprints?: readonly string[];
  providerIds?: readonly string[];
  /** Case-insensitive match on owner. */
  owners?: readonly string[];
  workloads?: readonly string[];
  /** Case-insensitive match on createdBy. */
  createdBy?: readonly string[];
  /** Credentials any of these people can read. */
  readers?: readonly string[];
}

export interface AuditQuery {
  triggerId?: string;
  taskId?: string;
  credentialId?: string;
  planId?: string;
  afterSeq?: number;
  /** Only records of this type (the console's timeline: `trigger.accepted`). */
  type?: string;
  /** `at` within [since, until): ISO timestamps. */
  since?: string;
  until?: string;
  /** Newest first (a timeline's most recent page) instead of chain order. */
  newestFirst?: boolean;
  limit?: number;
}

export interface TaskQuery {
  triggerId?: string;
  planId?: string;
  statuses?: readonly TaskStatus[];
  limit?: number;
}

/**
 * Fencing token: the task's lease generation, incremented by every claim. Whatever an attempt writes
 * to its task names the token its claim returned, and is refused once a later claim has taken over.
 */
export type LeaseToken = number;

/** A task together with the sealed secret it carries (only the executor ever reads this). */
export interface ClaimedTask {
  task: Task;
  sealedSecret: string | null;
}

export interface TaskFinish {
  status: TaskStatus;
  outcome?: Outcome | null;
  lastError?: TaskError | null;
  nextAttemptAt?: string | null;
  verifiedAt?: string | null;
  effectiveAt?: string | null;
  /** Drop the sealed secret: the task no longer needs the value. */
  dropSecret?: boolean;
  /** For `verifying`: the confirmation's progress (cleared by any other status). */
  verify?: VerifyState | null;
}

/** A task as finishTask left it, with what observers of its outcome need (read in the same statement). */
export interface FinishedTask {
  task: Task;
  trigger: Pick<Trigger, 'id' | 'kind' | 'receivedAt'> | null;
  /** The task's credential as the finishing transaction sees it at that statement. */
  credential: Credential | null;
}

/** What an upsert of credentials wrote: ids inserted, ids changed, and how many were already equal. */
export interface UpsertResult {
  created: string[];
  updated: string[];
  unchanged: number;
}

export interface StoreOps {
  /** Rows already holding what the upsert would leave are not written (and not in the result). */
  upsertCredentials(creds: readonly Credential[]): Promise<UpsertResult>;
  /** In id order; `after`: only ids after it (keyset paging, src/store/credential-pages.ts). */
  listCredentials(limit?: number, after?: string): Promise<Credential[]>;
  findCredentials(q: CredentialQuery): Promise<Credential[]>;
  /** How many rows were written: an unchanged record is not. */
  upsertPeople(people: readonly Person[]): Promise<number>;
  upsertWorkloads(workloads: readonly Workload[]): Promise<number>;
  /** People known under any of these ids or aliases (case-insensitive). */
  findPeople(ids: readonly string[]): Promise<Person[]>;
  /** Workloads known under this name or alias. */
  findWorkloads(name: string): Promise<Workload[]>;
  listPeople(limit?: number): Promise<Person[]>;
  listWorkloads(limit?: number): Promise<Workload[]>;
  updateCredential(
    id: string,
    patch: {
      status?: Credential['status'];
      addFlags?: readonly string[];
      /** After a rotation: the new provider-side id; the old value's fingerprint no longer names it. */
      providerId?: string;
      clearFingerprint?: boolean;
      /** Only if its status is still this (a compare-and-set): false when it was not. */
      ifStatus?: Credential['status'];
    },
  ): Promise<boolean>;

  /** Inserts the trigger; false when a trigger with this id already exists (dedup). */
  insertTrigger(t: Trigger): Promise<boolean>;
  getTrigger(id: string): Promise<Trigger | null>;
  /**
   * Ids of triggers, plans or tasks that are `id` or start with it (the CLI shows ids shortened):
   * the exact match first, at most `limit`.
   */
  idsLike(kind: 'trigger' | 'plan' | 'task', id: string, limit: number): Promise<string[]>;
  listTriggers(q: { since?: string; until?: string; limit?: number }): Promise<Trigger[]>;

  /** Inserts the plan and its tasks; tasks whose id exists already are left as they are. */
  /** Stores the plan and its tasks (idempotent); returns the tasks it inserted ready to run. */
  insertPlan(plan: PlanDraft, sealedByTask: ReadonlyMap<string, string>, now: string): Promise<TaskDraft[]>;
  getPlan(id: string): Promise<Plan | null>;
  /** Oldest first, or `newestFirst` (a timeline's recent page). */
  listPlans(q: {
    triggerId?: string;
    status?: PlanStatus;
    limit?: number;
    newestFirst?: boolean;
  }): Promise<Plan[]>;
  setPlanStatus(id: string, status: PlanStatus, now: string): Promise<void>;

  getTask(id: string): Promise<ClaimedTask | null>;
  listTasks(q: TaskQuery): Promise<Task[]>;
  /**
   * Moves a task to `running` under a lease and counts the attempt, if it is runnable: planned, or
   * running with an expired lease (its process died; `interrupted` = true). A `verifying` task whose
   * next check is due is claimed for that check: it stays `verifying` and no attempt is counted.
   * Returns null when the task is final, waiting for approval, or leased by an attempt in progress.
   */
  claimTask(
    id: string,
    now: string,
    leaseMs: number,
    /** The worker taking the lease (src/pipeline/presence.ts): if it stops beating, the lease ends. */
    holder?: string,
  ): Promise<{ claimed: ClaimedTask; interrupted: boolean; lease: LeaseToken } | null>;
  /**
   * Records the outcome of the attempt holding `lease`. Null, changing nothing, when that attempt no
   * longer owns the task (its lease expired and another claim took it, or it is not running).
   */
  finishTask(id: string, f: TaskFinish, now: string, lease: LeaseToken): Promise<FinishedTask | null>;
  /** Extends the lease of the attempt holding `lease` to `leaseUntil`; false when it no longer owns the task. */
  renewLease(id: string, lease: LeaseToken, leaseUntil: string, now: string): Promise<boolean>;
  /** Marks the plan done if none of its tasks is open (planned, awaiting approval, running). */
  completePlanIfDone(planId: string, now: string): Promise<boolean>;
  /** Marks done the running plans (last touched before `updatedBefore`) with no open task left. */
  completeFinishedPlans(now: string, updatedBefore: string, limit: number): Promise<string[]>;
  setTaskStatus(
    ids: readonly string[],
    from: TaskStatus,
    to: TaskStatus,
    now: string,
    outcome?: Outcome,
  ): Promise<number>;
  /**
   * Tasks to (re)publish: delayed retries that are due, planned tasks not picked up for
   * `staleSeconds` (their message was lost before it was published), and expired leases.
   */
  dueTasks(now: string, limit: number, staleSeconds: number): Promise<Task[]>;
  /** A first-phase task ended: the plan's next phase becomes due if no earlier-phase task is open. */
  releaseLaterPhase(planId: string, now: string): Promise<number>;
  /** A task succeeded: its follow-ups become due `waitMs` from now. */
  releaseFollowUps(id: string, now: string): Promise<number>;
  /** `dlq retry` of tasks: their follow-ups dead-lettered for that failure are re-armed too. */
  requeueFollowUps(ids: readonly string[], now: string): Promise<Task[]>;
  /** `dlq retry`: a dead-lettered task becomes planned again with a fresh retry budget. */
  requeueDeadLetter(id: string, now: string): Promise<boolean>;
  addOperator(op: { name: string; role: string; tokenHash: string }, now: string): Promise<void>;
  operatorByTokenHash(hash: string): Promise<{ name: string; role: string } | null>;
  /**
   * Gives a claimed task back without counting the attempt (rate budget, open circuit); false,
   * changing nothing, when the attempt holding `lease` no longer owns the task.
   */
  deferTask(id: string, until: string, now: string, lease: LeaseToken): Promise<boolean>;
  /** After republishing: clears due times and recovered leases so the next tick skips them. */
  markRepublished(ids: readonly string[], now: string, staleSeconds: number): Promise<void>;
  /**
   * Unclaimed tasks a lane cannot run yet (its budget's next slot, its breaker's probe time): each
   * becomes due at its `until`, durably, with no claim and no attempt. Tasks claimed meanwhile are
   * left alone. Returns how many were postponed.
   */
  postponeTasks(items: readonly { id: string; until: string }[], now: string): Promise<number>;
  /** Tasks waiting in a live lane's queue: their lost-message repair (`staleSeconds`) starts over. */
  touchTasks(ids: readonly string[], now: string): Promise<void>;

  /** Chains entries now (the head stays locked to the commit) and returns them; the caller tells observers. */
  appendAudit(entries: readonly AuditEntry[], now: string): Promise<AuditRecord[]>;
  /**
   * Adds entries to the trail with this transaction's writes, for the hot path: on PostgreSQL they
   * are chained just after the commit, so no state change waits on the chain head (audit-outbox.ts).
   * The store's `onAudit` listeners hear of them once chained.
   */
  recordAudit(entries: readonly AuditEntry[], now: string): Promise<void>;
  /** On the store (not in a transaction), sees every record committed before the call. */
  listAudit(q: AuditQuery): Promise<AuditRecord[]>;
  /** The chain head, and the last seq hashed without the audit key (legacy records, src/audit/chain.ts). */
  auditHead(): Promise<{ seq: number; hash: string; legacySeq: number }>;
}

/** What reaping the silent workers found (Store.reapWorkers). */
export interface Reaped {
  /** The workers found dead (and removed). */
  workers: string[];
  /** Their admission slots, freed. */
  slots: number;
  /** Their running or verifying tasks, whose leases now end. */
  tasks: number;
}

export interface Store extends StoreOps {
  transaction<T>(fn: (ops: StoreOps) => Promise<T>): Promise<T>;
  /** Hears of `recordAudit` records once they are on the chain, in chain order; never of `appendAudit`'s. */
  onAudit(listener: (records: readonly AuditRecord[]) => Promise<void>): void;
  /** Resolves once every `recordAudit` record committed before the call is chained and heard of. */
  flushAudit(): Promise<void>;
  /** Worker presence (src/store/workers-sql.ts): `worker` is alive, on the database's clock. */
  beatWorker(worker: string): Promise<void>;
  /**
   * Removes the workers silent for longer than `deadAfterMs`, frees their admission slots and ends
   * the leases they held at `now`, so their tasks are recovered at once.
   */
  reapWorkers(deadAfterMs: number, now: string): Promise<Reaped>;
  /** A worker that drained and stops. */
  retireWorker(worker: string): Promise<void>;
  /** Chains what it can of the outbox first; what it cannot stays there for the next process. */
  close(): Promise<void>;
}
