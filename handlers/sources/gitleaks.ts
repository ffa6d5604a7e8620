/**
 * Gitleaks JSON report → one leak trigger per finding, the secret in `subject.token`. Findings of
 * AWS key ids (rule `aws-access-token`) carry the key id, which becomes `providerKeyId`; the secret
 * found next to it (Gitleaks' `generic-api-key`) is that key's token: one key, one trigger. Redacted
 * findings cannot be revoked by value and are ignored with a reason. `Match` is never read.
 * Betterleaks (Gitleaks' successor) writes the same report: `gitleaksLike` serves both.
 */
import { GitleaksFinding } from '../../schemas/sources/gitleaks.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult } from './result.js';
import { ruleTokenType } from './rule-types.js';
import { fragments, pairAwsKeys, scannerSubject } from './scanner.js';
import { isoTime } from './time.js';

export const GITLEAKS_SOURCE = 'gitleaks';

/** Betterleaks' attribute (by name) where the deprecated top-level field is empty. */
function attr(f: GitleaksFinding, name: string, legacy: string | null | undefined): string | undefined {
  if (legacy) return legacy;
  const v = f.Attributes && Object.hasOwn(f.Attributes, name) ? f.Attributes[name] : undefined;
  return typeof v === 'string' && v.length > 0 && v.length <= 2000 ? v : undefined;
}

/** Betterleaks reports an AWS key's secret as a required component of the key id's finding. */
function requiredSecret(f: GitleaksFinding): string | undefined {
  for (const set of f.RequiredSets ?? [])
    for (const c of set.components ?? [])
      if (c.RuleID === 'aws-secret-access-key' && c.Secret && c.Secret.length >= 8) return c.Secret;
  return undefined;
}

/** `--redact` writes `REDACTED`; `--redact=N` keeps a prefix and appends `...`. */
function isRedacted(secret: string): boolean {
  return secret === 'REDACTED' || secret.endsWith('...');
}

export function gitleaksLike(source: string): (raw: unknown) => NormalizeResult {
  return (raw) => {
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
    const located = parsed.map(({ f }) =>
      f && !isRedacted(f.Secret)
        ? {
            secret: f.Secret,
            file: attr(f, 'path', f.File),
            commit: attr(f, 'git.sha', f.Commit),
            line: opt(f.StartLine),
          }
        : undefined,
    );
    const pairs = pairAwsKeys(located);
    const parts = fragments(located);
    parsed.forEach(({ at, f }, i) => {
      if (!f) return;
      if (isRedacted(f.Secret)) {
        outcome.ignore(`${source} finding is redacted: nothing to revoke by value`);
        return;
      }
      // The secret half of an AWS key pair travels with its key id: one key, one trigger.
      if (pairs.secretOf.has(i)) return;
      if (parts.has(i)) {
        outcome.ignore(`${source} finding is part of another finding`);
        return;
      }
      outcome.add(
        {
          kind: 'leak',
          source,
          occurredAt: isoTime(attr(f, 'git.date', f.Date)),
          subject: scannerSubject(f.Secret, pairs.byKeyId.get(i) ?? requiredSecret(f)),
          evidence: evidence({
            rule: f.RuleID,
            ruleTokenType: ruleTokenType(f.RuleID),
            description: opt(f.Description),
            repository: attr(f, 'git.remote_url', undefined),
            file: attr(f, 'path', f.File),
            symlinkFile: opt(f.SymlinkFile) || undefined,
            startLine: opt(f.StartLine),
            endLine: opt(f.EndLine),
            commit: attr(f, 'git.sha', f.Commit),
            link: attr(f, 'url', f.Link),
            author: attr(f, 'git.author_name', f.Author),
            email: attr(f, 'git.author_email', f.Email),
            validation: opt(f.ValidationStatus) || undefined,
            entropy: opt(f.Entropy),
            tags: f.Tags && f.Tags.length > 0 ? f.Tags.join(',') : undefined,
            location: opt(f.Fingerprint),
          }),
        },
        at,
      );
    });
    return outcome.result();
  };
}

export const normalizeGitleaks = gitleaksLike(GITLEAKS_SOURCE);
