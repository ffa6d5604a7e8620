/**
 * GitLab secret detection report (`gl-secret-detection-report.json`, the security report schema):
 * `{version, vulnerabilities: [...], scan: {scanner, type: "secret_detection", …}}`. A
 * vulnerability names the rule in `identifiers[]` (`type: "gitleaks_rule_id"`), the place in
 * `location.{file, start_line, commit.{sha, author, date}}`, and the secret in
 * `raw_source_code_extract`. `cve` and `id` are GitLab's location hashes; `description` and
 * `message` never quote the secret, but are not copied either.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS } from './common.js';

export const GitLabSecretVulnerability = z.looseObject({
  id: z.string().max(200).nullish(),
  category: z.string().max(100).nullish(),
  name: z.string().max(500).nullish(),
  severity: z.string().max(50).nullish(),
  raw_source_code_extract: z.string().max(8192).nullish(),
  identifiers: z
    .array(
      z.looseObject({
        type: z.string().max(100).nullish(),
        name: z.string().max(500).nullish(),
        value: z.string().max(500).nullish(),
      }),
    )
    .max(50)
    .nullish(),
  location: z
    .looseObject({
      file: z.string().max(2000).nullish(),
      start_line: z.number().int().nullish(),
      end_line: z.number().int().nullish(),
      commit: z
        .looseObject({
          sha: z.string().max(100).nullish(),
          author: z.string().max(300).nullish(),
          date: z.string().max(100).nullish(),
          message: z.string().max(100_000).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type GitLabSecretVulnerability = z.infer<typeof GitLabSecretVulnerability>;

export const GitLabSecretDetectionReport = z.looseObject({
  version: z.string().max(50).nullish(),
  vulnerabilities: z.array(z.unknown()).max(MAX_BATCH_RECORDS),
  scan: z
    .looseObject({
      type: z.string().max(100).nullish(),
      scanner: z
        .looseObject({ id: z.string().max(100).nullish(), version: z.string().max(100).nullish() })
        .nullish(),
    })
    .nullish(),
});
