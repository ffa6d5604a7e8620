/**
 * The timeline: recent triggers, newest first, from the audit trail's `trigger.accepted` records
 * (which hold the trigger's shareable facts only: never a secret), with each plan's status as the
 * outcome, and how many of its tasks were verified dead (`task.verified` records: the trigger →
 * verified step an analyst watches for). Filters are a plain GET form; the script refreshes the rows when /console/events says
 * the trail moved.
 */
import { z } from 'zod';
import type { AuditRecord } from '../../../schemas/audit.js';
import { PlanStatus, type Plan } from '../../../schemas/plan.js';
import type { Operations } from '../../ops/port.js';
import { UtcMinute as LocalTime } from '../form.js';
import { html } from '../html.js';
import { page, when, tableHead } from '../layout.js';
import type { Session } from '../session.js';

export const TimelineQuery = z
  .object({
    kind: z.enum(['leak', 'offboarding', 'decommission']).optional(),
    source: z.string().max(100).optional(),
    subject: z.string().max(200).optional(),
    outcome: PlanStatus.optional(),
    since: LocalTime.optional(),
    until: LocalTime.optional(),
  })
  .strict();
export type TimelineQuery = z.infer<typeof TimelineQuery>;

/** Triggers scanned per view (newest first) and shown after filtering. */
const SCAN = 1000;
const SHOWN = 200;
/** Verifications scanned: an offboarding's plan may verify many credentials. */
const VERIFIED_SCAN = 10_000;

export interface TimelineRow {
  seq: number;
  triggerId: string;
  kind: string;
  source: string;
  subject: string;
  outcome: string;
  /** Its tasks verified dead so far. */
  verified: number;
  at: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Who or what the trigger is about, in one line: the person, the workload, or the credential named. */
function subjectOf(d: AuditRecord['data']): string {
  const fp = str(d.fingerprint);
  return (
    str(d.person) ||
    str(d.workload) ||
    str(d.credentialId) ||
    str(d.providerKeyId) ||
    (fp ? `fingerprint ${fp.slice(0, 12)}…` : '')
  );
}

export async function timelineRows(ops: Operations, q: TimelineQuery): Promise<TimelineRow[]> {
  const [records, plans, verified] = await Promise.all([
    ops.listAudit({
      type: 'trigger.accepted',
      since: q.since,
      until: q.until,
      newestFirst: true,
      limit: SCAN,
    }),
    // One plan per accepted trigger, made with it: the newest plans are those of the newest triggers.
    ops.listPlans({ status: q.outcome, newestFirst: true, limit: SCAN }),
    ops.listAudit({ type: 'task.verified', since: q.since, newestFirst: true, limit: VERIFIED_SCAN }),
  ]);
  const verifiedOf = new Map<string, number>();
  for (const v of verified)
    if (v.triggerId) verifiedOf.set(v.triggerId, (verifiedOf.get(v.triggerId) ?? 0) + 1);
  const planOf = new Map<string, Plan>(plans.map((p) => [p.triggerId, p]));
  const rows = records.map((r): TimelineRow => ({
    seq: r.seq,
    triggerId: r.triggerId ?? '',
    kind: str(r.data.kind),
    source: str(r.data.source),
    subject: subjectOf(r.data),
    outcome: planOf.get(r.triggerId ?? '')?.status ?? 'none',
    verified: verifiedOf.get(r.triggerId ?? '') ?? 0,
    at: r.at,
  }));
  const has = (hay: string, needle: string | undefined) =>
    !needle || hay.toLowerCase().includes(needle.toLowerCase());
  return rows
    .filter(
      (r) =>
        (!q.kind || r.kind === q.kind) &&
        has(r.source, q.source) &&
        has(r.subject, q.subject) &&
        (!q.outcome || r.outcome === q.outcome),
    )
    .slice(0, SHOWN);
}

/** The newest audit position: the live stream reports what comes after it. */
export async function headSeq(ops: Operations): Promise<number> {
  return (await ops.listAudit({ newestFirst: true, limit: 1 }))[0]?.seq ?? 0;
}

const opt = (value: string, label: string, chosen: string | undefined) =>
  html`<option value="${value}" ${chosen === value ? html` selected` : ''}>${label}</option>`;

/** Back from ISO to what a datetime-local input shows. */
const local = (iso: string | undefined) => (iso ? iso.slice(0, 16) : '');

function filters(q: TimelineQuery) {
  return html`<form method="get" action="/console" class="filters" aria-labelledby="filters-heading">
    <h2 id="filters-heading">Filter</h2>
    <div>
      <label for="f-kind">Kind</label>
      <select id="f-kind" name="kind">
        ${opt('', 'any', q.kind ?? '')}${['leak', 'offboarding', 'decommission'].map((k) => opt(k, k, q.kind))}
      </select>
    </div>
    <div>
      <label for="f-source">Source</label><input id="f-source" name="source" value="${q.source ?? ''}" />
    </div>
    <div>
      <label for="f-subject">Person, workload or credential</label
      ><input id="f-subject" name="subject" value="${q.subject ?? ''}" />
    </div>
    <div>
      <label for="f-outcome">Outcome</label>
      <select id="f-outcome" name="outcome">
        ${opt('', 'any', q.outcome ?? '')}${PlanStatus.options.map((s) => opt(s, s, q.outcome))}
      </select>
    </div>
    <div>
      <label for="f-since">From (UTC)</label
      ><input id="f-since" name="since" type="datetime-local" value="${local(q.since)}" />
    </div>
    <div>
      <label for="f-until">Until (UTC)</label
      ><input id="f-until" name="until" type="datetime-local" value="${local(q.until)}" />
    </div>
    <div class="actions"><button type="submit">Apply</button> <a href="/console">Clear</a></div>
  </form>`;
}

export function rowsHtml(rows: readonly TimelineRow[]) {
  if (rows.length === 0)
    return html`<tr>
      <td colspan="7">No triggers match.</td>
    </tr>`;
  return html`${rows.map(
    (r) =>
      html`<tr data-seq="${r.seq}" data-trigger="${r.triggerId}">
        <td>${when(r.at)}</td>
        <td>${r.kind}</td>
        <td>${r.source}</td>
        <td>${r.subject}</td>
        <td><span class="status status-${r.outcome}">${r.outcome}</span></td>
        <td data-verified="${r.verified}">${r.verified > 0 ? `${r.verified} verified` : '—'}</td>
        <td>
          <a href="/console/triggers/${encodeURIComponent(r.triggerId)}">${r.triggerId.slice(0, 12)}</a>
        </td>
      </tr>`,
  )}`;
}

export function timelinePage(s: Session, q: TimelineQuery, rows: readonly TimelineRow[], head: number) {
  return page({
    title: 'Timeline',
    session: s,
    current: '/console',
    body: html`${filters(q)}
      <section aria-labelledby="triggers-heading">
        <h2 id="triggers-heading">Recent triggers</h2>
        <p class="live" id="live-status" role="status" data-live-after="${head}">
          Live updates start when the page has loaded.
        </p>
        <table>
          ${tableHead('Newest first; times in UTC', ['Accepted', 'Kind', 'Source', 'Subject', 'Outcome', 'Verified dead', 'Trigger'])}
          <tbody id="timeline-rows" data-live-region>
            ${rowsHtml(rows)}
          </tbody>
        </table>
      </section>`,
  });
}
