/** Dead letters: tasks that failed for good or ran out of retries, with why, and a retry (responders). */
import { z } from 'zod';
import { hasRole } from '../../http/operator-auth.js';
import type { DeadLetter } from '../../pipeline/dlq.js';
import { html } from '../html.js';
import { csrfField, page, when } from '../layout.js';
import type { Session } from '../session.js';

export const RetryForm = z
  .object({ csrf: z.string().max(200), taskId: z.string().regex(/^[0-9a-f]{8,32}$/) })
  .strict();

export function deadLettersPage(s: Session, letters: readonly DeadLetter[], retried?: string) {
  const allowed = hasRole(s.who, 'responder');
  return page({
    title: 'Dead letters',
    session: s,
    current: '/console/dead-letters',
    body: html`${retried ? html`<p role="status" class="ok" data-retried="${retried}">Task <code>${retried.slice(0, 12)}</code> is queued again.</p>` : ''}
    ${allowed ? '' : html`<p id="role-note" class="note">Retrying needs a responder; you are signed in as an analyst.</p>`}
    ${
      letters.length === 0
        ? html`<p>No dead letters.</p>`
        : html`<table>
            <caption>
              Tasks that will not be retried on their own
            </caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Action</th>
                <th scope="col">Credential</th>
                <th scope="col">Provider</th>
                <th scope="col">Attempts</th>
                <th scope="col">Reason</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Retry</th>
              </tr>
            </thead>
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
