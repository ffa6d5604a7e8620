/**
 * Held work: every plan awaiting approval, why it is held (a protected credential, a policy rule,
 * the blast-radius guard), and each held task with its own approve / deny form. An analyst sees the
 * buttons disabled; the server refuses their POST all the same (routes.ts checks the role).
 */
import { z } from 'zod';
import { FreeText } from '../../../schemas/common.js';
import type { Plan, Task } from '../../../schemas/plan.js';
import { hasRole } from '../../http/operator-auth.js';
import type { Operations } from '../../ops/port.js';
import { html } from '../html.js';
import { csrfField, page, tableHead } from '../layout.js';
import type { Session } from '../session.js';

export const DecisionForm = z
  .object({
    csrf: z.string().max(200),
    planId: z.string().min(1).max(200),
    taskId: z.string().regex(/^[0-9a-f]{8,32}$/),
    verdict: z.enum(['approve', 'deny']),
    reason: FreeText(2000).min(1),
  })
  .strict();

export interface Held {
  plan: Plan;
  tasks: Task[];
}

export async function loadHeld(ops: Operations): Promise<Held[]> {
  const plans = await ops.listPlans({ status: 'awaiting_approval' });
  return Promise.all(
    plans.map(async (plan) => ({
      plan,
      tasks: (await ops.listTasks({ triggerId: plan.triggerId })).filter(
        (t) => t.planId === plan.id && t.status === 'awaiting_approval',
      ),
    })),
  );
}

function taskForm(s: Session, plan: Plan, t: Task, allowed: boolean) {
  const rid = `reason-${t.id}`;
  return html`<form method="post" action="/console/approvals" class="decide" data-task="${t.id}">
    ${csrfField(s)}<input type="hidden" name="planId" value="${plan.id}" /><input
      type="hidden"
      name="taskId"
      value="${t.id}"
    />
    <label for="${rid}">Reason</label>
    <input
      id="${rid}"
      name="reason"
      required
      maxlength="2000"
      ${allowed ? '' : html` disabled aria-describedby="role-note"`}
    />
    <button type="submit" name="verdict" value="approve" ${allowed ? '' : html` disabled`}>Approve</button>
    <button type="submit" name="verdict" value="deny" ${allowed ? '' : html` disabled`}>Deny</button>
  </form>`;
}

export function approvalsPage(s: Session, held: readonly Held[], done?: { verdict: string; task: string }) {
  const allowed = hasRole(s.who, 'responder');
  return page({
    title: 'Approvals',
    session: s,
    current: '/console/approvals',
    body: html`${done ? html`<p role="status" class="ok" data-done="${done.verdict}">Task <code>${done.task.slice(0, 12)}</code>: ${done.verdict === 'approve' ? 'approved' : 'denied'}.</p>` : ''}
    ${allowed ? '' : html`<p id="role-note" class="note">You are signed in as an analyst: you can see what is held, but approving or denying needs a responder.</p>`}
    ${held.length === 0 ? html`<p>Nothing is waiting for approval.</p>` : ''}
    ${held.map(
      ({ plan, tasks }) =>
        html`<section aria-labelledby="plan-${plan.id}" data-plan="${plan.id}">
          <h2 id="plan-${plan.id}">
            Plan <code>${plan.id.slice(0, 12)}</code> of trigger
            <a href="/console/triggers/${encodeURIComponent(plan.triggerId)}"
              >${plan.triggerId.slice(0, 12)}</a
            >
          </h2>
          <p>
            Blast radius: ${plan.taskCount} task${plan.taskCount === 1 ? '' : 's'} in this plan,
            ${tasks.length} held. Held because:
            ${plan.holds.length ? plan.holds.join('; ') : 'tasks are held individually'}.
          </p>
          <table>
            ${tableHead(html`Held tasks of plan ${plan.id.slice(0, 12)}`, ['Action', 'Credential', 'Provider', 'Why held', 'Decision'])}
            <tbody>
              ${tasks.map(
                (t) =>
                  html`<tr data-task="${t.id}">
                    <td>${t.action}</td>
                    <td>${t.credentialId ?? t.credentialKind}</td>
                    <td>${t.provider ?? 'none (shadow)'}</td>
                    <td>${t.hold ?? '—'}</td>
                    <td>${taskForm(s, plan, t, allowed)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>`,
    )}`,
  });
}
