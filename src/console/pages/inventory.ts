/** Inventory governance: the report the CLI and API give (handlers/report.ts), as tables. */
import type { Coverage, Finding, GovernanceReport } from '../../../schemas/report.js';
import { html } from '../html.js';
import { page, tableHead } from '../layout.js';
import type { Session } from '../session.js';

const pct = (share: number) => `${Math.round(share * 100)}%`;

function findingRow(label: string, f: Finding) {
  return html`<tr>
    <th scope="row">${label}</th>
    <td>${f.count}</td>
    <td>${pct(f.share)}</td>
    <td>${f.examples.join(', ') || '—'}</td>
  </tr>`;
}

function coverageRows(by: Record<string, Coverage>) {
  return Object.entries(by).map(
    ([name, c]) =>
      html`<tr>
        <th scope="row">${name}</th>
        <td>${c.covered} of ${c.total}</td>
        <td>${pct(c.share)}</td>
      </tr>`,
  );
}

export function inventoryPage(s: Session, r: GovernanceReport) {
  const cov = r.revocationCoverage;
  return page({
    title: 'Inventory governance',
    session: s,
    current: '/console/inventory',
    body: html`<p>
        ${r.credentials} live credentials; report of ${r.generatedAt} (stale after ${r.thresholds.staleDays}
        days unused, too old after ${r.thresholds.maxAgeDays} days).
      </p>
      <table data-report="findings">
        ${tableHead('Findings over the live credentials', ['Finding', 'Credentials', 'Share', 'Examples'])}
        <tbody>
          ${findingRow('Named owner (coverage)', r.ownerCoverage)}
          ${findingRow('Shadow ownership', r.shadowOwnership)} ${findingRow('Owner left', r.ownersLeft)}
          ${findingRow('Write scopes', r.writeScopes)} ${findingRow('No expiry', r.lifetime.noExpiry)}
          ${findingRow('Older than the maximum age', r.lifetime.olderThanMaxAge)}
          ${findingRow('Expired but live', r.lifetime.expiredButLive)} ${findingRow('Stale', r.stale)}
        </tbody>
      </table>
      <h2>Revocation coverage</h2>
      <p>
        ${cov.covered} of ${cov.total} live credentials (${pct(cov.share)}) can be killed by a configured
        provider.
      </p>
      <table>
        ${tableHead('By provider', ['Provider', 'Covered', 'Share'])}
        <tbody>
          ${coverageRows(cov.byProvider)}
        </tbody>
      </table>
      <table>
        ${tableHead('By credential kind', ['Kind', 'Covered', 'Share'])}
        <tbody>
          ${coverageRows(cov.byKind)}
        </tbody>
      </table>`,
  });
}
