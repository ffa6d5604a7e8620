/**
 * Gitleaks JSON report (`--report-format json`): a top-level array of findings (report/finding.go).
 * `Secret` is the raw secret; `Match` is the whole matching line and is never read or copied.
 * With `--redact` the secret is replaced (`REDACTED`, or a prefix ending in `...` for partial
 * redaction): such findings cannot be revoked by value and are skipped with a reason.
 * Betterleaks writes the same report with `Attributes`, `RequiredSets`, `CaptureGroups`,
 * `MatchContext` and validation fields added (report/finding.go); `CaptureGroups` and
 * `MatchContext` may quote secrets and are never read.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, OpenMap } from './common.js';

export const GitleaksFinding = z.looseObject({
  RuleID: Label,
  Description: z.string().max(500).nullish(),
  StartLine: z.number().int().nullish(),
  EndLine: z.number().int().nullish(),
  Secret: z.string().min(1).max(4096),
  File: z.string().max(2000).nullish(),
  SymlinkFile: z.string().max(2000).nullish(),
  Commit: z.string().max(100).nullish(),
  Link: z.string().max(2000).nullish(),
  Entropy: z.number().nullish(),
  Author: z.string().max(300).nullish(),
  Email: z.string().max(300).nullish(),
  /** Commit date; empty for `gitleaks dir` scans. */
  Date: z.string().max(100).nullish(),
  Tags: z.array(z.string().max(100)).nullish(),
  /** `commit:file:rule:line`: a finding location, not a secret fingerprint. */
  Fingerprint: z.string().max(2500).nullish(),
  /**
   * Betterleaks: the place by name (`path`, `url`, `git.sha`, `git.author_name`, `git.author_email`,
   * `git.date`, `git.remote_url`), read by the handler by those names only.
   */
  Attributes: OpenMap.nullish(),
  /** Betterleaks: `valid`, `invalid`, `revoked`, `needs_validation`, `unknown`, `error` or empty. */
  ValidationStatus: z.string().max(50).nullish(),
  /**
   * Betterleaks: the other parts of a multi-part secret (the `aws-secret-access-key` of an
   * `aws-access-token` finding, which Betterleaks does not report on its own).
   */
  RequiredSets: z
    .array(
      z.looseObject({
        components: z
          .array(
            z.looseObject({ RuleID: z.string().max(200).nullish(), Secret: z.string().max(4096).nullish() }),
          )
          .max(20)
          .nullish(),
      }),
    )
    .max(20)
    .nullish(),
});
export type GitleaksFinding = z.infer<typeof GitleaksFinding>;

export const GitleaksReport = z.array(GitleaksFinding).max(MAX_BATCH_RECORDS);
