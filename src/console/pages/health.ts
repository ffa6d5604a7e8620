/**
 * Health: how long revocation took over the last hour (from the audit trail), consumer lag per
 * topic (the same facts as /readyz), whether the audit chain verifies against its signed anchors,
 * each provider lane's circuit breaker, and readiness of the parts.
 */
import type { AuditVerification } from '../../audit/verify.js';
import type { BusHealth } from '../../bus/port.js';
import { barChart, seconds } from '../chart.js';
import { html } from '../html.js';
import type { LatencySummary, Percentiles } from '../latency.js';
import { page, when, tableHead } from '../layout.js';
import type { Session } from '../session.js';

const cell = (p: Percentiles | null, k: 'p50' | 'p95') =>
  p ? html`<td data-measured="${k}">${seconds(p[k])}</td>` : html`<td>—</td>`;

function latencySection(l: LatencySummary) {
  const rows = [
    ['Trigger → revoked', l.revoked],
    ['Trigger → verified', l.verified],
  ] as const;
  const bars = rows.flatMap(([label, p]) =>
    p
      ? [
          { label: `${label.split(' → ')[1]} p50`, value: p.p50, tone: 'bar-p50' },
          { label: `${label.split(' → ')[1]} p95`, value: p.p95, tone: 'bar-p95' },
        ]
      : [],
  );
  const empty = !l.revoked && !l.verified;
  return html`<section aria-labelledby="latency-heading" data-latency="${empty ? 'empty' : 'measured'}">
    <h2 id="latency-heading">Time to revoke, last hour</h2>
    <p class="note">
      Since ${when(l.since)}, from the audit trail (whichever process did the work): from the trigger's
      acceptance to the provider accepting the revocation, and to the check that proved the credential
      dead.${l.unmeasured ? ` Left out: ${l.unmeasured} (no trigger start found).` : ''}${l.truncated ? ' The hour had more records than were read: the oldest are left out.' : ''}
    </p>
    ${
      empty
        ? html`<p>No revocations in the last hour.</p>`
        : html`${barChart('latency', 'Seconds from trigger, last hour', bars)}
            <table data-table="latency">
              <caption>
                Seconds from trigger accepted, last hour (the chart's numbers)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">Tasks</th>
                  <th scope="col">p50</th>
                  <th scope="col">p95</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  ([label, p]) =>
                    html`<tr>
                      <th scope="row">${label}</th>
                      <td>${p?.count ?? 0}</td>
                      ${cell(p, 'p50')}${cell(p, 'p95')}
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}

function lagSection(h: Partial<BusHealth>) {
  const lag = Object.entries(h.lag ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return html`<section aria-labelledby="lag-heading">
    <h2 id="lag-heading">Consumer lag</h2>
    ${
      lag.length === 0
        ? html`<p data-lag="none">The transport does not report lag.</p>`
        : html`<table data-table="lag">
            ${tableHead('Messages published but not yet consumed, per topic (as /readyz reports)', ['Topic', 'Lag (messages)'])}
            <tbody>
              ${lag.map(
                ([topic, n]) =>
                  html`<tr data-topic="${topic}">
                    <td>${topic}</td>
                    <td>${n ?? '—'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

export function healthPage(
  s: Session,
  v: AuditVerification,
  ready: Partial<BusHealth> & { stalled?: unknown },
  breakers: Record<string, string>,
  latency: LatencySummary,
) {
  const lanes = Object.entries(breakers).sort(([a], [b]) => a.localeCompare(b));
  // Lag has its own table; readiness lists the rest.
  const { lag: _lag, ...rest } = ready;
  return page({
    title: 'Health',
    session: s,
    current: '/console/health',
    body: html`${latencySection(latency)} ${lagSection(ready)}
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit chain</h2>
        <p data-audit-ok="${String(v.ok)}">
          <span class="status status-${v.ok ? 'done' : 'denied'}">${v.ok ? 'intact' : 'damaged'}</span>:
          ${v.records} records${v.legacy ? html`, ${v.legacy} from before the audit key` : ''}.
        </p>
        ${v.damage.length ? html`<p>Damage: ${v.damage.join(', ')}</p>` : ''}
        <table>
          ${tableHead('Anchors (signed checkpoints outside the store)', ['Anchor', 'Checkpoint seq', 'Problem'])}
          <tbody>
            ${v.anchors.map(
              (a) =>
                html`<tr>
                  <td>${a.anchor}</td>
                  <td>${a.checkpoint?.seq ?? '—'}</td>
                  <td>${a.problem ?? 'none'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="breakers-heading">
        <h2 id="breakers-heading">Providers</h2>
        ${
          lanes.length === 0
            ? html`<p>No provider is configured (shadow mode).</p>`
            : html`<table>
                ${tableHead('Circuit breaker per provider lane, in this process', ['Provider lane', 'Breaker'])}
                <tbody>
                  ${lanes.map(
                    ([lane, state]) =>
                      html`<tr data-lane="${lane}">
                        <td>${lane}</td>
                        <td>${state}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      <section aria-labelledby="ready-heading">
        <h2 id="ready-heading">Readiness</h2>
        <dl>
          ${Object.entries(rest).map(
            ([k, val]) =>
              html`<dt>${k}</dt>
                <dd>${typeof val === 'object' ? JSON.stringify(val) : String(val)}</dd>`,
          )}
        </dl>
      </section>`,
  });
}
