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
  const parsed = findings.map((item, i) => ({
    at: isReport ? [i] : [],
    f: parseRecord(outcome, GitleaksFinding, item, isReport ? [i] : []),
  }));
  const pairs = awsPairs(parsed.map((p) => p.f));
  parsed.forEach(({ at, f }, i) => {
    if (!f) return;
    if (isRedacted(f.Secret)) {
      outcome.ignore('gitleaks finding is redacted: nothing to revoke by value');
      return;
    }
    // The secret half of an AWS key pair travels with its key id: one key, one trigger.
    if (pairs.secretOf.has(i)) return;
    const pairedSecret = pairs.byKeyId.get(i);
    const subject = isAwsAccessKeyId(f.Secret)
      ? { providerKeyId: f.Secret, ...(pairedSecret !== undefined ? { token: pairedSecret } : {}) }
      : { token: f.Secret };
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

/** AWS secret access keys: 40 characters of base64 (without padding). */
const AWS_SECRET = /^[A-Za-z0-9/+]{40}$/;

/**
 * Gitleaks reports an AWS key id and its secret as two findings (one rule each). A secret found in
 * the same file and commit within a few lines of a key id is that key's secret: pair them.
 */
function awsPairs(findings: readonly (GitleaksFinding | undefined)[]) {
  const byKeyId = new Map<number, string>();
  const secretOf = new Set<number>();
  // Secret candidates by file and commit, so pairing stays linear in the size of the report.
  const where = (f: GitleaksFinding) => `${f.File ?? ''}\u0000${f.Commit ?? ''}`;
  const candidates = new Map<string, number[]>();
  findings.forEach((f, n) => {
    if (f && AWS_SECRET.test(f.Secret)) candidates.set(where(f), [...(candidates.get(where(f)) ?? []), n]);
  });
  findings.forEach((k, i) => {
    if (!k || !isAwsAccessKeyId(k.Secret)) return;
    const j = (candidates.get(where(k)) ?? []).find(
      (n) => !secretOf.has(n) && Math.abs((findings[n]?.StartLine ?? 0) - (k.StartLine ?? 0)) <= 5,
    );
    const secret = j === undefined ? undefined : findings[j];
    if (j !== undefined && secret) {
      byKeyId.set(i, secret.Secret);
      secretOf.add(j);
    }
  });
  return { byKeyId, secretOf };
}
