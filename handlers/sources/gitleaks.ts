/**
 * Gitleaks JSON report → one leak trigger per finding, the secret in `subject.token`. Findings of
 * AWS key ids (rule `aws-access-token`) carry the key id, which becomes `providerKeyId`. Redacted
 * findings cannot be revoked by value and are ignored with a reason. `Match` is never read.
 */
import { isAwsAccessKeyId } from '../classify/index.js';
import { GitleaksFinding } from '../../schemas/sources/gitleaks.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const GITLEAKS_SOURCE = 'gitleaks';

/** `--redact` writes `REDACTED`; `--redact=N` keeps a prefix and appends `...`. */
function isRedacted(secret: string): boolean {
  return secret === 'REDACTED' || secret.endsWith('...');
}

export function normalizeGitleaks(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const value = decoded.value;
  // A single finding object is accepted too (one element of a report, e.g. from a stream).
  const isReport = Array.isArray(value);
  if (!isReport && (value === null || typeof value !== 'object')) {
    return rejectAt('INVALID_SHAPE', [], 'expected an array of findings');
  }
  const findings: readonly unknown[] = isReport ? value : [value];
  const outcome = new Outcome();
  findings.forEach((item, i) => {
    const at = isReport ? [i] : [];
    const f = parseRecord(outcome, GitleaksFinding, item, at);
    if (!f) return;
    if (isRedacted(f.Secret)) {
      outcome.ignore('gitleaks finding is redacted: nothing to revoke by value');
      return;
    }
    const subject = isAwsAccessKeyId(f.Secret) ? { providerKeyId: f.Secret } : { token: f.Secret };
    outcome.add(
      {
        kind: 'leak',
        source: GITLEAKS_SOURCE,
        occurredAt: isoTime(f.Date),
        subject,
        evidence: evidence({
          rule: f.RuleID,
          description: opt(f.Description),
          file: opt(f.File),
          symlinkFile: opt(f.SymlinkFile) || undefined,
          startLine: opt(f.StartLine),
          endLine: opt(f.EndLine),
          commit: opt(f.Commit) || undefined,
          link: opt(f.Link) || undefined,
          author: opt(f.Author) || undefined,
          email: opt(f.Email) || undefined,
          entropy: opt(f.Entropy),
          tags: f.Tags && f.Tags.length > 0 ? f.Tags.join(',') : undefined,
          location: opt(f.Fingerprint),
        }),
      },
      at,
    );
  });
  return outcome.result();
}
