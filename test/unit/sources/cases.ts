/**
 * One positive case per source, for the registry and property tests. `planted(secret)` returns the
 * fixture with `secret` in the places a real event would carry secret material: the token fields
 * of scanner formats, and fields a normalizer must not copy for the others (a SCIM password
 * operation, a BambooHR SSN, a CloudTrail secretAccessKey, a GitHub REST `secret`, …).
 */
import type { NormalizeResult } from '../../../schemas/sources/result.js';
import type { SourceName } from '../../../schemas/sources/index.js';
import { normalizeAwsHealth } from '../../../handlers/sources/aws-health.js';
import { normalizeBambooHr } from '../../../handlers/sources/bamboohr.js';
import { normalizeCloudTrail } from '../../../handlers/sources/cloudtrail.js';
import { normalizeDecommission } from '../../../handlers/sources/decommission.js';
import { normalizeGitGuardian } from '../../../handlers/sources/gitguardian.js';
import { normalizeGitHubPartner } from '../../../handlers/sources/github-partner.js';
import { normalizeGitHubSecretScanningAlert } from '../../../handlers/sources/github-secret-scanning.js';
import { normalizeBetterleaks } from '../../../handlers/sources/betterleaks.js';
import { normalizeDetectSecrets } from '../../../handlers/sources/detect-secrets.js';
import { normalizeGitleaks } from '../../../handlers/sources/gitleaks.js';
import { normalizeGitLabSecretDetection } from '../../../handlers/sources/gitlab-secret-detection.js';
import { normalizeKingfisher } from '../../../handlers/sources/kingfisher.js';
import { normalizeSarif } from '../../../handlers/sources/sarif.js';
import { normalizeHris } from '../../../handlers/sources/hris.js';
import { normalizeKubernetesAudit } from '../../../handlers/sources/kubernetes-audit.js';
import { normalizeOkta } from '../../../handlers/sources/okta.js';
import { normalizeScim } from '../../../handlers/sources/scim.js';
import { normalizeSsf } from '../../../handlers/sources/ssf.js';
import { normalizeTerraform } from '../../../handlers/sources/terraform.js';
import { normalizeTruffleHog } from '../../../handlers/sources/trufflehog.js';
import { fixture, fixtureText } from './fixtures.js';

type Json = Record<string, unknown>;

export interface SourceCase {
  name: SourceName;
  /** The normalizer itself, unguarded: the property test must see any exception it throws. */
  normalize: (raw: unknown) => NormalizeResult;
  fixture: () => unknown;
  planted: (secret: string) => unknown;
}

const obj = (name: string): Json => fixture(name) as Json;
const at = (v: unknown, ...keys: Array<string | number>): Json =>
  keys.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v) as Json;

function jsonLines(name: string): Json[] {
  return fixtureText(name)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

function truffleFindings(): Json[] {
  return fixtureText('trufflehog.jsonl')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

export const SOURCE_CASES: readonly SourceCase[] = [
  {
    name: 'github.secret_scanning_alert',
    normalize: normalizeGitHubSecretScanningAlert,
    fixture: () => obj('github-secret-scanning-alert.created.json'),
    planted: (s) => {
      const e = obj('github-secret-scanning-alert.created.json');
      at(e, 'alert')['secret'] = s;
      return { ...e, [s]: true };
    },
  },
  {
    name: 'github.partner',
    normalize: normalizeGitHubPartner,
    fixture: () => fixture('github-partner.batch.json'),
    planted: (s) => {
      const batch = fixture('github-partner.batch.json') as Json[];
      (batch[0] as Json)['token'] = s;
      return batch;
    },
  },
  {
    name: 'gitguardian',
    normalize: normalizeGitGuardian,
    fixture: () => obj('gitguardian.incident-triggered.json'),
    planted: (s) => {
      const e = obj('gitguardian.incident-triggered.json');
      at(e, 'incident')['secret_hash'] = s;
      at(e, 'incident')['hmsl_hash'] = s;
      return e;
    },
  },
  {
    name: 'trufflehog',
    normalize: normalizeTruffleHog,
    fixture: () => fixtureText('trufflehog.jsonl'),
    planted: (s) => {
      const [gh, aws] = truffleFindings() as [Json, Json];
      gh['Raw'] = s;
      gh['Redacted'] = s.slice(0, 8);
      aws['RawV2'] = `${String(aws['Raw'])}${s}`;
      at(aws, 'ExtraData')['secret'] = s;
      return [gh, aws];
    },
  },
  {
    name: 'gitleaks',
    normalize: normalizeGitleaks,
    fixture: () => fixture('gitleaks.report.json'),
    planted: (s) => {
      const report = fixture('gitleaks.report.json') as Json[];
      (report[0] as Json)['Secret'] = s;
      (report[0] as Json)['Match'] = `TOKEN=${s}`;
      (report[1] as Json)['Match'] = `aws_secret_access_key=${s}`;
      return report;
    },
  },
  {
    name: 'betterleaks',
    normalize: normalizeBetterleaks,
    fixture: () => fixture('betterleaks.report.json'),
    planted: (s) => {
      const report = fixture('betterleaks.report.json') as Json[];
      const gh = report[0] as Json;
      gh['Secret'] = s;
      gh['Match'] = `TOKEN=${s}`;
      gh['MatchContext'] = `# x\nTOKEN=${s}\n`;
      gh['CaptureGroups'] = { secret: s };
      at(report[1], 'RequiredSets', 0, 'components', 0)['Match'] = `AWS_SECRET_ACCESS_KEY=${s}`;
      return report;
    },
  },
  {
    name: 'kingfisher',
    normalize: normalizeKingfisher,
    fixture: () => fixtureText('scanners/kingfisher-2.14.0.jsonl'),
    planted: (s) => {
      const lines = jsonLines('scanners/kingfisher-2.14.0.jsonl');
      const gh = at(lines[0], 'finding');
      gh['snippet'] = s;
      gh['validate_command'] = `kingfisher validate '${s}'`;
      gh['blast_radius_command'] = `kingfisher blast-radius '${s}'`;
      at(lines[2], 'finding')['validate_command'] = `kingfisher validate --var AWS_SECRET_ACCESS_KEY='${s}'`;
      return lines;
    },
  },
  {
    name: 'sarif',
    normalize: normalizeSarif,
    fixture: () => fixture('scanners/kingfisher-2.14.0.sarif'),
    planted: (s) => {
      const log = fixture('scanners/kingfisher-2.14.0.sarif') as Json;
      const result = at(log, 'runs', 0, 'results', 0);
      result['message'] = { text: `found ${s}` };
      const loc = at(result, 'locations', 0);
      at(loc, 'physicalLocation', 'region', 'snippet')['text'] = s;
      at(loc, 'physicalLocation')['contextRegion'] = { snippet: { text: `TOKEN=${s}` } };
      at(loc, 'properties')['validate_command'] = `kingfisher validate '${s}'`;
      return log;
    },
  },
  {
    name: 'detect-secrets',
    normalize: normalizeDetectSecrets,
    fixture: () => fixture('scanners/detect-secrets-1.5.0.audit-report.json'),
    planted: (s) => {
      const report = fixture('scanners/detect-secrets-1.5.0.audit-report.json') as Json;
      const slack = at(report, 'results', 1);
      slack['secrets'] = s;
      slack['lines'] = { '3': `SLACK_BOT_TOKEN=${s}`, '9': `again ${s}` };
      return report;
    },
  },
  {
    name: 'gitlab.secret_detection',
    normalize: normalizeGitLabSecretDetection,
    fixture: () => fixture('gitlab-secret-detection.report.json'),
    planted: (s) => {
      const report = fixture('gitlab-secret-detection.report.json') as Json;
      const v = at(report, 'vulnerabilities', 0);
      v['raw_source_code_extract'] = s;
      v['message'] = `leaked ${s}`;
      at(v, 'location', 'commit')['message'] = `oops ${s}`;
      return report;
    },
  },
  {
    name: 'aws.health',
    normalize: normalizeAwsHealth,
    fixture: () => obj('aws-health.credentials-exposed.json'),
    planted: (s) => {
      const e = obj('aws-health.credentials-exposed.json');
      at(e, 'detail')['eventDescription'] = [{ language: 'en_US', latestDescription: s }];
      return e;
    },
  },
  {
    name: 'okta',
    normalize: normalizeOkta,
    fixture: () => obj('okta.event-hook.json'),
    planted: (s) => {
      const e = obj('okta.event-hook.json');
      at(e, 'data', 'events', 0)['debugContext'] = { debugData: { requestUri: `/login?token=${s}` } };
      return e;
    },
  },
  {
    name: 'scim',
    normalize: normalizeScim,
    fixture: () => obj('scim.patch-deactivate.json'),
    planted: (s) => {
      const e = obj('scim.patch-deactivate.json');
      (at(e, 'body')['Operations'] as Json[]).push({ op: 'replace', path: 'password', value: s });
      return e;
    },
  },
  {
    name: 'bamboohr',
    normalize: normalizeBambooHr,
    fixture: () => obj('bamboohr.field-based.json'),
    planted: (s) => {
      const e = obj('bamboohr.field-based.json');
      at(e, 'employees', 0, 'fields')['SSN'] = s;
      at(e, 'employees', 0, 'fields')[s] = 'x';
      return e;
    },
  },
  {
    name: 'hris',
    normalize: normalizeHris,
    fixture: () => obj('hris.terminated.json'),
    planted: (s) => ({ ...obj('hris.terminated.json'), ssn: s }),
  },
  {
    name: 'kubernetes.audit',
    normalize: normalizeKubernetesAudit,
    fixture: () => obj('kubernetes-audit.event-list.json'),
    planted: (s) => {
      const e = obj('kubernetes-audit.event-list.json');
      at(e, 'items', 1)['requestObject'] = { kind: 'Secret', data: { password: s } };
      return e;
    },
  },
  {
    name: 'aws.cloudtrail',
    normalize: normalizeCloudTrail,
    fixture: () => obj('cloudtrail.delete-role.json'),
    planted: (s) => {
      const e = obj('cloudtrail.delete-role.json');
      at(e, 'detail')['responseElements'] = { accessKey: { secretAccessKey: s } };
      at(e, 'detail', 'requestParameters')['sessionToken'] = s;
      return e;
    },
  },
  {
    name: 'terraform',
    normalize: normalizeTerraform,
    fixture: () => obj('terraform.destroy-applied.json'),
    planted: (s) => ({ ...obj('terraform.destroy-applied.json'), variables: { db_password: s } }),
  },
  {
    name: 'generic.decommission',
    normalize: normalizeDecommission,
    fixture: () => fixture('decommission.json'),
    planted: (s) => {
      const batch = fixture('decommission.json') as Json[];
      (batch[0] as Json)['credential'] = s;
      return batch;
    },
  },
  {
    name: 'ssf',
    normalize: normalizeSsf,
    fixture: () => obj('ssf.account-disabled.json'),
    planted: (s) => {
      const e = obj('ssf.account-disabled.json');
      at(e, 'events')[s] = { token: s };
      return e;
    },
  },
];
