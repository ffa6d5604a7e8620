/** The one SQL implementation of the store port, over either adapter's Db. */
import { afterCreated, freshness, type Freshness } from './statistics.js';
import type { AuditEntry } from '../../schemas/audit.js';
import type { Credential, Person, Workload } from '../../schemas/credential.js';
import {
  FINAL_TASK_STATUSES,
  PHASE_WAIT_MAX_MS,
  SECRET_DROP_STATUSES,
  TaskStatus,
  type Outcome,
  type PlanDraft,
  type PlanStatus,
  type Task,
  type TaskDraft,
} from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';
import { appendAudit, auditHead, listAudit, type HeadHint } from './audit-sql.js';
import { AuditTrail, type AuditListener, type Recorded } from './audit-trail.js';
import type { Db } from './db.js';
import {
  findCredentials,
  findPeople,
  findWorkloads,
  listPeople,
  listWorkloads,
  upsertCredentials,
  upsertPeople,
  upsertWorkloads,
} from './inventory-sql.js';
import { migrate } from './migrations.js';
import { beatWorker, reapWorkers, retireWorker } from './workers-sql.js';
import type {
  AuditQuery,
  ClaimedTask,
  CredentialQuery,
  FinishedTask,
  Store,
  StoreOps,
  TaskFinish,
  TaskQuery,
} from './port.js';
import { rowSource } from './row-source.js';
import {
  credentialFromRow,
  iso,
  json,
  planFromRow,
  taskFromRow,
  triggerFromRow,
  triggerRefFromJson,
} from './rows.js';

const j = (v: unknown) => JSON.stringify(v);

/** A plan is done once none of its tasks is in one of these. */
const OPEN_TASK_STATUSES: readonly TaskStatus[] = TaskStatus.options.filter(
  (s) => !FINAL_TASK_STATUSES.includes(s),
);

/**
 * SQL true while task `t` must wait for an earlier phase of its plan: an earlier-phase task is open
 * and `t` has waited less than PHASE_WAIT_MAX_MS. Placeholders: the final statuses, now, the bound (s).
 */
function earlierPhaseOpen(t: string, finals: string, at: string, boundSecs: string): string {
  return `(${t}.phase > 0 AND ${t}.created_at > ${at}::timestamptz - make_interval(secs => ${boundSecs})
    AND EXISTS (SELECT 1 FROM tasks e WHERE e.plan_id = ${t}.plan_id AND e.phase < ${t}.phase
                  AND NOT (e.status = ANY(${finals}::text[]))))`;
}

class SqlOps implements StoreOps {
  /** What this transaction recorded with recordAudit (the store hands it on after the commit). */
  readonly recorded: Recorded = { records: [], staged: false };

  constructor(
    protected readonly db: Db,
    protected readonly head: HeadHint,
    protected readonly trail: AuditTrail,
    protected readonly fresh: Freshness,
  ) {}

  async upsertCredentials(creds: readonly Credential[]) {
    const written = await upsertCredentials(this.db, creds);
    await afterCreated(this.db, this.fresh, written.created.length);
    return written;
  }

  async listCredentials(limit = 1000, after?: string): Promise<Credential[]> {
    const rows = await this.db.query(
      'SELECT * FROM credentials WHERE ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $1',
      [limit, after ?? null],
    );
    return rows.map(credentialFromRow);
  }

  findCredentials(q: CredentialQuery) {
    return findCredentials(this.db, q);
  }

  upsertPeople(people: readonly Person[]) {
    return upsertPeople(this.db, people);
  }

  upsertWorkloads(workloads: readonly Workload[]) {
    return upsertWorkloads(this.db, workloads);
  }

  findPeople(ids: readonly string[]) {
    return findPeople(this.db, ids);
  }

  findWorkloads(name: string) {
    return findWorkloads(this.db, name);
  }

  listPeople(limit = 10_000) {
    return listPeople(this.db, limit);
  }

  listWorkloads(limit = 10_000) {
    return listWorkloads(this.db, limit);
  }

  async updateCredential(
    id: string,
    patch: {
      status?: Credential['status'];
      addFlags?: readonly string[];
      providerId?: string;
      clearFingerprint?: boolean;
      ifStatus?: Credential['status'];
    },
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE credentials SET status = COALESCE($2, status),
         flags = (SELECT COALESCE(jsonb_agg(DISTINCT f), '[]'::jsonb) FROM jsonb_array_elements(flags || $3::jsonb) f),
         provider_id = COALESCE($4, provider_id),
         fingerprint = CASE WHEN $5 THEN NULL ELSE fingerprint END,
         updated_at = now() WHERE id = $1 AND ($6::text IS NULL OR status = $6) RETURNING id`,
      [
        id,
        patch.status ?? null,
        j(patch.addFlags ?? []),
        patch.providerId ?? null,
        patch.clearFingerprint ?? false,
        patch.ifStatus ?? null,
      ],
    );
    return rows.length === 1;
  }

  async insertTrigger(t: Trigger): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO triggers (id, kind, source, occurred_at, received_at, body) VALUES ($1,$2,$3,$4,$5,$6::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [t.id, t.kind, t.source, t.occurredAt, t.receivedAt, j(t)],
    );
    return rows.length === 1;
  }

  async idsLike(kind: 'trigger' | 'plan' | 'task', id: string, limit: number): Promise<string[]> {
    const table = { trigger: 'triggers', plan: 'plans', task: 'tasks' }[kind];
    const prefix = id.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    const rows = await this.db.query(
      `SELECT id FROM ${table} WHERE id LIKE $1 ESCAPE '\\' ORDER BY (id = $2) DESC, id LIMIT $3`,
      [prefix, id, limit],
    );
    return rows.map((r) => String(r.id));
  }

  async getTrigger(id: string): Promise<Trigger | null> {
    const [r] = await this.db.query('SELECT body FROM triggers WHERE id = $1', [id]);
    return r ? triggerFromRow(r) : null;
  }

  async listTriggers(q: { since?: string; until?: string; limit?: number }): Promise<Trigger[]> {
    const rows = await this.db.query(
      `SELECT body FROM triggers WHERE ($1::timestamptz IS NULL OR received_at >= $1)
         AND ($2::timestamptz IS NULL OR received_at < $2) ORDER BY received_at, id LIMIT $3`,
      [q.since ?? null, q.until ?? null, q.limit ?? 1000],
    );
    return rows.map(triggerFromRow);
  }

  async insertPlan(
    plan: PlanDraft,
    sealedByTask: ReadonlyMap<string, string>,
    now: string,
  ): Promise<TaskDraft[]> {
    // A held task waits alone; the rest of the plan runs now.
    const statuses = plan.tasks.map((t): TaskStatus =>
      t.decision === 'shadow' || t.provider === null ? 'skipped' : t.hold ? 'awaiting_approval' : 'planned',
    );
    const source = rowSource(
      'u',
      [
        'id',
        'action',
        'decision',
        'provider',
        'credential_id',
        'credential_kind',
        'provider_id',
        'fingerprint',
        'reason',
        'flags',
        'status',
        'outcome',
        'sealed_secret',
        'hold',
        'rotate_to',
        'after_task',
        'not_before',
        'wait_ms',
        'phase',
      ],
      plan.tasks.map((t, i) => [
        t.id,
        t.action,
        t.decision,
        t.provider,
        t.credentialId,
        t.credentialKind,
        t.providerId ?? null,
        t.fingerprint ?? null,
        t.reason,
        j(t.flags),
        statuses[i]!,
        statuses[i] === 'skipped' ? 'shadow' : null,
        // A shadow task keeps its sealed value like a dead letter: nothing killed the credential, and
        // a replay once its provider is configured revokes it by value.
        sealedByTask.get(t.id) ?? null,
        t.hold ?? null,
        t.rotateTo ? j(t.rotateTo) : null,
        t.after ?? null,
        t.notBefore ?? null,
        t.waitMs === undefined ? null : String(t.waitMs),
        String(t.phase ?? 0),
      ]),
      10,
    );
    // The plan and all its tasks in one statement: a 10k-credential fan-out is one round trip, not 10k.
    // The tasks' foreign key is checked at the end of the statement, after the plan row is in.
    const rows = await this.db.query<{ id: string; status: string }>(
      `WITH plan AS (
         INSERT INTO plans (id, trigger_id, decision, status, holds, task_count, created_at, updated_at,
           notes, needs_owner)
         VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7,$7,$8::jsonb,$9::jsonb) ON CONFLICT (id) DO NOTHING)
       INSERT INTO tasks (id, plan_id, trigger_id, action, decision, provider, credential_id, credential_kind,
         provider_id, fingerprint, reason, flags, status, outcome, sealed_secret, hold, rotate_to, after_task,
         next_attempt_at, wait_ms, phase, created_at, updated_at)
       SELECT id, $1::text, $2::text, action, decision, provider, credential_id, credential_kind, provider_id,
         fingerprint, reason, flags::jsonb, status, outcome, sealed_secret, hold, rotate_to::jsonb, after_task,
         not_before::timestamptz, wait_ms::bigint, phase::integer, $7::timestamptz, $7::timestamptz
       FROM ${source.sql}
       ON CONFLICT (id) DO NOTHING
       RETURNING id, status`,
      [
        plan.id,
        plan.triggerId,
        plan.decision,
        plan.status,
        j(plan.holds),
        plan.tasks.length,
        now,
        j(plan.notes),
        j(plan.needsOwner),
        ...source.params,
      ],
    );
    const inserted = new Set(rows.filter((r) => r.status === 'planned').map((r) => r.id));
    return plan.tasks.filter((t) => inserted.has(t.id));
  }

  async getPlan(id: string) {
    const [r] = await this.db.query('SELECT * FROM plans WHERE id = $1', [id]);
    return r ? planFromRow(r) : null;
  }

  async listPlans(q: { triggerId?: string; status?: PlanStatus; limit?: number; newestFirst?: boolean }) {
    const rows = await this.db.query(
      `SELECT * FROM plans WHERE ($1::text IS NULL OR trigger_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY ${q.newestFirst ? 'created_at DESC, id DESC' : 'created_at, id'} LIMIT $3`,
      [q.triggerId ?? null, q.status ?? null, q.limit ?? 1000],
    );
    return rows.map(planFromRow);
  }

  async setPlanStatus(id: string, status: PlanStatus, now: string) {
    await this.db.query('UPDATE plans SET status = $2, updated_at = $3 WHERE id = $1', [id, status, now]);
  }

  async getTask(id: string): Promise<ClaimedTask | null> {
    const [r] = await this.db.query('SELECT * FROM tasks WHERE id = $1', [id]);
    return r ? { task: taskFromRow(r), sealedSecret: (r.sealed_secret as string | null) ?? null } : null;
  }

  async listTasks(q: TaskQuery): Promise<Task[]> {
    const rows = await this.db.query(
      `SELECT * FROM tasks WHERE ($1::text IS NULL OR trigger_id = $1) AND ($2::text IS NULL OR plan_id = $2)
         AND (cardinality($3::text[]) = 0 OR status = ANY($3::text[])) ORDER BY created_at, id LIMIT $4`,
      [q.triggerId ?? null, q.planId ?? null, q.statuses ?? [], q.limit ?? 10_000],
    );
    return rows.map(taskFromRow);
  }

  async claimTask(id: string, now: string, leaseMs: number, holder?: string) {
    const [before] = await this.db.query<{
      status: string;
      lease_until: unknown;
      next_attempt_at: unknown;
      after_open: boolean | null;
      phase_open: boolean;
    }>(
      `SELECT t.status, t.lease_until, t.next_attempt_at, NOT (p.status = ANY($2::text[])) AS after_open,
         ${earlierPhaseOpen('t', '$2', '$3', '$4')} AS phase_open
       FROM tasks t LEFT JOIN tasks p ON p.id = t.after_task WHERE t.id = $1 FOR UPDATE OF t`,
      [id, FINAL_TASK_STATUSES, now, PHASE_WAIT_MAX_MS / 1000],
    );
    if (!before) return null;
    // A follow-up whose predecessor is still open is not claimed (no attempt, no record): the
    // predecessor's success makes it due (releaseFollowUps); so is a task whose plan's earlier
    // phase is still open (its end releases the next phase, releaseLaterPhase).
    if (before.status === 'planned' && (before.after_open === true || before.phase_open)) return null;
    // A running task whose lease is still valid belongs to an attempt in progress elsewhere; the
    // scheduler clears the lease of a task it recovers. A planned task not yet due is a stale message.
    const leaseExpired = before.lease_until === null || iso(before.lease_until) <= iso(now);
    const due = before.next_attempt_at === null || iso(before.next_attempt_at) <= iso(now);
    // A verifying task is claimed for one check: it stays verifying, and the check is no attempt.
    const verify = before.status === 'verifying' && due && leaseExpired;
    if (!(before.status === 'planned' && due) && !(before.status === 'running' && leaseExpired) && !verify)
      return null;
    const leaseUntil = new Date(Date.parse(now) + leaseMs).toISOString();
    const [r] = await this.db.query(
      `UPDATE tasks SET status = CASE WHEN $4 THEN 'verifying' ELSE 'running' END,
         attempts = attempts + CASE WHEN $4 THEN 0 ELSE 1 END, next_attempt_at = NULL, lease_until = $3,
         lease_generation = lease_generation + 1, holder = $5, updated_at = $2 WHERE id = $1 RETURNING *`,
      [id, now, leaseUntil, verify, holder ?? null],
    );
    if (!r) return null;
    return {
      claimed: { task: taskFromRow(r), sealedSecret: (r.sealed_secret as string | null) ?? null },
      interrupted: before.status === 'running',
      lease: Number(r.lease_generation),
    };
  }

  async renewLease(id: string, lease: number, leaseUntil: string, now: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE tasks SET lease_until = $3, updated_at = $4
       WHERE id = $1 AND status IN ('running', 'verifying') AND lease_generation = $2 RETURNING id`,
      [id, lease, leaseUntil, now],
    );
    return rows.length === 1;
  }

  async finishTask(id: string, f: TaskFinish, now: string, lease: number): Promise<FinishedTask | null> {
    // RETURNING the task with what observers of its outcome read (trigger kind and receipt time, the
    // credential as this transaction left it), so the caller needs no further reads.
    const [r] = await this.db.query(
      `UPDATE tasks SET status = $2, outcome = COALESCE($3, outcome), last_error = $4::jsonb,
         next_attempt_at = $5, verified_at = COALESCE($6, verified_at), effective_at = COALESCE($7, effective_at),
         sealed_secret = CASE WHEN $8 THEN NULL ELSE sealed_secret END, lease_until = NULL, updated_at = $9,
         verify_state = $11::jsonb
       WHERE id = $1 AND status IN ('running', 'verifying') AND lease_generation = $10
       RETURNING *,
         (SELECT jsonb_build_object('id', g.id, 'kind', g.kind, 'receivedAt', g.body->'receivedAt')
            FROM triggers g WHERE g.id = tasks.trigger_id) AS finished_trigger,
         (SELECT to_jsonb(c) FROM credentials c WHERE c.id = tasks.credential_id) AS finished_credential`,
      [
        id,
        f.status,
        f.outcome ?? null,
        f.lastError ? j(f.lastError) : null,
        f.nextAttemptAt ?? null,
        f.verifiedAt ?? null,
        f.effectiveAt ?? null,
        f.dropSecret ?? SECRET_DROP_STATUSES.includes(f.status),
        now,
        lease,
        f.verify ? j(f.verify) : null,
      ],
    );
    if (!r) return null;
    const trigger = r.finished_trigger ?? null;
    const credential = r.finished_credential ?? null;
    return {
      task: taskFromRow(r),
      trigger: trigger === null ? null : triggerRefFromJson(trigger),
      credential: credential === null ? null : credentialFromRow(json(credential)),
    };
  }

  async completePlanIfDone(planId: string, now: string): Promise<boolean> {
    // EXISTS stops at the first open task (index tasks_plan_status): a 10k-task fan-out must not read
    // its whole plan once per finished task.
    const rows = await this.db.query(
      `UPDATE plans SET status = 'done', updated_at = $2 WHERE id = $1
         AND NOT EXISTS (SELECT 1 FROM tasks WHERE plan_id = $1 AND status = ANY($3::text[]))
       RETURNING id`,
      [planId, now, OPEN_TASK_STATUSES],
    );
    return rows.length === 1;
  }

  async completeFinishedPlans(now: string, updatedBefore: string, limit: number): Promise<string[]> {
    // Two tasks of one plan finishing at the same moment (PostgreSQL, READ COMMITTED) each see the
    // other still open, so neither marks the plan done: this sweep is what catches that.
    const rows = await this.db.query<{ id: string }>(
      `UPDATE plans SET status = 'done', updated_at = $1 WHERE id IN (
         SELECT p.id FROM plans p WHERE p.status IN ('planned', 'approved') AND p.updated_at < $2
           AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.plan_id = p.id AND t.status = ANY($4::text[]))
         LIMIT $3)
       RETURNING id`,
      [now, updatedBefore, limit, OPEN_TASK_STATUSES],
    );
    return rows.map((r) => r.id);
  }

  async setTaskStatus(
    ids: readonly string[],
    from: TaskStatus,
    to: TaskStatus,
    now: string,
    outcome?: Outcome,
  ) {
    const rows = await this.db.query(
      `UPDATE tasks SET status = $3, updated_at = $4, outcome = COALESCE($6, outcome),
         sealed_secret = CASE WHEN $5 THEN NULL ELSE sealed_secret END
       WHERE id = ANY($1::text[]) AND status = $2 RETURNING id`,
      [ids, from, to, now, SECRET_DROP_STATUSES.includes(to), outcome ?? null],
    );
    return rows.length;
  }

  async dueTasks(now: string, limit: number, staleSeconds: number): Promise<Task[]> {
    const rows = await this.db.query(
      `SELECT * FROM tasks
       WHERE (status = 'planned' AND COALESCE(next_attempt_at, updated_at + make_interval(secs => $3)) <= $1
              -- A follow-up waits for its predecessor's end, not for a message; a later phase for
              -- the earlier one's.
              AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.id = tasks.after_task
                                AND NOT (p.status = ANY($4::text[])))
              AND NOT ${earlierPhaseOpen('tasks', '$4', '$1', '$5')})
          OR (status = 'running' AND lease_until <= $1)
          OR (status = 'verifying'
              AND COALESCE(lease_until, next_attempt_at, updated_at + make_interval(secs => $3)) <= $1)
       ORDER BY COALESCE(next_attempt_at, updated_at) LIMIT $2`,
      [now, limit, staleSeconds, FINAL_TASK_STATUSES, PHASE_WAIT_MAX_MS / 1000],
    );
    return rows.map(taskFromRow);
  }

  async releaseLaterPhase(planId: string, now: string): Promise<number> {
    // The first phase is over: the next phase's tasks are due now (the scheduler publishes them).
    const rows = await this.db.query(
      `UPDATE tasks t SET next_attempt_at = $2, updated_at = $2
       WHERE t.plan_id = $1 AND t.status = 'planned' AND t.phase > 0 AND t.next_attempt_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM tasks e WHERE e.plan_id = $1 AND e.phase < t.phase
                           AND NOT (e.status = ANY($3::text[])))
       RETURNING t.id`,
      [planId, now, FINAL_TASK_STATUSES],
    );
    return rows.length;
  }

  async releaseFollowUps(id: string, now: string): Promise<number> {
    // The grace period runs from the moment the predecessor succeeded, never from the trigger.
    const rows = await this.db.query(
      `UPDATE tasks SET next_attempt_at = $2::timestamptz + make_interval(secs => COALESCE(wait_ms, 0) / 1000.0),
         updated_at = $2 WHERE after_task = $1 AND status = 'planned' RETURNING id`,
      [id, now],
    );
    return rows.length;
  }

  async requeueFollowUps(ids: readonly string[], now: string): Promise<Task[]> {
    const out: Task[] = [];
    let wave = [...ids];
    // A chain (rotate → disable → delete) is re-armed whole.
    while (wave.length > 0) {
      const rows = await this.db.query(
        `UPDATE tasks SET status = 'planned', attempts = 0, next_attempt_at = NULL, lease_until = NULL,
           last_error = NULL, retry_window_started_at = $2, updated_at = $2
         WHERE after_task = ANY($1::text[]) AND status = 'dead_lettered'
           AND last_error->>'code' = 'DEPENDENCY_FAILED' RETURNING *`,
        [wave, now],
      );
      const tasks = rows.map(taskFromRow);
      out.push(...tasks);
      wave = tasks.map((t) => t.id);
    }
    return out;
  }

  async requeueDeadLetter(id: string, now: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE tasks SET status = 'planned', attempts = 0, next_attempt_at = NULL, lease_until = NULL,
         retry_window_started_at = $2, updated_at = $2 WHERE id = $1 AND status = 'dead_lettered' RETURNING id`,
      [id, now],
    );
    return rows.length === 1;
  }

  async addOperator(op: { name: string; role: string; tokenHash: string }, now: string) {
    await this.db.query(
      `INSERT INTO operators (name, role, token_hash, created_at) VALUES ($1,$2,$3,$4)
       ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash`,
      [op.name, op.role, op.tokenHash, now],
    );
  }

  async operatorByTokenHash(hash: string) {
    const [r] = await this.db.query<{ name: string; role: string }>(
      'SELECT name, role FROM operators WHERE token_hash = $1',
      [hash],
    );
    return r ? { name: r.name, role: r.role } : null;
  }

  async deferTask(id: string, until: string, now: string, lease: number) {
    const rows = await this.db.query(
      `UPDATE tasks SET status = 'planned', attempts = GREATEST(attempts - 1, 0), next_attempt_at = $2,
         lease_until = NULL, updated_at = $3 WHERE id = $1 AND status = 'running' AND lease_generation = $4
       RETURNING id`,
      [id, until, now, lease],
    );
    return rows.length === 1;
  }

  async markRepublished(ids: readonly string[], now: string, staleSeconds: number) {
    // Only rows still in the state that made them due: a task claimed, deferred or finished since
    // the scheduler read it must keep its lease and due time.
    await this.db.query(
      `UPDATE tasks SET next_attempt_at = NULL, updated_at = $2,
         lease_until = CASE WHEN status IN ('running', 'verifying') THEN NULL ELSE lease_until END
       WHERE id = ANY($1::text[])
         AND ((status = 'planned' AND COALESCE(next_attempt_at, updated_at + make_interval(secs => $3)) <= $2)
           OR (status = 'running' AND lease_until <= $2)
           OR (status = 'verifying'
               AND COALESCE(lease_until, next_attempt_at, updated_at + make_interval(secs => $3)) <= $2))`,
      [ids, now, staleSeconds],
    );
  }

  async touchTasks(ids: readonly string[], now: string): Promise<void> {
    if (ids.length === 0) return;
    // Queued in a live lane: not stranded, so the scheduler's lost-message repair leaves them be.
    await this.db.query(
      `UPDATE tasks SET updated_at = $2 WHERE id = ANY($1::text[]) AND status IN ('planned', 'verifying')`,
      [ids, now],
    );
  }

  async postponeTasks(items: readonly { id: string; until: string }[], now: string): Promise<number> {
    if (items.length === 0) return 0;
    // Unclaimed work waiting for its lane (budget, open circuit): due again at its horizon. A running
    // task here is one recovered from a dead worker: its expired lease becomes the due time.
    const rows = await this.db.query(
      `UPDATE tasks t SET updated_at = $3,
         next_attempt_at = CASE WHEN t.status = 'running' THEN t.next_attempt_at ELSE v.until END,
         lease_until = CASE WHEN t.status = 'running' THEN v.until ELSE t.lease_until END
       FROM (SELECT unnest($1::text[]) AS id, unnest($2::timestamptz[]) AS until) v
       WHERE t.id = v.id AND (
         (t.status IN ('planned', 'verifying') AND (t.lease_until IS NULL OR t.lease_until <= $3))
         OR (t.status = 'running' AND t.lease_until <= $3))
       RETURNING t.id`,
      [items.map((i) => i.id), items.map((i) => i.until), now],
    );
    return rows.length;
  }

  appendAudit(entries: readonly AuditEntry[], now: string) {
    return appendAudit(this.db, this.head, entries, now);
  }

  recordAudit(entries: readonly AuditEntry[], now: string) {
    return this.trail.record(this.db, this.recorded, entries, now);
  }

  listAudit(q: AuditQuery) {
    return listAudit(this.db, q);
  }

  auditHead() {
    return auditHead(this.db);
  }
}

class SqlStore extends SqlOps implements Store {
  async transaction<T>(fn: (ops: StoreOps) => Promise<T>): Promise<T> {
    let ops: SqlOps | undefined;
    const result = await this.db.transaction((tx) =>
      fn((ops = new SqlOps(tx, this.head, this.trail, this.fresh))),
    );
    if (ops) await this.trail.committed(ops.recorded);
    return result;
  }
  // The chain head must stay locked from its read to the commit.
  override appendAudit(entries: readonly AuditEntry[], now: string) {
    return this.transaction((tx) => tx.appendAudit(entries, now));
  }
  override recordAudit(entries: readonly AuditEntry[], now: string) {
    return this.transaction((tx) => tx.recordAudit(entries, now));
  }
  // Readers of the trail see everything committed before they asked.
  override async listAudit(q: AuditQuery) {
    await this.trail.flush();
    return super.listAudit(q);
  }
  override async auditHead() {
    await this.trail.flush();
    return super.auditHead();
  }
  onAudit(listener: AuditListener) {
    this.trail.listen(listener);
  }
  flushAudit() {
    return this.trail.flush();
  }
  beatWorker(worker: string) {
    return beatWorker(this.db, worker);
  }
  reapWorkers(deadAfterMs: number, now: string) {
    return reapWorkers(this.db, deadAfterMs, now);
  }
  retireWorker(worker: string) {
    return retireWorker(this.db, worker);
  }
  async close() {
    await this.trail.close();
    await this.db.close();
  }
}

export interface StoreKeys {
  /** HMAC key of the audit chain (src/audit/chain.ts); kept outside the database. */
  auditKey: Buffer;
}

export interface StoreOptions {
  /**
   * Chain `recordAudit` entries after their commit, through the outbox (audit-outbox.ts): for a
   * store that several connections or processes write (PostgreSQL). Default: chained inline.
   */
  chainAfterCommit?: boolean;
  /** A failure after a commit (chaining, a listener): the state change stands; this reports it. */
  onAuditError?: (e: unknown) => void;
}

/** Migrates, then returns the store. */
export async function createStore(db: Db, keys: StoreKeys, opts: StoreOptions = {}): Promise<Store> {
  await migrate(db);
  const head: HeadHint = { current: null, key: keys.auditKey };
  const trail = new AuditTrail(
    db,
    head,
    opts.chainAfterCommit ?? false,
    opts.onAuditError ?? (() => undefined),
  );
  // What a crashed process left in the outbox is chained now, not at the first sweep.
  await trail.flush();
  return new SqlStore(db, head, trail, freshness());
}
