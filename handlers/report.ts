/**
 * The governance report (`tourniquet report`, GET /v1/report, metrics): the signals that show token
 * control works, from the inventory as it is —
 * - owner coverage: live credentials whose owner is a known, current person (`people`, not left);
 * - shadow ownership: no owner, or an owner that is no person (a team, an unknown name);
 * - owners who left (`owner_left`), write/admin scopes, lifetimes (no expiry, older than N days,
 *   expired but still live), staleness (unused for N days, or last use unknown);
 * - revocation coverage: the share a configured provider can kill automatically when it must die
 *   without its value at hand — the planner's own choice (handlers/inventory-check.ts).
 * Pure: the caller reads the inventory and passes the clock.
 */
import type { Credential, Person } from '../schemas/credential.js';
import type { ReportPolicy } from '../schemas/policy.js';
import type { Coverage, CredentialFindings, Finding, GovernanceReport } from '../schemas/report.js';
import type { PlanContext } from './choose.js';
import { capabilityGaps } from './inventory-check.js';

/** Credential ids shown per finding; the counts are complete. */
export const REPORT_EXAMPLES = 20;

const DAY_MS = 86_400_000;

export function governanceReport(
  credentials: readonly Credential[],
  people: readonly Person[],
  ctx: PlanContext,
  policy: ReportPolicy,
  now: Date,
): { report: GovernanceReport; rows: CredentialFindings[] } {
  const live = credentials.filter((c) => c.status === 'active');
  const known = new Set(people.flatMap((p) => [p.id, ...p.aliases]).map((id) => id.toLowerCase()));
  const gaps = new Set(capabilityGaps(live, ctx).map((g) => g.credentialId));
  const patterns = policy.writeScopes.map((p) => p.toLowerCase());
  const t = now.getTime();
  const rows = live.map((c): CredentialFindings => {
    const owner = c.owner ?? '';
    const left = c.flags.includes('owner_left');
    const isPerson = owner !== '' && known.has(owner.toLowerCase());
    const last = c.lastUsedAt ? Date.parse(c.lastUsedAt) : undefined;
    return {
      id: c.id,
      provider: c.provider,
      kind: c.kind,
      owner,
      namedOwner: isPerson && !left,
      shadow: !isPerson,
      ownerLeft: left,
      writeScope: c.scopes.some((s) => isWriteScope(s.toLowerCase(), patterns)),
      noExpiry: c.expiresAt === undefined,
      olderThanMaxAge: c.issuedAt !== undefined && t - Date.parse(c.issuedAt) > policy.maxAgeDays * DAY_MS,
      stale: last !== undefined && t - last > policy.staleDays * DAY_MS,
      revocable: !gaps.has(c.id),
    };
  });
  const finding = (pick: (r: CredentialFindings) => boolean): Finding => {
    const hits = rows.filter(pick);
    return {
      count: hits.length,
      share: share(hits.length, rows.length),
      examples: hits.slice(0, REPORT_EXAMPLES).map((r) => r.id),
    };
  };
  const expired = new Set(
    live.filter((c) => c.expiresAt !== undefined && Date.parse(c.expiresAt) <= t).map((c) => c.id),
  );
  const report: GovernanceReport = {
    generatedAt: now.toISOString(),
    thresholds: { staleDays: policy.staleDays, maxAgeDays: policy.maxAgeDays },
    credentials: rows.length,
    ownerCoverage: finding((r) => r.namedOwner),
    shadowOwnership: {
      ...finding((r) => r.shadow),
      noOwner: rows.filter((r) => r.owner === '').length,
      notAPerson: rows.filter((r) => r.shadow && r.owner !== '').length,
    },
    ownersLeft: finding((r) => r.ownerLeft),
    writeScopes: finding((r) => r.writeScope),
    lifetime: {
      noExpiry: finding((r) => r.noExpiry),
      olderThanMaxAge: finding((r) => r.olderThanMaxAge),
      expiredButLive: finding((r) => expired.has(r.id)),
    },
    stale: {
      ...finding((r) => r.stale),
      lastUseUnknown: live.filter((c) => c.lastUsedAt === undefined).length,
    },
    revocationCoverage: {
      ...coverage(rows),
      byProvider: grouped(rows, (r) => r.provider),
      byKind: grouped(rows, (r) => r.kind),
    },
  };
  return { report, rows };
}

/**
 * A scope grants writes when one of the policy's words is one of its words (`contents:write`,
 * `admin:org`, `repo`), or it is `*`. Words, not substrings: `report:read` names no `repo`.
 * A policy entry of several words (`admin:org`) must appear as those words in that order.
 */
function isWriteScope(scope: string, patterns: readonly string[]): boolean {
  if (scope === '*' || scope.endsWith(':*')) return true;
  const words = wordsOf(scope);
  return patterns.some((p) => containsRun(words, wordsOf(p)));
}

const wordsOf = (s: string) => s.split(/[^a-z0-9]+/).filter((w) => w.length > 0);

function containsRun(words: readonly string[], run: readonly string[]): boolean {
  if (run.length === 0) return false;
  for (let i = 0; i + run.length <= words.length; i++)
    if (run.every((w, j) => words[i + j] === w)) return true;
  return false;
}

const share = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 10_000) / 10_000);

function coverage(rows: readonly CredentialFindings[]): Coverage {
  const covered = rows.filter((r) => r.revocable).length;
  return { total: rows.length, covered, share: share(covered, rows.length) };
}

function grouped(rows: readonly CredentialFindings[], key: (r: CredentialFindings) => string) {
  const groups = new Map<string, CredentialFindings[]>();
  for (const r of rows) {
    let g = groups.get(key(r));
    if (!g) groups.set(key(r), (g = []));
    g.push(r);
  }
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, coverage(v)]),
  );
}
