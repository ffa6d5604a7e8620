/**
 * A trigger's story: what the source said (the accepted record's shareable facts and evidence, as
 * the audit keeps them: fingerprints, never values), the plan and its policy decision, every task
 * with its attempts and proof of death, what a person must do by hand, what the notifier announces
 * (notifications themselves leave no record), and the audit records with their place in the chain.
 */
import type { AuditRecord } from '../../../schemas/audit.js';
import type { Plan, Task } from '../../../schemas/plan.js';
import { TourniquetError } from '../../errors.js';
import type { Operations } from '../../ops/port.js';
import { html, type Html } from '../html.js';
import { page, when, tableHead } from '../layout.js';
import type { Session } from '../session.js';

export interface Story {
  triggerId: string;
  accepted: AuditRecord | undefined;
  plans: Plan[];
  tasks: Task[];
  audit: AuditRecord[];
}

export async function loadStory(ops: Operations, id: string): Promise<Story> {
  const audit = await ops.listAudit({ triggerId: id, limit: 2000 });
  const triggerId = audit[0]?.triggerId;
  if (!triggerId) throw new TourniquetError('NOT_FOUND', 'no trigger with this id');
  const [plans, tasks] = await Promise.all([ops.listPlans({ triggerId }), ops.listTasks({ triggerId })]);
  return {
    triggerId,
    accepted: audit.find((r) => r.type === 'trigger.accepted'),
    plans,
    tasks,
    audit,
  };
}

/** A JSON value from the audit as a definition list (objects) or text. */
function value(v: unknown): Html {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return facts(v as Record<string, unknown>);
  if (Array.isArray(v))
    return html`${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}`;
  return html`${String(v)}`;
}

function facts(d: Record<string, unknown>): Html {
  const entries = Object.entries(d);
  if (entries.length === 0) return html`<p>None recorded.</p>`;
  return html`<dl>
    ${entries.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${value(v)}</dd>`,
    )}
  </dl>`;
}

function planSection(p: Plan) {
  return html`<dl class="plan">
    <dt>Plan</dt>
    <dd><code>${p.id}</code></dd>
    <dt>Policy decision</dt>
    <dd>${p.decision}</dd>
    <dt>Status</dt>
    <dd><span class="status status-${p.status}">${p.status}</span></dd>
    <dt>Held because</dt>
    <dd>${p.holds.length ? p.holds.join('; ') : 'not held'}</dd>
    ${
      p.notes.length
        ? html`<dt>Notes</dt>
            <dd>${p.notes.join('; ')}</dd>`
        : ''
    }
  </dl>`;
}

function tasksTable(tasks: readonly Task[]) {
  if (tasks.length === 0) return html`<p>No tasks.</p>`;
  return html`<table>
    ${tableHead('Tasks: attempts, verification and when the credential stopped working', ['Task', 'Action', 'Credential', 'Provider', 'Status', 'Attempts', 'Outcome', 'Last error', 'Verified', 'Effective at'])}
    <tbody>
      ${tasks.map(
        (t) =>
          html`<tr data-task="${t.id}">
            <td><code>${t.id.slice(0, 12)}</code></td>
            <td>${t.action}</td>
            <td>${t.credentialId ?? t.credentialKind}</td>
            <td>${t.provider ?? 'none (shadow)'}</td>
            <td>
              <span class="status status-${t.status}">${t.status}</span
              >${t.hold ? html`<br /><small>held: ${t.hold}</small>` : ''}
            </td>
            <td>${t.attempts}</td>
            <td>${t.outcome ?? '—'}</td>
            <td>${t.lastError ? html`<code>${t.lastError.code}</code> ${t.lastError.message}` : '—'}</td>
            <td>${when(t.verifiedAt)}</td>
            <td>${when(t.effectiveAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function needsOwnerTable(plans: readonly Plan[]) {
  const rows = plans.flatMap((p) => p.needsOwner);
  if (rows.length === 0) return html`<p>Nothing needs a person.</p>`;
  return html`<table>
    ${tableHead('Credentials no configured provider can kill: the manual step', ['Credential', 'Kind', 'Wanted', 'Reason', 'Detail', 'Manual step'])}
    <tbody>
      ${rows.map(
        (n) =>
          html`<tr>
            <td>${n.credentialId ?? (n.fingerprint ? `fingerprint ${n.fingerprint.slice(0, 12)}…` : '—')}</td>
            <td>${n.credentialKind}</td>
            <td>${n.wanted}</td>
            <td>${n.reason}</td>
            <td>${n.detail}</td>
            <td>${n.step}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * What the notifier announces, by the audit record that records the same fact. Slack messages
 * themselves leave no durable record (src/observe/slack-delivery.ts: best effort, lost on a crash,
 * counted in metrics only), so the page shows what caused one rather than claiming delivery.
 */
const ANNOUNCED: Partial<Record<AuditRecord['type'], { what: string; to: string }>> = {
  'plan.awaiting_approval': { what: 'approval request', to: 'SOC channel' },
  'plan.needs_owner': {
    what: 'manual steps (table above)',
    to: "SOC channel; each credential's owner, when owner messages are on",
  },
  'task.verified': { what: 'task outcome in the trigger summary', to: "SOC channel; the credential's owner" },
  'task.verify_failed': { what: 'escalation: not proven dead', to: "SOC channel; the credential's owner" },
  'task.dead_lettered': { what: 'task outcome: dead-lettered', to: "SOC channel; the credential's owner" },
  'task.failed': { what: 'task outcome: failed', to: "SOC channel; the credential's owner" },
};

function notificationsSection(records: readonly AuditRecord[]) {
  const rows = records.flatMap((r) => {
    const a = ANNOUNCED[r.type];
    if (!a) return [];
    // A provider that cannot verify records that too; it is an outcome, not an escalation.
    const unverifiable = r.type === 'task.verify_failed' && r.data.reason === 'provider cannot verify';
    return [{ r, ...a, ...(unverifiable ? { what: 'task outcome: revoked, not verifiable' } : {}) }];
  });
  return html`<p class="note" data-notifications="not-recorded">
      Notifications are not recorded: Slack delivery is best effort and keeps no durable trace, so this page
      cannot say what was delivered. These are the recorded facts that the notifier announces when Slack
      notifications are configured.
    </p>
    ${
      rows.length === 0
        ? html`<p>Nothing of this trigger is announced.</p>`
        : html`<table data-table="notifications">
            ${tableHead('Recorded facts the notifier announces, and to whom', ['At', 'Record', 'Task', 'Announced as', 'To'])}
            <tbody>
              ${rows.map(
                ({ r, what, to }) =>
                  html`<tr data-announced="${r.type}">
                    <td>${when(r.at)}</td>
                    <td>${r.type}</td>
                    <td>${r.taskId ? html`<code>${r.taskId.slice(0, 12)}</code>` : '—'}</td>
                    <td>${what}</td>
                    <td>${to}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

function auditTable(records: readonly AuditRecord[]) {
  return html`<table>
    ${tableHead('Audit records of this trigger, with their position in the hash chain', ['Seq', 'At', 'Type', 'Actor', 'Task', 'Previous hash', 'Hash'])}
    <tbody>
      ${records.map(
        (r) =>
          html`<tr>
            <td>${r.seq}</td>
            <td>${when(r.at)}</td>
            <td>${r.type}</td>
            <td>${r.actor}</td>
            <td>${r.taskId ? html`<code>${r.taskId.slice(0, 12)}</code>` : '—'}</td>
            <td><code>${r.prevHash.slice(0, 12)}</code></td>
            <td><code>${r.hash.slice(0, 12)}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function storyPage(s: Session, st: Story) {
  const d = st.accepted?.data ?? {};
  const { evidence, ...trigger } = d;
  return page({
    title: `Trigger ${st.triggerId.slice(0, 12)}`,
    session: s,
    body: html`<p>
        Trigger <code>${st.triggerId}</code>${st.accepted ? html`, accepted ${when(st.accepted.at)}` : ''}.
      </p>
      <section aria-labelledby="source-heading">
        <h2 id="source-heading">Source</h2>
        ${facts(trigger)}
        <h3>Evidence</h3>
        ${evidence !== undefined && evidence !== null && typeof evidence === 'object' ? facts(evidence as Record<string, unknown>) : html`<p>None recorded.</p>`}
      </section>
      <section aria-labelledby="plan-heading">
        <h2 id="plan-heading">Plan and policy decision</h2>
        ${st.plans.length ? st.plans.map(planSection) : html`<p>No plan.</p>`}
      </section>
      <section aria-labelledby="tasks-heading">
        <h2 id="tasks-heading">Tasks</h2>
        ${tasksTable(st.tasks)}
      </section>
      <section aria-labelledby="owner-heading">
        <h2 id="owner-heading">Needs an owner</h2>
        ${needsOwnerTable(st.plans)}
      </section>
      <section aria-labelledby="notify-heading" data-section="notifications">
        <h2 id="notify-heading">Notifications</h2>
        ${notificationsSection(st.audit)}
      </section>
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit trail</h2>
        ${auditTable(st.audit)}
      </section>`,
  });
}
