/**
 * Dead letters: tasks that failed for good or ran out of retries, with why, and a retry one by one
 * or of them all (responders; retrying all asks for a reason, kept in each `dlq.retried` record).
 */
import { z } from 'zod';
import { FreeText } from '../../../schemas/common.js';
import { hasRole } from '../../http/operator-auth.js';
import type { DeadLetter } from '../../pipeline/dlq.js';
import { html } from '../html.js';
import { csrfField, page, when, tableHead } from '../layout.js';
import type { Session } from '../session.js';

export const RetryForm = z
  .object({ csrf: z.string().max(200), taskId: z.string().regex(/^[0-9a-f]{8,32}$/) })
  .strict();

/** The same `dlq retry --all` the CLI and the API run: every task dead-lettered when it is posted. */
export const RetryAllForm = z.object({ csrf: z.string().max(200), reason: FreeText(2000).min(1) }).strict();

function retryAllForm(s: Session, count: number, allowed: boolean) {
  return html`<form method="post" action="/console/dead-letters/retry-all" class="retry-all">
    ${csrfField(s)}
    <label for="retry-all-reason">Reason for retrying all</label>
    <input
      id="retry-all-reason"
      name="reason"
      required
      maxlength="2000"
      ${allowed ? '' : html` disabled aria-describedby="role-note"`}
    />
    <button type="submit" ${allowed ? '' : html` disabled aria-describedby="role-note"`}>
      Retry all ${count} dead letters
    </button>
  </form>`;
}

export function deadLettersPage(
  s: Session,
  letters: readonly DeadLetter[],
  done: { retried?: string | undefined; retriedAll?: number | undefined } = {},
) {
  const { retried, retriedAll } = done;
  const allowed = hasRole(s.who, 'responder');
  return page({
    title: 'Dead letters',
    session: s,
    current: '/console/dead-letters',
    body: html`${retried ? html`<p role="status" class="ok" data-retried="${retried}">Task <code>${retried.slice(0, 12)}</code> is queued again.</p>` : ''}
    ${retriedAll !== undefined ? html`<p role="status" class="ok" data-retried-all="${retriedAll}">Queued again: ${retriedAll} ${retriedAll === 1 ? 'task' : 'tasks'}.</p>` : ''}
    ${allowed ? '' : html`<p id="role-note" class="note">Retrying needs a responder; you are signed in as an analyst.</p>`}
    ${
      letters.length === 0
        ? html`<p>No dead letters.</p>`
        : html`${retryAllForm(s, letters.length, allowed)}
            <table>
              ${tableHead('Tasks that will not be retried on their own', ['Task', 'Action', 'Credential', 'Provider', 'Attempts', 'Reason', 'Last attempt', 'Retry'])}
              <tbody>
                ${letters.map(
                  ({ task: t, history }) =>
                    html`<tr data-task="${t.id}">
                      <td>
                        <a href="/console/triggers/${encodeURIComponent(t.triggerId)}"
                          ><code>${t.id.slice(0, 12)}</code></a
                        >
                      </td>
                      <td>${t.action}</td>
                      <td>${t.credentialId ?? t.credentialKind}</td>
                      <td>${t.provider ?? '—'}</td>
                      <td>${t.attempts}</td>
                      <td>
                        ${t.lastError ? html`<code>${t.lastError.code}</code> ${t.lastError.message}` : '—'}
                      </td>
                      <td>${when(history.at(-1)?.at ?? t.updatedAt)}</td>
                      <td>
                        <form method="post" action="/console/dead-letters/retry">
                          ${csrfField(s)}<input type="hidden" name="taskId" value="${t.id}" /><button
                            type="submit"
                            ${allowed ? '' : html` disabled aria-describedby="role-note"`}
                            aria-label="Retry task ${t.id.slice(0, 12)}"
                          >
                            Retry
                          </button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }`,
  });
}
