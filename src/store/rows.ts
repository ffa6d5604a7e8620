/** Row ↔ object mapping for the SQL store; the SQL column names stay in this folder. */
import { z } from 'zod';
import { AuditRecord } from '../../schemas/audit.js';
import { Timestamp } from '../../schemas/common.js';
import { Credential, Person, Workload } from '../../schemas/credential.js';
import { Plan, Task } from '../../schemas/plan.js';
import { Trigger, TriggerKind } from '../../schemas/trigger.js';

type Row = Record<string, unknown>;

export function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return new Date(String(v)).toISOString();
}
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
export const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function credentialFromRow(r: Row): Credential {
  return Credential.parse({
    id: r.id,
    provider: r.provider,
    kind: r.kind,
    providerId: opt(r.provider_id),
    fingerprint: opt(r.fingerprint),
    owner: opt(r.owner),
    workload: opt(r.workload),
    scopes: json(r.scopes),
    protected: r.protected,
    status: r.status,
    labels: json(r.labels),
    flags: json(r.flags),
    createdBy: opt(r.created_by),
    readers: json(r.readers ?? '[]'),
    rotateTo: r.rotate_to === null || r.rotate_to === undefined ? undefined : json(r.rotate_to),
    issuedAt: isoOrNull(r.issued_at) ?? undefined,
    lastUsedAt: isoOrNull(r.last_used_at) ?? undefined,
    expiresAt: isoOrNull(r.expires_at) ?? undefined,
  });
}

export function personFromRow(r: Row): Person {
  return Person.parse({ id: r.id, aliases: json(r.aliases), identities: json(r.identities) });
}

export function workloadFromRow(r: Row): Workload {
  return Workload.parse({ name: r.name, aliases: json(r.aliases) });
}

export function triggerFromRow(r: Row): Trigger {
  return Trigger.parse(json(r.body));
}

const TriggerRef = z.object({ id: z.string(), kind: TriggerKind, receivedAt: Timestamp });

/** The trigger facts a finished task's observers need, as finishTask's RETURNING builds them. */
export function triggerRefFromJson(v: unknown): Pick<Trigger, 'id' | 'kind' | 'receivedAt'> {
  return TriggerRef.parse(json(v));
}

export function planFromRow(r: Row): Plan {
  return Plan.parse({
    id: r.id,
    triggerId: r.trigger_id,
    decision: r.decision,
    status: r.status,
    holds: json(r.holds),
    notes: json(r.notes ?? '[]'),
    needsOwner: json(r.needs_owner ?? '[]'),
    taskCount: Number(r.task_count),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  });
}

export function taskFromRow(r: Row): Task {
  return Task.parse({
    id: r.id,
    planId: r.plan_id,
    triggerId: r.trigger_id,
    action: r.action,
    decision: r.decision,
    provider: r.provider ?? null,
    credentialId: r.credential_id ?? null,
    credentialKind: r.credential_kind,
    providerId: opt(r.provider_id),
    fingerprint: opt(r.fingerprint),
    reason: r.reason,
    flags: json(r.flags),
    hold: opt(r.hold),
    rotateTo: r.rotate_to === null || r.rotate_to === undefined ? undefined : json(r.rotate_to),
    after: opt(r.after_task),
    ...(Number(r.phase ?? 0) > 0 ? { phase: Number(r.phase) } : {}),
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    lastError: r.last_error === null || r.last_error === undefined ? null : json(r.last_error),
    outcome: r.outcome ?? null,
    verifiedAt: isoOrNull(r.verified_at),
    effectiveAt: isoOrNull(r.effective_at),
    verify: r.verify_state === null || r.verify_state === undefined ? null : json(r.verify_state),
    retryWindowStartedAt: iso(r.retry_window_started_at ?? r.created_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  });
}

/** The entry columns an audit row and an outbox row share. */
export function auditEntryFields(r: Row) {
  return {
    type: r.type,
    actor: r.actor,
    triggerId: r.trigger_id ?? null,
    planId: r.plan_id ?? null,
    taskId: r.task_id ?? null,
    credentialId: r.credential_id ?? null,
    data: json(r.data),
  };
}

export function auditFromRow(r: Row): AuditRecord {
  return AuditRecord.parse({
    seq: Number(r.seq),
    at: iso(r.at),
    ...auditEntryFields(r),
    prevHash: r.prev_hash,
    hash: r.hash,
  });
}
