/**
 * The governance report on a seeded estate, checked against counts made by hand; the planner's
 * real capability declarations decide revocation coverage (test/support/capabilities.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { governanceReport } from '../../handlers/report.js';
import { Credential, Person } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { reportCsv, reportTable } from '../../src/cli/report-format.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { capabilitiesOf, FULL_CONFIGS } from '../support/capabilities.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const c = (id: string, extra: Record<string, unknown>) => Credential.parse({ id, ...extra });

const people = [
  Person.parse({ id: 'ann@example.com', aliases: ['ann'] }),
  Person.parse({ id: 'bob@example.com' }),
];
const estate = [
  // Ann's, alias-owned, read-only, fresh, expiring: everything right. Vault tokens die by accessor.
  c('vault-ann', {
    provider: 'vault-main',
    kind: 'vault.token',
    providerId: 'acc-1',
    owner: 'ANN',
    scopes: ['read'],
    issuedAt: daysAgo(10),
    lastUsedAt: daysAgo(1),
    expiresAt: daysAgo(-30),
  }),
  // Bob left: flagged; a classic PAT with `repo` (write), no expiry, unused for 200 days.
  c('pat-bob', {
    provider: 'github-main',
    kind: 'github.pat_classic',
    owner: 'bob@example.com',
    flags: ['owner_left'],
    scopes: ['repo', 'read:org'],
    issuedAt: daysAgo(400),
    lastUsedAt: daysAgo(200),
  }),
  // A team owns it (shadow ownership), admin scope, expired but still live.
  c('key-team', {
    provider: 'aws-iam',
    kind: 'aws.access_key',
    providerId: 'AKIATEAM',
    owner: 'platform-team',
    scopes: ['admin:*'],
    expiresAt: daysAgo(5),
  }),
  // No owner at all; at a provider nobody configured.
  c('orphan', { provider: 'nowhere', kind: 'vault.token', providerId: 'acc-2', scopes: ['*'] }),
  // Revoked: not live, counted nowhere.
  c('gone', { provider: 'vault-main', kind: 'vault.token', providerId: 'acc-3', status: 'revoked' }),
];

const { report, rows } = governanceReport(
  estate,
  people,
  { policy: Policy.parse({}), capabilities: capabilitiesOf(FULL_CONFIGS) },
  Policy.parse({}).report,
  NOW,
);

it('counts each signal as a person would, over the live credentials only', () => {
  assert.equal(report.credentials, 4);
  assert.deepEqual([report.ownerCoverage.count, report.ownerCoverage.share], [1, 0.25]);
  assert.deepEqual(report.ownerCoverage.examples, ['vault-ann']);
  assert.deepEqual(
    [report.shadowOwnership.count, report.shadowOwnership.noOwner, report.shadowOwnership.notAPerson],
    [2, 1, 1],
  );
  assert.deepEqual(report.ownersLeft.examples, ['pat-bob']);
  assert.deepEqual(report.writeScopes.examples, ['pat-bob', 'key-team', 'orphan']);
  assert.deepEqual(report.lifetime.noExpiry.examples, ['pat-bob', 'orphan']);
  assert.deepEqual(report.lifetime.olderThanMaxAge.examples, ['pat-bob']);
  assert.deepEqual(report.lifetime.expiredButLive.examples, ['key-team']);
  assert.deepEqual([report.stale.count, report.stale.lastUseUnknown], [1, 2]);
});

it('revocation coverage is what the planner can kill without the value: by provider and kind', () => {
  // A classic PAT needs its value (GitHub revokes classic PATs by value); the orphan's provider is
  // not configured; the vault token dies by accessor and the unowned-workload AWS key by id.
  const covered = rows.filter((r) => r.revocable).map((r) => r.id);
  assert.deepEqual(covered, ['vault-ann', 'key-team']);
  assert.deepEqual(report.revocationCoverage.byProvider['github-main'], { total: 1, covered: 0, share: 0 });
  assert.deepEqual(report.revocationCoverage.byKind['vault.token'], { total: 2, covered: 1, share: 0.5 });
  assert.equal(report.revocationCoverage.share, 0.5);
});

it('thresholds come from the policy file', () => {
  const strict = Policy.parse({ report: { staleDays: 1, maxAgeDays: 5 } }).report;
  const r = governanceReport(
    estate,
    people,
    { policy: Policy.parse({}), capabilities: {} },
    strict,
    NOW,
  ).report;
  assert.deepEqual(r.lifetime.olderThanMaxAge.examples, ['vault-ann', 'pat-bob']);
  assert.equal(r.stale.count, 1, 'used 1 day ago is not more than 1 day');
  assert.equal(r.revocationCoverage.covered, 0, 'nothing configured, nothing covered');
});

it('table and CSV say the same; CSV cells cannot run as spreadsheet formulas', () => {
  const table = reportTable(report);
  assert.match(table, /4 live credential/);
  assert.match(table, /owner coverage\s+1\s+25\.0%/);
  const csv = reportCsv([...rows, { ...rows[0]!, id: '=HYPERLINK("x")' }]).split('\n');
  assert.equal(
    csv[0],
    'id,provider,kind,owner,namedOwner,shadow,ownerLeft,writeScope,noExpiry,olderThanMaxAge,stale,revocable',
  );
  assert.equal(csv.length, 6);
  assert.ok(csv[5]!.startsWith(`"'=HYPERLINK(""x"")"`), csv[5]);
});

it('the same numbers as Prometheus gauges', async () => {
  const metrics = createMetrics(
    {
      store: { listTasks: async () => [] },
      bus: { health: async () => ({ connected: true, member: true, lag: {} }) },
      admission: { states: () => ({}) },
      report: async () => report,
    },
    { processMetrics: false },
  );
  const text = await metrics.registry.metrics();
  const gauge = (name: string, label: string) =>
    Number(new RegExp(`^${name}\\{${label}\\} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(gauge('tourniquet_governance_credentials', 'finding="all"'), 4);
  assert.equal(gauge('tourniquet_governance_credentials', 'finding="shadow_ownership"'), 2);
  assert.equal(gauge('tourniquet_governance_credentials', 'finding="owner_left"'), 1);
  assert.equal(gauge('tourniquet_governance_credentials', 'finding="stale"'), 1);
  assert.equal(gauge('tourniquet_revocation_coverage_ratio', 'provider="all"'), 0.5);
  assert.equal(gauge('tourniquet_revocation_coverage_ratio', 'provider="github-main"'), 0);
});

it('matches write scopes by word, not by substring', () => {
  const scoped = (id: string, scopes: string[]) =>
    c(id, { provider: 'vault-main', kind: 'vault.token', providerId: id, scopes });
  const r = governanceReport(
    [
      scoped('reads-reports', ['report:read', 'fullname:read']),
      scoped('writes-contents', ['contents:write']),
      scoped('org-admin', ['admin:org']),
      scoped('public-repo', ['public_repo']),
    ],
    people,
    { policy: Policy.parse({}), capabilities: capabilitiesOf(FULL_CONFIGS) },
    Policy.parse({ report: { writeScopes: ['write', 'admin:org', 'repo'] } }).report,
    NOW,
  ).report;
  assert.deepEqual(r.writeScopes.examples, ['writes-contents', 'org-admin', 'public-repo']);
});
