/**
 * What the notifications say, as Slack mrkdwn text: what was revoked, why, with what outcome, and
 * what people must do now. Pure functions over plain values.
 *
 * A message names a credential by its inventory id, kind and provider instance — for a token that is
 * not in the inventory, by at most the first 8 hex digits of its fingerprint. Never a secret value,
 * never trigger evidence (a scanner's evidence may quote the secret), never a provider's error text:
 * error codes only.
 */
import type { Action, NeedsOwner, Outcome, PlanDraft } from '../../schemas/plan.js';
import type { Credential } from '../../schemas/credential.js';
import type { Trigger, TriggerKind } from '../../schemas/trigger.js';

/** One finished task, reduced to what a message may show. */
export interface TaskNote {
  taskId: string;
  credentialId: string | null;
  credentialKind: string;
  provider: string | null;
  action: Action;
  status: 'succeeded' | 'dead_lettered' | 'failed';
  outcome: Outcome | null;
  /** Error code of the last attempt (never its message). */
  code: string | null;
  attempts: number;
  reason: string;
  /** The credential's lifecycle owner left: someone must re-home it. */
  ownerLeft: boolean;
  workload: string | null;
  /** Still alive after the provider's propagation window. */
  escalated: boolean;
  fingerprintPrefix: string | null;
}

export interface TriggerContext {
  id: string;
  kind: TriggerKind | 'unknown';
  source: string | null;
}

/** Items listed per section; the rest are counted. */
export const LIST_LIMIT = 20;

/** Slack mrkdwn control characters; backticks would break out of a code span. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'");
}
const code = (s: string) => `\`${esc(s)}\``;

export function credentialLabel(
  n: Pick<TaskNote, 'credentialId' | 'credentialKind' | 'provider' | 'fingerprintPrefix'>,
): string {
  const where = `${esc(n.credentialKind)} at ${esc(n.provider ?? 'no provider')}`;
  if (n.credentialId) return `${code(n.credentialId)} (${where})`;
  return `a token not in the inventory (${where}${n.fingerprintPrefix ? `, fingerprint ${code(n.fingerprintPrefix)}…` : ''})`;
}

function triggerLine(t: TriggerContext): string {
  const from = t.source ? ` from ${code(t.source)}` : '';
  return `*${esc(t.kind)}* trigger${from} (trigger ${code(t.id)})`;
}

const DONE: Record<Action, string> = {
  revoke: 'revoked',
  revoke_by_value: 'revoked',
  rotate: 'rotated',
  disable: 'disabled',
  delete: 'deleted',
};
const done = (n: TaskNote) => (n.outcome === 'already_revoked' ? 'already revoked' : DONE[n.action]);

/** What someone must do about this task, or null when nothing is left to do. */
export function todo(n: TaskNote): string | null {
  const steps: string[] = [];
  const verb = n.action === 'rotate' ? 'rotation' : 'revocation';
  if (n.escalated) {
    steps.push(
      `still alive after the provider's propagation window: revoke it by hand at ${esc(n.provider ?? 'its provider')} and confirm`,
    );
  } else if (n.status === 'dead_lettered') {
    const attempts = `${n.attempts} attempt${n.attempts === 1 ? '' : 's'}`;
    steps.push(
      `${verb} failed (${code(n.code ?? 'unknown')} after ${attempts}): act manually at ${esc(n.provider ?? 'the provider')}, or run ${code(`tourniquet dlq retry ${n.taskId}`)}`,
    );
  } else if (n.status === 'failed') {
    steps.push(
      `${verb} failed (${code(n.code ?? 'unknown')}): act manually at ${esc(n.provider ?? 'the provider')}`,
    );
  }
  if (n.ownerLeft) {
    const what = n.workload ? `workload ${code(n.workload)}'s credential` : 'this credential';
    steps.push(`re-home ${what}, its owner left: give it a new owner and deploy the new value`);
  }
  return steps.length > 0 ? steps.join('; and ') : null;
}

function outcomeCounts(notes: readonly TaskNote[], total: Readonly<Record<string, number>>): string {
  const parts = Object.entries(total)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : `${notes.length} task(s)`;
}

/** Which count a task adds to, in the summary's outcome line. */
export function outcomeKey(n: TaskNote): string {
  if (n.escalated) return 'still alive (escalated)';
  if (n.status === 'dead_lettered') return 'dead-lettered';
  if (n.status === 'failed') return 'failed';
  return done(n);
}

/**
 * One SOC message for a batch of a trigger's finished tasks. `notes` holds up to a bounded number of
 * tasks; `total` counts all of them by outcome key.
 */
export function socSummary(
  t: TriggerContext,
  notes: readonly TaskNote[],
  total: Readonly<Record<string, number>>,
): string {
  const lines = [
    `:rotating_light: tourniquet — ${triggerLine(t)}`,
    `Outcome: ${outcomeCounts(notes, total)}`,
  ];
  const action = notes.filter((n) => todo(n) !== null);
  const ok = notes.filter((n) => todo(n) === null);
  if (action.length > 0) {
    lines.push('*What you must do:*');
    for (const n of action.slice(0, LIST_LIMIT)) lines.push(`• ${credentialLabel(n)}: ${todo(n) ?? ''}`);
    if (action.length > LIST_LIMIT)
      lines.push(
        `…and ${action.length - LIST_LIMIT} more needing action (see \`tourniquet audit list --trigger ${esc(t.id)}\`)`,
      );
  }
  if (ok.length > 0) {
    lines.push('*Done:*');
    for (const n of ok.slice(0, LIST_LIMIT))
      lines.push(`• ${credentialLabel(n)}: ${done(n)} — ${esc(n.reason)}`);
    if (ok.length > LIST_LIMIT) lines.push(`…and ${ok.length - LIST_LIMIT} more`);
  }
  const listed = notes.length;
  const all = Object.values(total).reduce((a, b) => a + b, 0);
  if (all > listed) lines.push(`(${all - listed} further tasks are counted above but not listed)`);
  return lines.join('\n');
}

/** A direct message to a credential's owner about their credentials in one trigger. */
export function ownerMessage(t: TriggerContext, notes: readonly TaskNote[], more: number): string {
  const why =
    t.kind === 'leak'
      ? `it leaked${t.source ? ` (reported by ${code(t.source)})` : ''}`
      : t.kind === 'decommission'
        ? 'the workload that used it was decommissioned'
        : t.kind === 'offboarding'
          ? 'a person who could use it left'
          : 'a security trigger put it at risk';
  const lines = [
    `:warning: tourniquet acted on ${notes.length + more === 1 ? 'a credential' : 'credentials'} you own: ${why}.`,
  ];
  for (const n of notes) {
    const failed = n.escalated || n.status !== 'succeeded';
    const status = n.escalated
      ? 'could not be confirmed dead'
      : failed
        ? `could not be ${DONE[n.action]}`
        : done(n);
    lines.push(`• ${credentialLabel(n)}: ${status}.`);
    // Owners are told what is theirs to do; operator steps (dlq retry) are for the SOC.
    if (failed)
      lines.push('  What to do: stop relying on it, and if you can, rotate it yourself and tell the SOC.');
    else if (t.kind === 'decommission') lines.push('  What to do: nothing, unless something still uses it.');
    else
      lines.push(
        '  What to do: issue a replacement and update whatever uses it; the old value no longer works.',
      );
  }
  if (more > 0) lines.push(`…and ${more} more (ask the SOC for trigger ${code(t.id)}).`);
  if (notes.some((n) => n.status !== 'succeeded' || n.escalated)) lines.push('The SOC has been told.');
  return lines.join('\n');
}

/** The SOC's request to approve or deny a held plan. */
export function approvalRequest(trigger: Pick<Trigger, 'id' | 'kind' | 'source'>, plan: PlanDraft): string {
  const lines = [
    `:hourglass_flowing_sand: Approval needed — ${triggerLine({ id: trigger.id, kind: trigger.kind, source: trigger.source })}, plan ${code(plan.id)}`,
  ];
  if (plan.holds.length > 0) lines.push(`Held because: ${plan.holds.map(esc).join('; ')}`);
  const groups = new Map<string, number>();
  for (const task of plan.tasks) {
    const key = `${task.action} at ${task.provider ?? 'no provider (shadow)'}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  lines.push(`${plan.tasks.length} task(s): ${[...groups].map(([k, n]) => `${n} × ${esc(k)}`).join(', ')}`);
  for (const task of plan.tasks.slice(0, LIST_LIMIT)) {
    const label = credentialLabel({
      credentialId: task.credentialId,
      credentialKind: task.credentialKind,
      provider: task.provider,
      fingerprintPrefix: task.fingerprint?.slice(0, 8) ?? null,
    });
    lines.push(`• ${label}: ${esc(task.action)} — ${esc(task.reason)}`);
  }
  if (plan.tasks.length > LIST_LIMIT) lines.push(`…and ${plan.tasks.length - LIST_LIMIT} more`);
  lines.push(`Approve: ${code(`tourniquet approve ${plan.id} --operator NAME --reason TEXT`)}`);
  lines.push(`Deny: ${code(`tourniquet deny ${plan.id} --operator NAME --reason TEXT`)}`);
  return lines.join('\n');
}

/** Credentials nothing could kill: what each needs, and the exact manual step. */
export function needsOwnerMessage(
  trigger: Pick<Trigger, 'id' | 'kind' | 'source'>,
  items: readonly NeedsOwner[],
): string {
  const lines = [
    `:rotating_light: Needs an owner — ${items.length} credential(s) at risk that tourniquet cannot kill: ${triggerLine({ id: trigger.id, kind: trigger.kind, source: trigger.source })}`,
  ];
  for (const n of items.slice(0, LIST_LIMIT)) {
    const label = credentialLabel({
      credentialId: n.credentialId,
      credentialKind: n.credentialKind,
      provider: n.provider,
      fingerprintPrefix: n.fingerprint?.slice(0, 8) ?? null,
    });
    lines.push(`• ${label}: ${esc(n.detail)}. To do: ${esc(n.step)}`);
  }
  if (items.length > LIST_LIMIT) lines.push(`…and ${items.length - LIST_LIMIT} more`);
  return lines.join('\n');
}

/** A credential recorded dead that works again (src/pipeline/drift.ts): the SOC hears at once. */
export function driftMessage(c: Pick<Credential, 'id' | 'kind' | 'provider' | 'status'>): string {
  const label = credentialLabel({
    credentialId: c.id,
    credentialKind: c.kind,
    provider: c.provider,
    fingerprintPrefix: null,
  });
  return [
    `:rotating_light: Alive again — ${label} was recorded ${esc(c.status)} and works again.`,
    'tourniquet revokes it again (a drift trigger); find out how it came back: re-issued, re-activated or restored.',
  ].join('\n');
}
