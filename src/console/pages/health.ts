/**
 * Health: whether the audit chain verifies against its signed anchors, each provider lane's circuit
 * breaker, and readiness of the parts.
 */
import type { AuditVerification } from '../../audit/verify.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import type { Session } from '../session.js';

export function healthPage(
  s: Session,
  v: AuditVerification,
  ready: Record<string, unknown>,
  breakers: Record<string, string>,
) {
  const lanes = Object.entries(breakers).sort(([a], [b]) => a.localeCompare(b));
  return page({
    title: 'Health',
    session: s,
    current: '/console/health',
    body: html`<section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit chain</h2>
        <p data-audit-ok="${String(v.ok)}">
          <span class="status status-${v.ok ? 'done' : 'denied'}">${v.ok ? 'intact' : 'damaged'}</span>:
          ${v.records} records${v.legacy ? html`, ${v.legacy} from before the audit key` : ''}.
        </p>
        ${v.damage.length ? html`<p>Damage: ${v.damage.join(', ')}</p>` : ''}
        <table>
          <caption>
            Anchors (signed checkpoints outside the store)
          </caption>
          <thead>
            <tr>
              <th scope="col">Anchor</th>
              <th scope="col">Checkpoint seq</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
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
                <caption>
                  Circuit breaker per provider lane, in this process
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Provider lane</th>
                    <th scope="col">Breaker</th>
                  </tr>
                </thead>
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
          ${Object.entries(ready).map(
            ([k, val]) =>
              html`<dt>${k}</dt>
                <dd>${typeof val === 'object' ? JSON.stringify(val) : String(val)}</dd>`,
          )}
        </dl>
      </section>`,
  });
}
