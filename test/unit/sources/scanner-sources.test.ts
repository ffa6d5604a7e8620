/**
 * The secret-scanner sources added for issue 14 (sarif, kingfisher, betterleaks, detect-secrets,
 * gitlab.secret_detection) and the TruffleHog / Gitleaks fixes, on the real outputs in
 * fixtures/sources/scanners/ (see its README) and on documented formats.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBetterleaks } from '../../../handlers/sources/betterleaks.js';
import { normalizeDetectSecrets } from '../../../handlers/sources/detect-secrets.js';
import { normalizeGitleaks } from '../../../handlers/sources/gitleaks.js';
import { normalizeGitLabSecretDetection } from '../../../handlers/sources/gitlab-secret-detection.js';
import { normalizeKingfisher } from '../../../handlers/sources/kingfisher.js';
import { normalizeSarif } from '../../../handlers/sources/sarif.js';
import { normalizeTruffleHog } from '../../../handlers/sources/trufflehog.js';
import { classifyToken } from '../../../handlers/classify/index.js';
import { isTourniquetError } from '../../../src/errors.js';
import { badRecords } from '../../../src/intake/bad-records.js';
import { normalizeSource } from '../../../src/intake/sources.js';
import type { TriggerInput } from '../../../schemas/trigger.js';
import {
  assertSecretsConfined,
  FAKE,
  FIXTURE_TOKENS,
  fixture,
  fixtureText,
  issuePaths,
  okResult,
  rejection,
} from './fixtures.js';

type Json = Record<string, unknown>;
type Leak = Extract<TriggerInput, { kind: 'leak' }>;

const GH1 = FIXTURE_TOKENS['GITHUB_TOKEN_1'] as string;
const GH2 = FIXTURE_TOKENS['GITHUB_TOKEN_2'] as string;
const SCANNED = 'scanners/';
const COMMIT = '81c2ab52f5de3c4ead152878798c6ae664fb37d2';

/** The planted private key, as Gitleaks reported it. */
function plantedKey(): string {
  const report = fixture(`${SCANNED}gitleaks-8.30.1.json`) as Json[];
  return String(report.find((f) => f['RuleID'] === 'private-key')?.['Secret']);
}

const PLANTED = (): string[] => [GH1, FAKE.scannerSlack, FAKE.scannerAwsSecret, plantedKey()];

function leaks(r: { triggers: TriggerInput[] }): Leak[] {
  for (const t of r.triggers) assert.equal(t.kind, 'leak');
  return r.triggers as Leak[];
}

function byType(r: { triggers: TriggerInput[] }): Map<string, Leak> {
  const out = new Map<string, Leak>();
  for (const t of leaks(r)) {
    const type = t.subject.token !== undefined ? classifyToken(t.subject.token).tokenType : 'aws.key_id';
    out.set(t.subject.providerKeyId !== undefined ? 'aws' : type, t);
  }
  return out;
}

describe('sarif', () => {
  it('Gitleaks 8.30.1 SARIF: the secret from the snippet, the commit, author and date from partialFingerprints', () => {
    const r = okResult(normalizeSarif(fixtureText(`${SCANNED}gitleaks-8.30.1.sarif`)));
    assert.equal(r.triggers.length, 4);
    const t = byType(r);
    assert.equal(t.get('github.pat_classic')?.subject.token, GH1);
    assert.equal(t.get('slack.bot_token')?.subject.token, FAKE.scannerSlack);
    assert.deepEqual(t.get('aws')?.subject, {
      providerKeyId: FAKE.scannerAwsKeyId,
      token: FAKE.scannerAwsSecret,
    });
    assert.ok(t.get('crypto.private_key'));
    const gh = t.get('github.pat_classic') as Leak;
    assert.equal(gh.occurredAt, '2026-11-20T09:15:00.000Z');
    assert.equal(gh.source, 'sarif');
    assert.deepEqual(
      [gh.evidence['tool'], gh.evidence['file'], gh.evidence['line'], gh.evidence['commit']],
      ['gitleaks', 'config/ci.env', 2, COMMIT],
    );
    assert.deepEqual([gh.evidence['author'], gh.evidence['email']], ['Ada Planted', 'ada@planted.example']);
    assertSecretsConfined(r, PLANTED());
  });

  it("Kingfisher 2.14 SARIF: git_metadata in the location's properties; the key id alone for AWS", () => {
    const r = okResult(normalizeSarif(fixture(`${SCANNED}kingfisher-2.14.0.sarif`)));
    const t = byType(r);
    assert.equal(r.triggers.length, 4);
    assert.deepEqual(t.get('aws')?.subject, { providerKeyId: FAKE.scannerAwsKeyId });
    const slack = t.get('slack.bot_token') as Leak;
    assert.equal(slack.occurredAt, '2026-11-20T00:00:00.000Z');
    assert.equal(slack.evidence['commit'], COMMIT);
    assert.equal(slack.evidence['rule'], 'betterleaks.slack-bot-token');
    assert.equal(slack.evidence['ruleTokenType'], 'slack.bot_token');
    // validate_command and blast_radius_command quote the secret: never read.
    assert.ok(!JSON.stringify(r).includes('kingfisher validate'));
    assertSecretsConfined(r, PLANTED());
  });

  it('reads a line snippet, a credential-shaped fingerprint, ruleIndex and versionControlProvenance', () => {
    const log = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'acme-scan', rules: [{ id: 'rule-a' }, { id: 'github-pat' }] } },
          versionControlProvenance: [
            { repositoryUri: 'https://git.example/acme/app', revisionId: 'abc123', branch: 'main' },
          ],
          results: [
            {
              ruleIndex: 1,
              message: { text: `found ${GH1}` },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'app/.env' },
                    region: { startLine: 9, snippet: { text: `GITHUB_TOKEN="${GH1}"` } },
                  },
                },
              ],
              properties: { commitDate: '2025-01-02T03:04:05Z' },
            },
            { ruleId: 'slack', partialFingerprints: { 'secret/v1': GH2 } },
            { ruleId: 'hashed', partialFingerprints: { 'secret/v1': 'f'.repeat(64) } },
          ],
        },
      ],
    };
    const r = okResult(normalizeSarif(log));
    const [first, second] = leaks(r);
    assert.equal(r.triggers.length, 2);
    assert.equal(first?.subject.token, GH1);
    assert.equal(first?.evidence['rule'], 'github-pat');
    assert.equal(first?.evidence['repository'], 'https://git.example/acme/app');
    assert.equal(first?.evidence['commit'], 'abc123');
    assert.equal(first?.occurredAt, '2025-01-02T03:04:05.000Z');
    assert.equal(second?.subject.token, GH2);
    assert.match(r.ignored ?? '', /no secret value/);
    assertSecretsConfined(r, [GH1, GH2]);
  });

  it('rejects another SARIF version and a run without a tool, naming the paths', () => {
    const log = fixture(`${SCANNED}kingfisher-2.14.0.sarif`) as Json;
    log['version'] = '2.0.0';
    assert.deepEqual(issuePaths(normalizeSarif(log)), ['$.version']);
    const r = rejection(normalizeSarif({ version: '2.1.0', runs: [{ results: [] }] }));
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['$.runs[0].tool'],
    );
  });

  it('a malformed result is skipped by its own path, and only it is dead-lettered', () => {
    const log = fixture(`${SCANNED}kingfisher-2.14.0.sarif`) as Json;
    const results = ((log['runs'] as Json[])[0] as Json)['results'] as Json[];
    results[1] = { ...results[1], ruleId: 42 };
    const r = okResult(normalizeSarif(log));
    assert.equal(r.triggers.length, 3);
    assert.deepEqual(
      r.skipped?.map((i) => i.path),
      ['$.runs[0].results[1].ruleId'],
    );
    const bad = badRecords(JSON.stringify(log), r.skipped ?? [], true);
    assert.deepEqual(
      bad.map((b) => b.path),
      ['$.runs[0].results[1]'],
    );
    assert.ok(bad[0]?.payload?.includes(FAKE.scannerSlack));
    assert.ok(!bad[0]?.payload?.includes(GH1), "a sibling result's secret is not dead-lettered");
  });
});

describe('kingfisher', () => {
  for (const format of ['json', 'jsonl'] as const) {
    it(`2.14 --format ${format}: betterleaks.* rule ids, the AWS secret from dependent_captures, commit day as occurredAt`, () => {
      const r = okResult(normalizeKingfisher(fixtureText(`${SCANNED}kingfisher-2.14.0.${format}`)));
      assert.equal(r.triggers.length, 4);
      assert.equal(r.skipped, undefined, 'the closing audit line is no malformed record');
      const t = byType(r);
      assert.deepEqual(t.get('aws')?.subject, {
        providerKeyId: FAKE.scannerAwsKeyId,
        token: FAKE.scannerAwsSecret,
      });
      const gh = t.get('github.pat_classic') as Leak;
      assert.equal(gh.subject.token, GH1);
      assert.equal(gh.occurredAt, '2026-11-20T00:00:00.000Z');
      assert.deepEqual(
        [gh.evidence['rule'], gh.evidence['file'], gh.evidence['line'], gh.evidence['commit']],
        ['betterleaks.github-pat', 'config/ci.env', 2, COMMIT],
      );
      assert.equal(gh.evidence['author'], 'Ada Planted');
      assert.equal(t.get('crypto.private_key')?.subject.token, plantedKey());
      assertSecretsConfined(r, PLANTED());
    });
  }

  it('1.112 JSON: kingfisher.* rule ids; the PEM body reported again is part of the key, not a secret of its own', () => {
    const r = okResult(normalizeKingfisher(fixtureText(`${SCANNED}kingfisher-1.112.0.json`)));
    assert.equal(r.triggers.length, 4);
    assert.match(r.ignored ?? '', /part of another finding/);
    const rules = leaks(r).map((t) => t.evidence['rule']);
    assert.deepEqual(rules, [
      'kingfisher.github.2',
      'kingfisher.slack.2',
      'kingfisher.aws.2',
      'kingfisher.privkey.2',
    ]);
    // 1.x reports the AWS secret without its key id: typed by the rule only.
    const aws = leaks(r)[2] as Leak;
    assert.deepEqual(aws.subject, { token: FAKE.scannerAwsSecret });
    assert.equal(aws.evidence['ruleTokenType'], 'aws');
    assertSecretsConfined(r, PLANTED());
  });

  it('accepts the JSON report pretty-printed and parsed, and skips a bad finding by path', () => {
    const report = fixture(`${SCANNED}kingfisher-2.14.0.json`) as Json;
    assert.equal(okResult(normalizeKingfisher(JSON.stringify(report, null, 2))).triggers.length, 4);
    const findings = report['findings'] as Json[];
    (findings[1] as Json)['finding'] = { snippet: 7 };
    const r = okResult(normalizeKingfisher(report));
    assert.equal(r.triggers.length, 3);
    assert.deepEqual(
      r.skipped?.map((i) => i.path),
      ['$.findings[1].finding.snippet'],
    );
  });
});

describe('betterleaks', () => {
  it("reads Gitleaks' report format with Betterleaks' Attributes; the AWS secret from RequiredSets", () => {
    const r = okResult(normalizeBetterleaks(fixture('betterleaks.report.json')));
    assert.equal(r.triggers.length, 2);
    const [gh, aws] = leaks(r);
    assert.equal(gh?.source, 'betterleaks');
    assert.equal(gh?.subject.token, GH2);
    assert.equal(gh?.occurredAt, '2025-05-06T07:08:09.000Z');
    assert.equal(gh?.evidence['validation'], 'needs_validation');
    assert.deepEqual(aws?.subject, { providerKeyId: FAKE.awsKeyId, token: FAKE.awsSecretPart });
    // Its deprecated fields are empty: the place comes from Attributes.
    assert.deepEqual(
      [aws?.evidence['file'], aws?.evidence['commit'], aws?.evidence['author'], aws?.occurredAt],
      [
        'ci/release.env',
        '5e1f0c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f',
        'Grace Hopper',
        '2025-05-06T07:08:09.000Z',
      ],
    );
    assert.ok(!JSON.stringify(r).includes('GITHUB_TOKEN='), 'Match and MatchContext are never read');
    assertSecretsConfined(r, [GH2, FAKE.awsSecretPart]);
  });
});

describe('detect-secrets', () => {
  it('audit --report --json: the whole token from the line when the plugin captured a prefix', () => {
    const r = okResult(
      normalizeDetectSecrets(fixtureText(`${SCANNED}detect-secrets-1.5.0.audit-report.json`)),
    );
    assert.equal(r.triggers.length, 3);
    const t = byType(r);
    assert.equal(t.get('github.pat_classic')?.subject.token, GH1);
    assert.equal(t.get('slack.bot_token')?.subject.token, FAKE.scannerSlack);
    assert.deepEqual(t.get('aws')?.subject, { providerKeyId: FAKE.scannerAwsKeyId });
    assert.deepEqual(
      [t.get('slack.bot_token')?.evidence['file'], t.get('slack.bot_token')?.evidence['line']],
      ['config/ci.env', 3],
    );
    assert.match(r.ignored ?? '', /no key material/);
    assert.ok(!JSON.stringify(r).includes('SLACK_BOT_TOKEN='), 'lines are never copied');
    assertSecretsConfined(r, PLANTED());
  });

  it('a baseline is refused by value with a reason; a result without secrets names the path', () => {
    const r = okResult(normalizeDetectSecrets(fixtureText(`${SCANNED}detect-secrets-1.5.0.baseline.json`)));
    assert.equal(r.triggers.length, 0);
    assert.match(r.ignored ?? '', /audit --report --json/);
    const report = fixture(`${SCANNED}detect-secrets-1.5.0.audit-report.json`) as Json;
    delete ((report['results'] as Json[])[1] as Json)['secrets'];
    assert.deepEqual(
      okResult(normalizeDetectSecrets(report)).skipped?.map((i) => i.path),
      ['$.results[1].secrets'],
    );
  });
});

describe('gitlab.secret_detection', () => {
  it('raw_source_code_extract is the secret; the commit date and author come along', () => {
    const r = okResult(normalizeGitLabSecretDetection(fixture('gitlab-secret-detection.report.json')));
    const [slack, aws] = leaks(r);
    assert.equal(slack?.subject.token, FAKE.slackBotFromGitleaks);
    assert.equal(slack?.source, 'gitlab.secret_detection');
    assert.equal(slack?.occurredAt, '2025-04-01T12:30:00.000Z');
    assert.deepEqual(
      [slack?.evidence['rule'], slack?.evidence['file'], slack?.evidence['author']],
      ['slack-bot-token', 'config/bot.env', 'Ada Lovelace'],
    );
    assert.deepEqual(aws?.subject, { providerKeyId: FAKE.awsKeyId });
    assertSecretsConfined(r, [FAKE.slackBotFromGitleaks]);
  });

  it('a redacted vulnerability is ignored; a report without vulnerabilities is rejected by path', () => {
    const report = fixture('gitlab-secret-detection.report.json') as Json;
    for (const v of report['vulnerabilities'] as Json[]) delete v['raw_source_code_extract'];
    const r = okResult(normalizeGitLabSecretDetection(report));
    assert.equal(r.triggers.length, 0);
    assert.match(r.ignored ?? '', /raw_source_code_extract/);
    assert.deepEqual(issuePaths(normalizeGitLabSecretDetection({ version: '15.0.7' })), [
      '$.vulnerabilities',
    ]);
  });
});

describe('trufflehog and gitleaks fixes', () => {
  const awsLine = (): Json => {
    const line = fixtureText('trufflehog.jsonl').split('\n')[1] as string;
    return JSON.parse(line) as Json;
  };

  it('TruffleHog: RawV2 written id:secret gives the secret without the separator', () => {
    const f = awsLine();
    f['RawV2'] = `${FAKE.awsKeyId}:${FAKE.awsSecretPart}`;
    const t = leaks(okResult(normalizeTruffleHog(f)))[0];
    assert.deepEqual(t?.subject, { providerKeyId: FAKE.awsKeyId, token: FAKE.awsSecretPart });
  });

  it('TruffleHog: Raw written id:secret is split too', () => {
    const f = { ...awsLine(), Raw: `${FAKE.awsKeyId}:${FAKE.awsSecretPart}`, RawV2: '' };
    const t = leaks(okResult(normalizeTruffleHog(f)))[0];
    assert.deepEqual(t?.subject, { providerKeyId: FAKE.awsKeyId, token: FAKE.awsSecretPart });
  });

  it('TruffleHog: the commit timestamp becomes occurredAt', () => {
    const t = leaks(okResult(normalizeTruffleHog(awsLine())))[0];
    assert.equal(t?.occurredAt, '2025-03-02T14:03:10.000Z');
  });

  it('Gitleaks 8.30.1: the private key is typed, the AWS key id and its secret are one trigger', () => {
    const r = okResult(normalizeGitleaks(fixtureText(`${SCANNED}gitleaks-8.30.1.json`)));
    assert.equal(r.triggers.length, 4);
    const t = byType(r);
    assert.deepEqual(t.get('aws')?.subject, {
      providerKeyId: FAKE.scannerAwsKeyId,
      token: FAKE.scannerAwsSecret,
    });
    assert.ok(t.get('crypto.private_key'));
    assert.equal(t.get('slack.bot_token')?.evidence['email'], 'ada@planted.example');
    assertSecretsConfined(r, PLANTED());
  });
});

describe('unknown --source', () => {
  it('UNKNOWN_SOURCE lists the valid names, without echoing the name asked for', () => {
    const asked = `sarif2-${GH1}`;
    assert.throws(
      () => normalizeSource(asked, {}),
      (e: unknown) => {
        assert.ok(isTourniquetError(e));
        assert.equal(e.code, 'UNKNOWN_SOURCE');
        const valid = (e.details as { validSources?: string[] }).validSources ?? [];
        for (const name of [
          'sarif',
          'kingfisher',
          'betterleaks',
          'detect-secrets',
          'gitlab.secret_detection',
        ])
          assert.ok(valid.includes(name), name);
        assert.ok(!e.message.includes(GH1));
        return true;
      },
    );
  });
});
