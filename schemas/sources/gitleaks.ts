/**
 * Gitleaks JSON report (`--report-format json`): a top-level array of findings (report/finding.go).
 * `Secret` is the raw secret; `Match` is the whole matching line and is never read or copied.
 * With `--redact` the secret is replaced (`REDACTED`, or a prefix ending in `...` for partial
 * redaction): such findings cannot be revoked by value and are skipped with a reason.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label } from './common.js';

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
});
export type GitleaksFinding = z.infer<typeof GitleaksFinding>;

export const GitleaksReport = z.array(GitleaksFinding).max(MAX_BATCH_RECORDS);
