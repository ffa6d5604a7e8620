/**
 * The audit trail as OCSF 1.8 events (`audit export --format ocsf`): what Security Lake and most
 * SIEMs ingest. One record → one event of the closest class:
 * - a task's outcome on a credential → Account Change (3001): the credential's owner is `user`, the
 *   credential is `user.programmatic_credentials[0]` (its inventory id, never a value);
 * - a trigger and what its plan decided → Remediation Activity (7001), `command_uid` = the trigger;
 * - inventory, operators, dead letters, replays and the audit chain itself → Entity Management (3004).
 * An attempt, a scheduled retry or a fenced write is bookkeeping, not an event a SIEM acts on: the
 * trail keeps them, the export leaves them out. What OCSF has no attribute for (the workload, the
 * leak's evidence, the chain position) travels in `unmapped.tourniquet`. Nothing here holds a secret:
 * audit records never do, and evidence was redacted at intake.
 */
import { shareableEvidence } from '../../handlers/sources/evidence.js';
import type { AuditRecord } from '../../schemas/audit.js';
import type { Credential } from '../../schemas/credential.js';
import type { Task } from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';

export const OCSF_VERSION = '1.8.0';

/** What the export knows about a record's trigger, task and credential (looked up by the caller). */
export interface OcsfContext {
  trigger?: Trigger | null;
  task?: Task | null;
  credential?: Credential | null;
  productVersion: string;
}

export type OcsfEvent = Record<string, unknown>;

const SEVERITY = { informational: 1, medium: 3, high: 4 } as const;
const STATUS = { success: 1, failure: 2, other: 99 } as const;

const ACCOUNT_CHANGE = {
  uid: 3001,
  name: 'Account Change',
  category: [3, 'Identity & Access Management'],
} as const;
const ENTITY_MANAGEMENT = {
  uid: 3004,
  name: 'Entity Management',
  category: [3, 'Identity & Access Management'],
} as const;
const REMEDIATION = { uid: 7001, name: 'Remediation Activity', category: [7, 'Remediation'] } as const;
type OcsfClass = typeof ACCOUNT_CHANGE | typeof ENTITY_MANAGEMENT | typeof REMEDIATION;

/** Records the export leaves out (see the header). */
const BOOKKEEPING = new Set<AuditRecord['type']>([
  'task.attempt',
  'task.retry_scheduled',
  'task.attempt_fenced',
]);

const TASK_OUTCOMES: Partial<Record<AuditRecord['type'], { ok: boolean; severity: number; text: string }>> = {
  'task.revoked': { ok: true, severity: SEVERITY.informational, text: 'revoked' },
  'task.already_revoked': { ok: true, severity: SEVERITY.informational, text: 'already revoked' },
  'task.verified': { ok: true, severity: SEVERITY.informational, text: 'verified dead' },
  'task.verify_failed': { ok: false, severity: SEVERITY.high, text: 'still alive after revocation' },
  'task.failed': { ok: false, severity: SEVERITY.high, text: 'revocation failed' },
  'task.dead_lettered': { ok: false, severity: SEVERITY.high, text: 'dead-lettered: still alive' },
};

/** Account Change activities: what the action does to the credential. */
function accountActivity(action: string | undefined): [number, string] {
  if (action === 'delete') return [6, 'Delete'];
  if (action === 'rotate') return [99, 'Rotate'];
  return [5, 'Disable'];
}

/** Remediation Activity's D3FEND tactic: killing a credential evicts whoever holds it. */
const EVICT: [number, string] = [2, 'Evict'];

export function toOcsf(r: AuditRecord, ctx: OcsfContext): OcsfEvent | null {
  if (BOOKKEEPING.has(r.type)) return null;
  // Found enabled again at its provider: what Account Change calls Enable, and urgent.
  if (r.type === 'credential.drift')
    return accountChange(r, ctx, { ok: true, severity: SEVERITY.high, text: 'alive again' }, [2, 'Enable']);
  const outcome = TASK_OUTCOMES[r.type];
  if (outcome) return accountChange(r, ctx, outcome);
  if (r.type.startsWith('trigger.') || r.type.startsWith('plan.') || r.type.startsWith('task.'))
    return remediation(r, ctx);
  return entityManagement(r, ctx);
}

function accountChange(
  r: AuditRecord,
  ctx: OcsfContext,
  o: { ok: boolean; severity: number; text: string },
  activity?: [number, string],
): OcsfEvent {
  const action = typeof r.data.action === 'string' ? r.data.action : ctx.task?.action;
  const kind =
    ctx.task?.credentialKind ??
    ctx.credential?.kind ??
    (typeof r.data.kind === 'string' ? r.data.kind : undefined);
  const credential = {
    uid: r.credentialId ?? `task:${r.taskId ?? r.seq}`,
    ...(kind ? { type: kind } : {}),
  };
  const owner = ctx.credential?.owner;
  const user = {
    ...(owner ? { uid: owner, name: owner } : { name: 'unknown owner' }),
    programmatic_credentials: [credential],
  };
  const what = `${r.credentialId ?? 'credential'}${kind ? ` (${kind})` : ''}`;
  return {
    ...base(r, ctx, ACCOUNT_CHANGE, activity ?? accountActivity(action), o.severity),
    status_id: o.ok ? STATUS.success : STATUS.failure,
    status: o.text,
    ...(typeof r.data.code === 'string' && r.data.code ? { status_code: r.data.code } : {}),
    message: `${what}: ${o.text}`,
    user,
  };
}

function remediation(r: AuditRecord, ctx: OcsfContext): OcsfEvent {
  const failed = r.type === 'trigger.rejected' || r.type === 'plan.denied' || r.type === 'task.denied';
  const unsupported = r.type === 'plan.needs_owner';
  return {
    ...base(r, ctx, REMEDIATION, EVICT, unsupported ? SEVERITY.medium : SEVERITY.informational),
    command_uid: r.triggerId ?? r.planId ?? String(r.seq),
    // Remediation's own status 5 is "Unsupported": what no configured provider can do.
    status_id: unsupported
      ? 5
      : failed
        ? STATUS.failure
        : r.type === 'trigger.accepted'
          ? STATUS.success
          : STATUS.other,
    status: r.type,
    message: remediationMessage(r, ctx),
  };
}

function remediationMessage(r: AuditRecord, ctx: OcsfContext): string {
  const t = ctx.trigger;
  const who = t ? subjectText(t) : (r.triggerId ?? '');
  if (r.type === 'plan.needs_owner')
    return `${r.credentialId ?? 'a credential'}: needs its owner (${String(r.data.reason ?? '')})`;
  return `${r.type}${who ? `: ${who}` : ''}`;
}

function entityManagement(r: AuditRecord, ctx: OcsfContext): OcsfEvent {
  const created = r.type === 'operator.added' || r.type === 'inventory.imported';
  const entity = {
    uid: r.credentialId ?? (typeof r.data.name === 'string' ? r.data.name : r.type.split('.')[0]!),
    type: r.type.split('.')[0]!,
  };
  return {
    ...base(r, ctx, ENTITY_MANAGEMENT, created ? [1, 'Create'] : [3, 'Update'], SEVERITY.informational),
    status_id: STATUS.success,
    status: r.type,
    message: r.type,
    entity,
  };
}

function subjectText(t: Trigger): string {
  if (t.kind === 'offboarding') return `${t.subject.person} left`;
  if (t.kind === 'decommission') return `workload ${t.subject.workload} retired`;
  return `leak reported by ${t.source}`;
}

function base(
  r: AuditRecord,
  ctx: OcsfContext,
  cls: OcsfClass,
  [activityId, activityName]: [number, string],
  severityId: number,
): OcsfEvent {
  const time = Date.parse(r.at);
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: cls.category[0],
    category_name: cls.category[1],
    class_uid: cls.uid,
    class_name: cls.name,
    type_uid: cls.uid * 100 + activityId,
    type_name: `${cls.name}: ${activityName}`,
    severity_id: severityId,
    time,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'tourniquet', vendor_name: 'tourniquet', version: ctx.productVersion },
      uid: `audit-${r.seq}`,
      event_code: r.type,
      logged_time: time,
      log_name: 'audit',
      ...(r.triggerId ? { correlation_uid: r.triggerId } : {}),
      // When the source saw it (a leak's commit time, a leaver's termination), as the source said.
      ...(ctx.trigger ? { original_time: ctx.trigger.occurredAt } : {}),
    },
    // Only the IAM classes have an actor; Remediation Activity's is in `unmapped`.
    ...(cls.category[0] === 3 ? { actor: { user: { name: r.actor } } } : {}),
    unmapped: { tourniquet: details(r, ctx) },
  };
}

/** What OCSF has no attribute for: the chain position, the trigger's subject and evidence, the workload. */
function details(r: AuditRecord, ctx: OcsfContext): Record<string, unknown> {
  const t = ctx.trigger;
  const c = ctx.credential;
  return {
    seq: r.seq,
    actor: r.actor,
    hash: r.hash,
    prev_hash: r.prevHash,
    type: r.type,
    ...(r.triggerId ? { trigger_id: r.triggerId } : {}),
    ...(r.planId ? { plan_id: r.planId } : {}),
    ...(r.taskId ? { task_id: r.taskId } : {}),
    ...(r.credentialId ? { credential_id: r.credentialId } : {}),
    ...(t
      ? {
          trigger: {
            kind: t.kind,
            source: t.source,
            occurred_at: t.occurredAt,
            ...(t.kind === 'offboarding' ? { person: t.subject.person } : {}),
            ...(t.kind === 'decommission' ? { workload: t.subject.workload } : {}),
            // Identifiers only (handlers/sources/evidence.ts): an export cannot be scrubbed later.
            evidence: shareableEvidence(t.evidence),
          },
        }
      : {}),
    ...(c
      ? {
          credential: {
            provider: c.provider,
            kind: c.kind,
            ...(c.owner ? { owner: c.owner } : {}),
            ...(c.workload ? { workload: c.workload } : {}),
          },
        }
      : {}),
    ...(ctx.task
      ? { task: { action: ctx.task.action, provider: ctx.task.provider, reason: ctx.task.reason } }
      : {}),
    data: r.data,
  };
}
