/**
 * GitLab secret detection report (gl-secret-detection-report.json) → one leak trigger per secret:
 * the secret is `raw_source_code_extract`, the rule the `gitleaks_rule_id` identifier, the place
 * `location.{file, start_line, commit}`; the commit date becomes `occurredAt`. A vulnerability
 * without the extract (redacted) is ignored with a reason.
 */
import {
  GitLabSecretDetectionReport,
  GitLabSecretVulnerability,
} from '../../schemas/sources/gitlab-secret-detection.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { Outcome, parseRecord, type NormalizeResult } from './result.js';
import { ruleTokenType } from './rule-types.js';
import { credentialIn, fragments, pairAwsKeys, scannerSubject } from './scanner.js';
import { isoTime } from './time.js';

export const GITLAB_SECRET_DETECTION_SOURCE = 'gitlab.secret_detection';

function ruleOf(v: GitLabSecretVulnerability): string | undefined {
  const ids = v.identifiers ?? [];
  const rule = ids.find((i) => i.type === 'gitleaks_rule_id') ?? ids[0];
  return opt(rule?.value) ?? undefined;
}

export function normalizeGitLabSecretDetection(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, GitLabSecretDetectionReport);
  if (!parsed.ok) return parsed.result;
  const report = parsed.event;
  const outcome = new Outcome();
  const items = report.vulnerabilities.map((item, i) => {
    const v = parseRecord(outcome, GitLabSecretVulnerability, item, ['vulnerabilities', i]);
    const extract = opt(v?.raw_source_code_extract);
    const secret =
      extract !== undefined && extract.trim().length >= 8 ? (credentialIn(extract) ?? extract) : undefined;
    return { at: ['vulnerabilities', i], v, secret };
  });
  const located = items.map(({ v, secret }) =>
    v && secret !== undefined
      ? {
          secret,
          file: opt(v.location?.file),
          commit: opt(v.location?.commit?.sha),
          line: opt(v.location?.start_line),
        }
      : undefined,
  );
  const pairs = pairAwsKeys(located);
  const parts = fragments(located);
  items.forEach(({ at, v, secret }, i) => {
    if (!v) return;
    if (secret === undefined) {
      outcome.ignore('gitlab vulnerability has no raw_source_code_extract: nothing to revoke by value');
      return;
    }
    if (pairs.secretOf.has(i)) return;
    if (parts.has(i)) {
      outcome.ignore('gitlab vulnerability is part of another vulnerability');
      return;
    }
    const rule = ruleOf(v);
    const commit = v.location?.commit;
    outcome.add(
      {
        kind: 'leak',
        source: GITLAB_SECRET_DETECTION_SOURCE,
        occurredAt: isoTime(commit?.date),
        subject: scannerSubject(secret, pairs.byKeyId.get(i)),
        evidence: evidence({
          tool: opt(report.scan?.scanner?.id) ?? undefined,
          toolVersion: opt(report.scan?.scanner?.version) ?? undefined,
          rule,
          ruleTokenType: ruleTokenType(rule),
          name: opt(v.name),
          severity: opt(v.severity),
          file: opt(v.location?.file),
          startLine: opt(v.location?.start_line),
          endLine: opt(v.location?.end_line),
          commit: opt(commit?.sha) || undefined,
          author: opt(commit?.author) || undefined,
          vulnerability: opt(v.id),
        }),
      },
      at,
    );
  });
  return outcome.result();
}
