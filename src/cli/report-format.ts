/** `tourniquet report` as text: a table for people, CSV (one line per live credential) for sheets. */
import type { Coverage, CredentialFindings, Finding, GovernanceReport } from '../../schemas/report.js';

const pct = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(7);

function line(label: string, f: Finding, note = ''): string {
  const eg = f.count > 0 && f.examples.length ? `  e.g. ${f.examples.slice(0, 3).join(', ')}` : '';
  return `  ${label.padEnd(26)}${String(f.count).padStart(7)} ${pct(f.share)}${note ? `  ${note}` : ''}${eg}`;
}

const cov = (name: string, c: Coverage) => `${name} ${c.covered}/${c.total} (${(c.share * 100).toFixed(1)}%)`;

export function reportTable(r: GovernanceReport): string {
  const rc = r.revocationCoverage;
  return [
    `governance report at ${r.generatedAt}: ${r.credentials} live credential(s)`,
    line('owner coverage', r.ownerCoverage, '(a named, current person)'),
    line(
      'shadow ownership',
      r.shadowOwnership,
      `(${r.shadowOwnership.noOwner} without owner, ${r.shadowOwnership.notAPerson} owned by no person)`,
    ),
    line('owners who left', r.ownersLeft),
    line('write/admin scopes', r.writeScopes),
    line('no expiry', r.lifetime.noExpiry),
    line(`older than ${r.thresholds.maxAgeDays} days`, r.lifetime.olderThanMaxAge),
    line('expired but live', r.lifetime.expiredButLive),
    line(`stale (>${r.thresholds.staleDays} days)`, r.stale, `(${r.stale.lastUseUnknown} last use unknown)`),
    `  ${'revocation coverage'.padEnd(26)}${`${rc.covered}/${rc.total}`.padStart(7)} ${pct(rc.share)}  (revoked automatically when they must die)`,
    `    by provider: ${
      Object.entries(rc.byProvider)
        .map(([k, c]) => cov(k, c))
        .join(', ') || '-'
    }`,
    `    by kind: ${
      Object.entries(rc.byKind)
        .map(([k, c]) => cov(k, c))
        .join(', ') || '-'
    }`,
  ].join('\n');
}

const CSV_COLUMNS: readonly (keyof CredentialFindings)[] = [
  'id',
  'provider',
  'kind',
  'owner',
  'namedOwner',
  'shadow',
  'ownerLeft',
  'writeScope',
  'noExpiry',
  'olderThanMaxAge',
  'stale',
  'revocable',
];

/** RFC 4180: quoted when needed; a leading = + - @ is prefixed so a spreadsheet never runs it. */
function cell(v: string | boolean): string {
  let s = String(v);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function reportCsv(rows: readonly CredentialFindings[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n');
}
