/**
 * Replay: re-run the triggers accepted in a time range through today's planner. A dry run (any
 * operator) shows the diff and changes nothing; a live run (responders) needs a reason and is audited.
 */
import { z } from 'zod';
import { FreeText } from '../../../schemas/common.js';
import { hasRole } from '../../http/operator-auth.js';
import type { ReplayReport } from '../../pipeline/replay.js';
import { UtcMinute as LocalTime } from '../form.js';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { Session } from '../session.js';

export const ReplayForm = z
  .object({
    csrf: z.string().max(200),
    from: LocalTime,
    to: LocalTime.optional(),
    mode: z.enum(['dry-run', 'live']),
    reason: FreeText(2000).optional(),
  })
  .strict();
export type ReplayForm = z.infer<typeof ReplayForm>;

const local = (iso: string | undefined) => (iso ? iso.slice(0, 16) : '');

export function replayPage(s: Session, last?: { form: ReplayForm; report: ReplayReport }) {
  const live = hasRole(s.who, 'responder');
  const f = last?.form;
  return page({
    title: 'Replay',
    session: s,
    current: '/console/replay',
    body: html`<form method="post" action="/console/replay" class="replay">
        ${csrfField(s)}
        <div>
          <label for="r-from">From (UTC)</label
          ><input id="r-from" name="from" type="datetime-local" required value="${local(f?.from)}" />
        </div>
        <div>
          <label for="r-to">Until (UTC, empty: now)</label
          ><input id="r-to" name="to" type="datetime-local" value="${local(f?.to)}" />
        </div>
        <fieldset>
          <legend>Mode</legend>
          <div>
            <input type="radio" id="r-dry" name="mode" value="dry-run" checked /><label for="r-dry"
              >Dry run: show the diff, change nothing</label
            >
          </div>
          <div>
            <input
              type="radio"
              id="r-live"
              name="mode"
              value="live"
              ${live ? '' : html` disabled aria-describedby="role-note"`}
            /><label for="r-live">Live: plan and run what is new</label>
          </div>
        </fieldset>
        <div>
          <label for="r-reason">Reason (required for a live replay)</label
          ><input id="r-reason" name="reason" maxlength="2000" value="${f?.reason ?? ''}" />
        </div>
        ${live ? '' : html`<p id="role-note" class="note">A live replay needs a responder; you are signed in as an analyst.</p>`}
        <button type="submit">Replay</button>
      </form>
      ${last ? report(last.report) : ''}`,
  });
}

function report(r: ReplayReport) {
  return html`<section
    aria-labelledby="diff-heading"
    data-replay="${r.replayId}"
    data-dry-run="${String(r.dryRun)}"
  >
    <h2 id="diff-heading">
      ${r.dryRun ? 'Dry run' : 'Live replay'}: ${r.triggers.length}
      trigger${r.triggers.length === 1 ? '' : 's'}
    </h2>
    ${r.triggers.length === 0 ? html`<p>No triggers were accepted in this range.</p>` : ''}
    ${r.triggers.map(
      (t) =>
        html`<table data-trigger="${t.triggerId}">
          <caption>
            Trigger
            <a href="/console/triggers/${encodeURIComponent(t.triggerId)}">${t.triggerId.slice(0, 12)}</a>
            (${t.kind}): ${t.newTasks} new task${t.newTasks === 1 ? '' : 's'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Action</th>
              <th scope="col">Credential</th>
              <th scope="col">Provider</th>
              <th scope="col">Then</th>
            </tr>
          </thead>
          <tbody>
            ${t.diff.map(
              (d) =>
                html`<tr class="diff diff-${d.change === '+' ? 'add' : d.change === '-' ? 'remove' : 'same'}">
                  <td>${d.change === '+' ? 'new' : d.change === '-' ? 'gone' : 'same'}</td>
                  <td>${d.action}</td>
                  <td>${d.credential}</td>
                  <td>${d.provider ?? '—'}</td>
                  <td>${d.then ?? '—'}</td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    )}
  </section>`;
}
