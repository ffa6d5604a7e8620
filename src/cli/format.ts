/** Human-readable CLI output: one line per audit record, task or credential. */
import type { AuditRecord } from '../../schemas/audit.js';
import { AUDIT_DAMAGE_CODE, type AuditVerification } from '../audit/verify.js';
import type { DeadMessageView } from '../pipeline/dead-messages.js';
import type { Credential } from '../../schemas/credential.js';
import type { PlanDraft, Task } from '../../schemas/plan.js';

const short = (id: string | null) => (id ? id.slice(0, 12) : '-');

function summary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

export function auditLine(r: AuditRecord): string {
  return [
    String(r.seq).padStart(5),
    r.at,
    r.type.padEnd(22),
    `trigger=${short(r.triggerId)}`,
    `task=${short(r.taskId)}`,
    r.credentialId ? `credential=${r.credentialId}` : '',
    summary(r.data),
  ]
    .filter(Boolean)
    .join('  ');
}

export function taskLine(t: Task): string {
  return [
    t.id.slice(0, 12),
    t.status.padEnd(14),
    t.action.padEnd(15),
    t.credentialId ?? `(by value) ${t.credentialKind}`,
    t.provider ?? '(no provider)',
    t.outcome ?? '',
    t.verifiedAt ? `verified ${t.verifiedAt}` : '',
    t.lastError ? `error ${t.lastError.code}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

export function credentialLine(c: Credential): string {
  return [
    c.id.padEnd(24),
    c.kind.padEnd(24),
    c.provider.padEnd(14),
    c.status.padEnd(8),
    c.owner ? `owner=${c.owner}` : '',
    c.workload ? `workload=${c.workload}` : '',
    c.protected ? 'protected' : '',
    c.fingerprint ? 'fingerprinted' : '',
    c.flags.length ? `flags=${c.flags.join(',')}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

/** What a plan would do if ingested now: a dry run has no outcome, so it never says "done". */
const WOULD: Record<PlanDraft['decision'], string> = {
  auto: 'would run now',
  approval: 'would wait for approval',
  shadow: 'shadow: would be recorded only, nothing called',
};

/** A dry-run plan (`tourniquet plan`). */
export function planText(p: PlanDraft): string {
  const needs = p.needsOwner.length ? `, ${p.needsOwner.length} NEED AN OWNER` : '';
  const head = `plan ${p.id} for trigger ${p.triggerId} (dry run): ${p.tasks.length} task(s), ${WOULD[p.decision]}${needs}`;
  const holds = p.holds.map((h) => `  hold: ${h}`);
  const notes = p.notes.map((n) => `  note: ${n}`);
  const tasks = p.tasks.map(
    (t) =>
      `  - ${t.action} ${t.credentialId ?? t.providerId ?? `(by value) ${t.credentialKind}`} ${t.credentialKind} via ${t.provider ?? '(no provider: shadow)'} [${t.hold ? `held: ${t.hold}` : t.decision}] ${t.reason}`,
  );
  // Loud: these stay alive until a person acts.
  const owner = p.needsOwner.map(
    (n) =>
      `  ! NEEDS OWNER ${n.credentialId ?? `(not in inventory${n.fingerprint ? `, fingerprint ${n.fingerprint.slice(0, 8)}…` : ''})`} ${n.credentialKind}${n.provider ? ` at ${n.provider}` : ''}: ${n.reason} — ${n.detail}\n      to do: ${n.step}`,
  );
  return [head, ...holds, ...notes, ...tasks, ...owner].join('\n');
}

export function verificationText(v: AuditVerification): string {
  const anchors = v.anchors.map((a) =>
    a.checkpoint
      ? `  anchor ${a.anchor}: seq ${a.checkpoint.seq} at ${a.checkpoint.at}${a.problem ? ` (${a.problem})` : ''}`
      : `  anchor ${a.anchor}: ${a.problem ?? 'no checkpoint yet'}`,
  );
  const legacy = v.legacy ? `, ${v.legacy} legacy (unkeyed)` : '';
  if (v.ok) return [`audit chain intact: ${v.records} record(s)${legacy}`, ...anchors].join('\n');
  return [
    `audit chain BROKEN: ${v.damage.map((d) => AUDIT_DAMAGE_CODE[d].code).join(', ')}`,
    `  ${v.records} record(s)${legacy}`,
    ...(v.problems.length
      ? [`  problems: ${v.problems.map((p) => `seq ${p.seq} ${p.problem}`).join(', ')}`]
      : []),
    ...anchors,
  ].join('\n');
}

export function deadMessageLine(m: DeadMessageView): string {
  const where = Object.entries(m.source)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const from = m.headers['tourniquet-source'] ? ` source=${m.headers['tourniquet-source']}` : '';
  return `${m.id}  ${m.at}  ${m.code}  ${m.reason}  (${where}${from}; ${m.payloadBytes} bytes sealed${m.clearPayload ? ', legacy clear payload' : ''})`;
}
