/**
 * detect-secrets `audit --report --json` → one leak trigger per secret. `secrets` is what the
 * plugin captured; when that is only part of a credential (`ghp` for a GitHub token) the reported
 * line is searched for the credential that contains it. A private key is reported by its BEGIN
 * marker only, with no key material: such results are ignored with a reason. A baseline file holds
 * only hashes and is ignored as a whole, saying which output to send instead. Lines never leave.
 */
import {
  DetectSecretsAuditReport,
  DetectSecretsAuditResult,
  DetectSecretsBaseline,
} from '../../schemas/sources/detect-secrets.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { ignoredResult, Outcome, parseRecord, type NormalizeResult } from './result.js';
import { ruleTokenType } from './rule-types.js';
import { credentialIn, fragments, pairAwsKeys, scannerSubject } from './scanner.js';

export const DETECT_SECRETS_SOURCE = 'detect-secrets';

const MARKER = /^(?:-----)?BEGIN [A-Z0-9 ]*PRIVATE KEY(?:-----)?$/;

function lineTexts(r: DetectSecretsAuditResult): Array<{ n: number; text: string }> {
  const out: Array<{ n: number; text: string }> = [];
  for (const [key, value] of Object.entries(r.lines ?? {})) {
    const n = Number(key);
    if (Number.isInteger(n) && n > 0 && typeof value === 'string' && value.length <= 100_000)
      out.push({ n, text: value });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** The whole credential the result names, or undefined when the report does not hold it. */
function credentialOf(r: DetectSecretsAuditResult, lines: Array<{ text: string }>): string | undefined {
  if (MARKER.test(r.secrets.trim())) return undefined;
  const direct = credentialIn(r.secrets);
  if (direct !== undefined) return direct;
  for (const { text } of lines) {
    const found = credentialIn(text, r.secrets);
    if (found !== undefined) return found;
  }
  return r.secrets.trim().length >= 8 ? r.secrets : undefined;
}

export function normalizeDetectSecrets(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const value = decoded.value as { results?: unknown } | null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value.results)) {
    if (DetectSecretsBaseline.safeParse(value).success)
      return ignoredResult(
        'a detect-secrets baseline holds only hashes of the secrets: send `detect-secrets audit --report --json` output',
      );
  }
  const outcome = new Outcome();
  const report = parseRecord(outcome, DetectSecretsAuditReport, value, []);
  if (!report) return outcome.result();
  const parsed = report.results.map((item, i) => {
    const r = parseRecord(outcome, DetectSecretsAuditResult, item, ['results', i]);
    const lines = r ? lineTexts(r) : [];
    const secret = r ? credentialOf(r, lines) : undefined;
    return { at: ['results', i], r, secret, line: lines[0]?.n };
  });
  const located = parsed.map(({ r, secret, line }) =>
    r && secret !== undefined ? { secret, file: opt(r.filename), line } : undefined,
  );
  const pairs = pairAwsKeys(located);
  const parts = fragments(located);
  parsed.forEach(({ at, r, secret, line }, i) => {
    if (!r) return;
    if (secret === undefined) {
      outcome.ignore('detect-secrets result holds no key material (a private key is reported by its marker)');
      return;
    }
    if (pairs.secretOf.has(i)) return;
    if (parts.has(i)) {
      outcome.ignore('detect-secrets result is part of another result');
      return;
    }
    const type = r.types?.[0];
    outcome.add(
      {
        kind: 'leak',
        source: DETECT_SECRETS_SOURCE,
        subject: scannerSubject(secret, pairs.byKeyId.get(i)),
        evidence: evidence({
          rule: type,
          ruleTokenType: ruleTokenType(type),
          types: r.types && r.types.length > 1 ? r.types.join(',') : undefined,
          category: opt(r.category),
          file: opt(r.filename),
          line,
        }),
      },
      at,
    );
  });
  return outcome.result();
}
