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

/** The report of a whole inventory at once (tests, small estates): one page of `reportOf`. */
export function governanceReport(
  credentials: readonly Credential[],
  people: readonly Person[],
  ctx: PlanContext,
  policy: ReportPolicy,
  now: Date,
): { report: GovernanceReport; rows: CredentialFindings[] } {
  const acc = new ReportAccumulator(people, ctx, policy, now, true);
  acc.add(credentials);
  return acc.result();
}

/** A count that keeps its first few ids. */
class Tally {
  count = 0;
  readonly examples: string[] = [];
  hit(id: string): void {
    this.count++;
    if (this.examples.length < REPORT_EXAMPLES) this.examples.push(id);
  }
  finding(of: number): Finding {
    return { count: this.count, share: share(this.count, of), examples: this.examples };
  }
}

const TALLIES = [
  'namedOwner',
  'shadow',
  'ownerLeft',
  'writeScope',
  'noExpiry',
  'olderThanMaxAge',
  'expired',
  'stale',
] as const;

/**
 * The report built a page of credentials at a time (src/pipeline/report.ts reads the inventory in
 * keyset pages): counts, the first examples and coverage groups are all it keeps, so a million
 * credentials cost a page. Rows (one per live credential) are kept only when asked for.
 */
export class ReportAccumulator {
  private readonly known: Set<string>;
  private readonly patterns: string[];
  private readonly t: number;
  private readonly tallies = Object.fromEntries(TALLIES.map((k) => [k, new Tally()])) as Record<
    (typeof TALLIES)[number],
    Tally
  >;
  private live = 0;
  private noOwner = 0;
  private notAPerson = 0;
  private lastUseUnknown = 0;
  private readonly total = new Counts();
  private readonly byProvider = new Map<string, Counts>();
  private readonly byKind = new Map<string, Counts>();
  private readonly rows: CredentialFindings[] = [];

  constructor(
    people: readonly Person[],
    private readonly ctx: PlanContext,
    private readonly policy: ReportPolicy,
    private readonly now: Date,
    private readonly keepRows: boolean,
  ) {
    this.known = new Set(people.flatMap((p) => [p.id, ...p.aliases]).map((id) => id.toLowerCase()));
    this.patterns = policy.writeScopes.map((p) => p.toLowerCase());
    this.t = now.getTime();
  }

  add(credentials: readonly Credential[]): void {
    const live = credentials.filter((c) => c.status === 'active');
    const gaps = new Set(capabilityGaps(live, this.ctx).map((g) => g.credentialId));
    for (const c of live) {
      const r = this.row(c, gaps);
      this.live++;
      for (const k of TALLIES) if (k === 'expired' ? this.expired(c) : r[k]) this.tallies[k].hit(c.id);
      if (r.owner === '') this.noOwner++;
      else if (r.shadow) this.notAPerson++;
      if (c.lastUsedAt === undefined) this.lastUseUnknown++;
      for (const counts of [this.total, group(this.byProvider, r.provider), group(this.byKind, r.kind)])
        counts.add(r.revocable);
      if (this.keepRows) this.rows.push(r);
    }
  }

  private row(c: Credential, gaps: ReadonlySet<string | null>): CredentialFindings {
    const owner = c.owner ?? '';
    const left = c.flags.includes('owner_left');
    const isPerson = owner !== '' && this.known.has(owner.toLowerCase());
    const last = c.lastUsedAt ? Date.parse(c.lastUsedAt) : undefined;
    const { maxAgeDays, staleDays } = this.policy;
    return {
      id: c.id,
      provider: c.provider,
      kind: c.kind,
      owner,
      namedOwner: isPerson && !left,
      shadow: !isPerson,
      ownerLeft: left,
      writeScope: c.scopes.some((s) => isWriteScope(s.toLowerCase(), this.patterns)),
      noExpiry: c.expiresAt === undefined,
      olderThanMaxAge: c.issuedAt !== undefined && this.t - Date.parse(c.issuedAt) > maxAgeDays * DAY_MS,
      stale: last !== undefined && this.t - last > staleDays * DAY_MS,
      revocable: !gaps.has(c.id),
    };
  }

  private expired(c: Credential): boolean {
    return c.expiresAt !== undefined && Date.parse(c.expiresAt) <= this.t;
  }

  result(): { report: GovernanceReport; rows: CredentialFindings[] } {
    const n = this.live;
    const f = (k: (typeof TALLIES)[number]) => this.tallies[k].finding(n);
    const report: GovernanceReport = {
      generatedAt: this.now.toISOString(),
      thresholds: { staleDays: this.policy.staleDays, maxAgeDays: this.policy.maxAgeDays },
      credentials: n,
      ownerCoverage: f('namedOwner'),
      shadowOwnership: { ...f('shadow'), noOwner: this.noOwner, notAPerson: this.notAPerson },
      ownersLeft: f('ownerLeft'),
      writeScopes: f('writeScope'),
      lifetime: {
        noExpiry: f('noExpiry'),
        olderThanMaxAge: f('olderThanMaxAge'),
        expiredButLive: f('expired'),
      },
      stale: { ...f('stale'), lastUseUnknown: this.lastUseUnknown },
      revocationCoverage: {
        ...this.total.coverage(),
        byProvider: sortedCoverage(this.byProvider),
        byKind: sortedCoverage(this.byKind),
      },
    };
    return { report, rows: this.rows };
  }
}

class Counts {
  total = 0;
  covered = 0;
  add(revocable: boolean): void {
    this.total++;
    if (revocable) this.covered++;
  }
  coverage(): Coverage {
    return { total: this.total, covered: this.covered, share: share(this.covered, this.total) };
  }
}

function group(groups: Map<string, Counts>, key: string): Counts {
  let g = groups.get(key);
  if (!g) groups.set(key, (g = new Counts()));
  return g;
}

const sortedCoverage = (groups: ReadonlyMap<string, Counts>) =>
  Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.coverage()]));

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
