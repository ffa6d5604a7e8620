/** The one SQL implementation of the store port, over either adapter's Db. */
import { AuditEntry as AuditEntrySchema, type AuditEntry, type AuditRecord } from '../../schemas/audit.js';
import type { Credential } from '../../schemas/credential.js';
import {
  SECRET_DROP_STATUSES,
  type Outcome,
  type PlanDraft,
  type PlanStatus,
  type Task,
  type TaskStatus,
} from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';
import { chainHash } from '../audit/chain.js';
import type { Db } from './db.js';
import { migrate } from './migrations.js';
import type {
  AuditQuery,
  ClaimedTask,
  CredentialQuery,
  Store,
  StoreOps,
  TaskFinish,
  TaskQuery,
} from './port.js';
import { auditFromRow, credentialFromRow, iso, planFromRow, taskFromRow, triggerFromRow } from './rows.js';

const j = (v: unknown) => JSON.stringify(v);

class SqlOps implements StoreOps {
  constructor(protected readonly db: Db) {}

  async upsertCredentials(creds: readonly Credential[]): Promise<number> {
    for (const c of creds) {
      await this.db.query(
        `INSERT INTO credentials (id, provider, kind, provider_id, fingerprint, owner, workload, scopes, protected, status, labels, flags)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10,$11::jsonb,$12::jsonb)
         ON CONFLICT (id) DO UPDATE SET provider=EXCLUDED.provider, kind=EXCLUDED.kind, provider_id=EXCLUDED.provider_id,
           fingerprint=COALESCE(EXCLUDED.fingerprint, credentials.fingerprint), owner=EXCLUDED.owner,
           workload=EXCLUDED.workload, scopes=EXCLUDED.scopes, protected=EXCLUDED.protected, status=EXCLUDED.status,
           labels=EXCLUDED.labels, updated_at=now()`,
        [
          c.id,
          c.provider,
          c.kind,
          c.providerId ?? null,
          c.fingerprint ?? null,
          c.owner ?? null,
          c.workload ?? null,
          j(c.scopes),
          c.protected,
          c.status,
          j(c.labels),
          j(c.flags),
        ],
      );
    }
    return creds.length;
  }

  async listCredentials(limit = 1000): Promise<Credential[]> {
    const rows = await this.db.query('SELECT * FROM credentials ORDER BY id LIMIT $1', [limit]);
    return rows.map(credentialFromRow);
  }

  async findCredentials(q: CredentialQuery): Promise<Credential[]> {
    const rows = await this.db.query(
      `SELECT * FROM credentials WHERE id = ANY($1::text[]) OR fingerprint = ANY($2::text[])
         OR provider_id = ANY($3::text[]) OR lower(owner) = ANY($4::text[]) OR workload = ANY($5::text[])
       ORDER BY id`,
      [
        q.ids ?? [],
        q.fingerprints ?? [],
        q.providerIds ?? [],
        (q.owners ?? []).map((o) => o.toLowerCase()),
        q.workloads ?? [],
      ],
    );
    return rows.map(credentialFromRow);
  }

  async updateCredential(id: string, patch: { status?: Credential['status']; addFlags?: readonly string[] }) {
    await this.db.query(
      `UPDATE credentials SET status = COALESCE($2, status),
         flags = (SELECT COALESCE(jsonb_agg(DISTINCT f), '[]'::jsonb) FROM jsonb_array_elements(flags || $3::jsonb) f),
         updated_at = now() WHERE id = $1`,
      [id, patch.status ?? null, j(patch.addFlags ?? [])],
    );
  }

  async insertTrigger(t: Trigger): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO triggers (id, kind, source, occurred_at, received_at, body) VALUES ($1,$2,$3,$4,$5,$6::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [t.id, t.kind, t.source, t.occurredAt, t.receivedAt, j(t)],
    );
    return rows.length === 1;
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

  async insertPlan(plan: PlanDraft, sealedByTask: ReadonlyMap<string, string>, now: string): Promise<void> {
    await this.db.query(
      `INSERT INTO plans (id, trigger_id, decision, status, holds, task_count, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7,$7) ON CONFLICT (id) DO NOTHING`,
      [plan.id, plan.triggerId, plan.decision, plan.status, j(plan.holds), plan.tasks.length, now],
    );
    for (const t of plan.tasks) {
      const status: TaskStatus =
        t.decision === 'shadow' || t.provider === null
          ? 'skipped'
          : plan.status === 'awaiting_approval'
            ? 'awaiting_approval'
            : 'planned';
      await this.db.query(
        `INSERT INTO tasks (id, plan_id, trigger_id, action, decision, provider, credential_id, credential_kind,
           provider_id, fingerprint, reason, flags, status, outcome, sealed_secret, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12::jsonb,$13,$14,$15,$16,$16) ON CONFLICT (id) DO NOTHING`,
        [
          t.id,
          plan.id,
          plan.triggerId,
          t.action,
          t.decision,
          t.provider,
          t.credentialId,
          t.credentialKind,
          t.providerId ?? null,
          t.fingerprint ?? null,
          t.reason,
          j(t.flags),
          status,
          status === 'skipped' ? 'shadow' : null,
          status === 'skipped' ? null : (sealedByTask.get(t.id) ?? null),
          now,
        ],
      );
    }
  }

  async getPlan(id: string) {
    const [r] = await this.db.query('SELECT * FROM plans WHERE id = $1', [id]);
    return r ? planFromRow(r) : null;
  }

  async listPlans(q: { triggerId?: string; status?: PlanStatus; limit?: number }) {
    const rows = await this.db.query(
      `SELECT * FROM plans WHERE ($1::text IS NULL OR trigger_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at, id LIMIT $3`,
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

  async claimTask(id: string, now: string, leaseMs: number) {
    const [before] = await this.db.query<{ status: string; lease_until: unknown; next_attempt_at: unknown }>(
      'SELECT status, lease_until, next_attempt_at FROM tasks WHERE id = $1 FOR UPDATE',
      [id],
    );
    if (!before) return null;
    // A running task whose lease is still valid belongs to an attempt in progress elsewhere; the
    // scheduler clears the lease of a task it recovers. A planned task not yet due is a stale message.
    const leaseExpired = before.lease_until === null || iso(before.lease_until) <= iso(now);
    const due = before.next_attempt_at === null || iso(before.next_attempt_at) <= iso(now);
    if (!(before.status === 'planned' && due) && !(before.status === 'running' && leaseExpired)) return null;
    const leaseUntil = new Date(Date.parse(now) + leaseMs).toISOString();
    const [r] = await this.db.query(
      `UPDATE tasks SET status = 'running', attempts = attempts + 1, next_attempt_at = NULL, lease_until = $3,
         updated_at = $2 WHERE id = $1 RETURNING *`,
      [id, now, leaseUntil],
    );
    if (!r) return null;
    return {
      claimed: { task: taskFromRow(r), sealedSecret: (r.sealed_secret as string | null) ?? null },
      interrupted: before.status === 'running',
    };
  }

  async finishTask(id: string, f: TaskFinish, now: string) {
    await this.db.query(
      `UPDATE tasks SET status = $2, outcome = COALESCE($3, outcome), last_error = $4::jsonb,
         next_attempt_at = $5, verified_at = COALESCE($6, verified_at), effective_at = COALESCE($7, effective_at),
         sealed_secret = CASE WHEN $8 THEN NULL ELSE sealed_secret END, lease_until = NULL, updated_at = $9
       WHERE id = $1`,
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
      ],
    );
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
       WHERE (status = 'planned' AND COALESCE(next_attempt_at, updated_at + make_interval(secs => $3)) <= $1)
          OR (status = 'running' AND lease_until <= $1)
       ORDER BY COALESCE(next_attempt_at, updated_at) LIMIT $2`,
      [now, limit, staleSeconds],
    );
    return rows.map(taskFromRow);
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

  async deferTask(id: string, until: string, now: string) {
    await this.db.query(
      `UPDATE tasks SET status = 'planned', attempts = GREATEST(attempts - 1, 0), next_attempt_at = $2,
         lease_until = NULL, updated_at = $3 WHERE id = $1 AND status = 'running'`,
      [id, until, now],
    );
  }

  async markRepublished(ids: readonly string[], now: string, staleSeconds: number) {
    // Only rows still in the state that made them due: a task claimed, deferred or finished since
    // the scheduler read it must keep its lease and due time.
    await this.db.query(
      `UPDATE tasks SET next_attempt_at = NULL, updated_at = $2,
         lease_until = CASE WHEN status = 'running' THEN NULL ELSE lease_until END
       WHERE id = ANY($1::text[])
         AND ((status = 'planned' AND COALESCE(next_attempt_at, updated_at + make_interval(secs => $3)) <= $2)
           OR (status = 'running' AND lease_until <= $2))`,
      [ids, now, staleSeconds],
    );
  }

  async appendAudit(entries: readonly AuditEntry[], now: string): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    const [head] = await this.db.query<{ seq: string | number; hash: string }>(
      'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
    );
    if (!head) throw new Error('audit_head row is missing: the store was not migrated');
    let seq = Number(head.seq);
    let prevHash = head.hash;
    const out: AuditRecord[] = [];
    for (const e of entries) {
      const content = { ...AuditEntrySchema.parse(e), seq: ++seq, at: iso(now) };
      const hash = chainHash(prevHash, content);
      await this.db.query(
        `INSERT INTO audit (seq, at, type, actor, trigger_id, plan_id, task_id, credential_id, data, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11)`,
        [
          seq,
          content.at,
          content.type,
          content.actor,
          content.triggerId,
          content.planId,
          content.taskId,
          content.credentialId,
          j(content.data),
          prevHash,
          hash,
        ],
      );
      out.push({ ...content, prevHash, hash });
      prevHash = hash;
    }
    await this.db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, prevHash]);
    return out;
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM audit WHERE ($1::text IS NULL OR trigger_id = $1) AND ($2::text IS NULL OR credential_id = $2)
         AND ($3::text IS NULL OR plan_id = $3) AND ($6::text IS NULL OR task_id = $6) AND seq > $4 ORDER BY seq LIMIT $5`,
      [
        q.triggerId ?? null,
        q.credentialId ?? null,
        q.planId ?? null,
        q.afterSeq ?? 0,
        q.limit ?? 1000,
        q.taskId ?? null,
      ],
    );
    return rows.map(auditFromRow);
  }

  async auditHead() {
    const [h] = await this.db.query<{ seq: string | number; hash: string }>(
      'SELECT seq, hash FROM audit_head WHERE id = 1',
    );
    return { seq: Number(h?.seq ?? 0), hash: h?.hash ?? '' };
  }
}

class SqlStore extends SqlOps implements Store {
  transaction<T>(fn: (ops: StoreOps) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new SqlOps(tx)));
  }
  close() {
    return this.db.close();
  }
}

/** Migrates, then returns the store. */
export async function createStore(db: Db): Promise<Store> {
  await migrate(db);
  return new SqlStore(db);
}
