import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeAwsHealth } from '../../../handlers/sources/aws-health.js';
import { normalizeGitGuardian } from '../../../handlers/sources/gitguardian.js';
import { normalizeGitHubPartner } from '../../../handlers/sources/github-partner.js';
import { normalizeGitHubSecretScanningAlert } from '../../../handlers/sources/github-secret-scanning.js';
import { normalizeGitleaks } from '../../../handlers/sources/gitleaks.js';
import { normalizeTruffleHog } from '../../../handlers/sources/trufflehog.js';
import type { TriggerInput } from '../../../schemas/trigger.js';
import {
  assertSecretsConfined,
  FAKE,
  FIXTURE_TOKENS,
  fixture,
  fixtureObject,
  fixtureText,
  issuePaths,
  okResult,
  rejection,
} from './fixtures.js';

const GH1 = FIXTURE_TOKENS['GITHUB_TOKEN_1'] as string;

function leakSubject(t: TriggerInput): Extract<TriggerInput, { kind: 'leak' }>['subject'] {
  assert.equal(t.kind, 'leak');
  return (t as Extract<TriggerInput, { kind: 'leak' }>).subject;
}

describe('github.secret_scanning_alert', () => {
  it('turns a created alert into a leak reference with a stable id', () => {
    const r = okResult(
      normalizeGitHubSecretScanningAlert(fixture('github-secret-scanning-alert.created.json')),
    );
    assert.equal(r.triggers.length, 1);
    const t = r.triggers[0] as TriggerInput;
    assert.match(t.id ?? '', /^github-alert:[0-9a-f]{64}$/);
    assert.equal(t.source, 'github.secret_scanning_alert');
    assert.deepEqual(leakSubject(t).reference, {
      system: 'github_secret_scanning',
      id: 'acme/payments#42',
      secretType: 'github_personal_access_token',
      url: 'https://github.com/acme/payments/security/secret-scanning/42',
    });
    assert.equal(t.occurredAt, '2025-03-04T10:15:31.000Z');
    assert.equal(t.evidence['validity'], 'active');
  });

  it('gives every action on the same alert the same id', () => {
    const ids = ['created', 'validated', 'publicly_leaked', 'reopened'].map((action) => {
      const e = fixtureObject('github-secret-scanning-alert.created.json');
      e['action'] = action;
      return okResult(normalizeGitHubSecretScanningAlert(e)).triggers[0]?.id;
    });
    assert.equal(new Set(ids).size, 1);
  });

  it('ignores actions that do not signal a leak, without an error', () => {
    for (const action of ['resolved', 'assigned', 'something_new']) {
      const e = fixtureObject('github-secret-scanning-alert.created.json');
      e['action'] = action;
      const r = okResult(normalizeGitHubSecretScanningAlert(e));
      assert.equal(r.triggers.length, 0);
      assert.ok(r.ignored);
    }
  });

  it('rejects a missing alert number and a wrong type, naming the path', () => {
    const missing = fixtureObject('github-secret-scanning-alert.created.json');
    delete (missing['alert'] as Record<string, unknown>)['number'];
    assert.deepEqual(issuePaths(normalizeGitHubSecretScanningAlert(missing)), ['$.alert.number']);
    const wrong = fixtureObject('github-secret-scanning-alert.created.json');
    (wrong['repository'] as Record<string, unknown>)['full_name'] = 7;
    const r = rejection(normalizeGitHubSecretScanningAlert(wrong));
    assert.equal(r.code, 'INVALID_SHAPE');
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['$.repository.full_name'],
    );
  });

  it('accepts the body as text or bytes, and reports non-JSON without quoting it', () => {
    const text = fixtureText('github-secret-scanning-alert.created.json');
    okResult(normalizeGitHubSecretScanningAlert(text));
    okResult(normalizeGitHubSecretScanningAlert(Buffer.from(text)));
    const r = rejection(normalizeGitHubSecretScanningAlert(`{"token":"${GH1}"`));
    assert.equal(r.code, 'INVALID_JSON');
    assertSecretsConfined(r, [GH1]);
  });
});

describe('github.partner', () => {
  it('emits one token-bearing leak per match, with no id and no token in evidence', () => {
    const r = okResult(normalizeGitHubPartner(fixture('github-partner.batch.json')));
    assert.equal(r.triggers.length, 2);
    assert.equal(leakSubject(r.triggers[0] as TriggerInput).token, GH1);
    for (const t of r.triggers) assert.equal(t.id, undefined);
    assert.equal(r.triggers[0]?.evidence['foundIn'], 'content');
    assertSecretsConfined(r, [GH1, 'acme_live_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0']);
  });

  it('keeps good matches when one is malformed, and reports it as skipped', () => {
    const batch = fixture('github-partner.batch.json') as unknown[];
    batch.push({ token: 12345678, type: 'acme_api_token' }, { type: 'acme_api_token' });
    const r = okResult(normalizeGitHubPartner(batch));
    assert.equal(r.triggers.length, 2);
    assert.deepEqual(
      r.skipped?.map((i) => i.path),
      ['$[2].token', '$[3].token'],
    );
  });

  it('rejects a non-array body and a batch of only bad matches', () => {
    assert.equal(rejection(normalizeGitHubPartner({ token: GH1 })).code, 'INVALID_SHAPE');
    const r = rejection(normalizeGitHubPartner([{ token: 'short', type: 'x' }]));
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['$[0].token'],
    );
    assertSecretsConfined(r, ['short']);
  });
});

describe('gitguardian', () => {
  it('turns an incident into a leak reference keyed by incident id', () => {
    const r = okResult(normalizeGitGuardian(fixture('gitguardian.incident-triggered.json')));
    const t = r.triggers[0] as TriggerInput;
    assert.equal(t.id, 'gitguardian-incident:2738195');
    assert.deepEqual(leakSubject(t).reference?.system, 'gitguardian');
    assert.equal(leakSubject(t).reference?.secretType, 'slack_bot_token');
    assert.equal(t.evidence['file'], 'deploy/bot.env');
    // GitGuardian's hashes of the secret are not copied.
    assert.ok(!JSON.stringify(r).includes('Ri9FjVgdOlPnBmujoxP4XPJcbe82BhJXB'));
  });

  it('ignores non-leak actions and validity changes to invalid', () => {
    const resolved = fixtureObject('gitguardian.incident-triggered.json');
    resolved['action'] = 'incident_resolved';
    assert.ok(okResult(normalizeGitGuardian(resolved)).ignored);
    const invalid = fixtureObject('gitguardian.incident-triggered.json');
    invalid['action'] = 'incident_validity_changed';
    (invalid['incident'] as Record<string, unknown>)['validity'] = 'invalid';
    assert.equal(okResult(normalizeGitGuardian(invalid)).triggers.length, 0);
  });

  it('rejects an incident action without an incident, and a detector of the wrong type', () => {
    const e = fixtureObject('gitguardian.incident-triggered.json');
    delete e['incident'];
    assert.deepEqual(issuePaths(normalizeGitGuardian(e)), ['$.incident']);
    const w = fixtureObject('gitguardian.incident-triggered.json');
    (w['incident'] as Record<string, unknown>)['detector'] = 'slack';
    assert.deepEqual(issuePaths(normalizeGitGuardian(w)), ['$.incident.detector']);
  });
});

describe('trufflehog', () => {
  it('reads JSON Lines; an AWS finding yields the key id and the secret part only', () => {
    const r = okResult(normalizeTruffleHog(fixtureText('trufflehog.jsonl')));
    assert.equal(r.triggers.length, 2);
    assert.equal(leakSubject(r.triggers[0] as TriggerInput).token, GH1);
    const aws = leakSubject(r.triggers[1] as TriggerInput);
    assert.equal(aws.providerKeyId, FAKE.awsKeyId);
    assert.equal(aws.token, FAKE.awsSecretPart);
    assert.equal(r.triggers[1]?.evidence['file'], 'terraform/prod.tfvars');
    assertSecretsConfined(r, [GH1, FAKE.awsSecretPart]);
  });

  it('accepts one parsed finding, and skips a broken line by line number', () => {
    const [first] = fixtureText('trufflehog.jsonl').split('\n');
    okResult(normalizeTruffleHog(JSON.parse(first as string)));
    const text = `${first}\n\n{"DetectorName":"Github","Raw":"${GH1}",\n`;
    const r = okResult(normalizeTruffleHog(text));
    assert.equal(r.triggers.length, 1);
    assert.deepEqual(r.skipped, [{ path: '$[2]', message: 'the line is not valid JSON' }]);
    assertSecretsConfined(r, [GH1]);
  });

  it('rejects findings missing Verified or with a non-string Raw', () => {
    assert.deepEqual(issuePaths(normalizeTruffleHog({ DetectorName: 'Github', Raw: GH1 })), ['$.Verified']);
    const r = normalizeTruffleHog({ DetectorName: 'Github', Verified: true, Raw: 42 });
    assert.deepEqual(issuePaths(r), ['$.Raw']);
  });
});

describe('gitleaks', () => {
  it('emits the secret as token, an AWS key id as providerKeyId, never the Match line', () => {
    const r = okResult(normalizeGitleaks(fixture('gitleaks.report.json')));
    assert.equal(leakSubject(r.triggers[0] as TriggerInput).token, FAKE.slackBotFromGitleaks);
    assert.equal(r.triggers[0]?.occurredAt, '2025-02-27T16:40:12.000Z');
    assert.deepEqual(leakSubject(r.triggers[1] as TriggerInput), { providerKeyId: FAKE.awsKeyId });
    assert.ok(!JSON.stringify(r.triggers.map((t) => t.evidence)).includes('SLACK_TOKEN='));
    assertSecretsConfined(r, ['FAKEfakeFAKEfakeFAKEfake']);
  });

  it('an AWS key id and its secret found together are one trigger for one key', () => {
    const report = fixture('gitleaks.report.json') as Array<Record<string, unknown>>;
    const keyFinding = report[1] as Record<string, unknown>;
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKEKE';
    report.push({
      ...keyFinding,
      RuleID: 'generic-api-key',
      Secret: secret,
      StartLine: Number(keyFinding.StartLine ?? 1) + 1,
    });
    const r = okResult(normalizeGitleaks(report));
    assert.equal(r.triggers.length, 2, 'the Slack token, and one AWS key');
    assert.deepEqual(leakSubject(r.triggers[1] as TriggerInput), {
      providerKeyId: FAKE.awsKeyId,
      token: secret,
    });
    const elsewhere = [
      ...report.slice(0, 2),
      { ...keyFinding, RuleID: 'generic-api-key', Secret: secret, File: 'other.env' },
    ];
    assert.equal(
      okResult(normalizeGitleaks(elsewhere)).triggers.length,
      3,
      'a secret in another file is not paired',
    );
  });

  it('ignores redacted findings', () => {
    const report = fixture('gitleaks.report.json') as Array<Record<string, unknown>>;
    (report[0] as Record<string, unknown>)['Secret'] = 'REDACTED';
    (report[1] as Record<string, unknown>)['Secret'] = 'AKIAIOSF...';
    const r = okResult(normalizeGitleaks(report));
    assert.equal(r.triggers.length, 0);
    assert.match(r.ignored ?? '', /redacted/);
  });

  it('rejects a finding without Secret or with a numeric RuleID', () => {
    const report = fixture('gitleaks.report.json') as Array<Record<string, unknown>>;
    delete (report[0] as Record<string, unknown>)['Secret'];
    (report[1] as Record<string, unknown>)['RuleID'] = 3;
    assert.deepEqual(issuePaths(normalizeGitleaks(report)), ['$[0].Secret', '$[1].RuleID']);
  });
});

describe('aws.health', () => {
  it('emits a leak by access key id for every risk event code', () => {
    for (const code of [
      'AWS_RISK_CREDENTIALS_EXPOSED',
      'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
      'AWS_RISK_CREDENTIALS_COMPROMISED',
      'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
      'AWS_RISK_IAM_QUARANTINE',
    ]) {
      const e = fixtureObject('aws-health.credentials-exposed.json');
      (e['detail'] as Record<string, unknown>)['eventTypeCode'] = code;
      const r = okResult(normalizeAwsHealth(e));
      assert.deepEqual(leakSubject(r.triggers[0] as TriggerInput), { providerKeyId: FAKE.awsKeyId });
      assert.match(r.triggers[0]?.id ?? '', /^aws-health:[0-9a-f]{64}$/);
      assert.equal(r.triggers[0]?.evidence['eventTypeCode'], code);
    }
  });

  it('ignores other Health events, closed events and entities that are not key ids', () => {
    const other = fixtureObject('aws-health.credentials-exposed.json');
    (other['detail'] as Record<string, unknown>)['eventTypeCode'] = 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED';
    assert.equal(okResult(normalizeAwsHealth(other)).triggers.length, 0);
    const closed = fixtureObject('aws-health.credentials-exposed.json');
    (closed['detail'] as Record<string, unknown>)['statusCode'] = 'closed';
    assert.ok(okResult(normalizeAwsHealth(closed)).ignored);
    const user = fixtureObject('aws-health.credentials-exposed.json');
    (user['detail'] as Record<string, unknown>)['affectedEntities'] = [
      { entityValue: 'AIDAIOSFODNN7EXAMPLE' },
    ];
    assert.equal(okResult(normalizeAwsHealth(user)).triggers.length, 0);
  });

  it('rejects a wrong source, a missing event ARN and a malformed account', () => {
    const e = fixtureObject('aws-health.credentials-exposed.json');
    e['source'] = 'aws.ec2';
    delete (e['detail'] as Record<string, unknown>)['eventArn'];
    e['account'] = 123456789012;
    assert.deepEqual(issuePaths(normalizeAwsHealth(e)).sort(), [
      '$.account',
      '$.detail.eventArn',
      '$.source',
    ]);
  });
});
