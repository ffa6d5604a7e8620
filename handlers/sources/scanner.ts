/**
 * What the secret-scanner sources share: the leak subject of a found value (an AWS key id names the
 * key, its paired secret travels with it), pairing an AWS key id with its secret found nearby (one
 * key, one trigger), dropping findings that are a fragment of another finding of the same report (a
 * PEM body reported besides the whole key), and picking the credential out of a reported line.
 */
import { classifyToken, isAwsAccessKeyId } from '../classify/index.js';
import { normaliseSecret } from '../classify/normalise.js';

export interface LeakSubjectDraft {
  token?: string;
  providerKeyId?: string;
}

/** A found value as a leak subject; `pairedSecret` is the secret half of an AWS key id. */
export function scannerSubject(secret: string, pairedSecret?: string): LeakSubjectDraft {
  if (isAwsAccessKeyId(secret)) {
    const keyId = normaliseSecret(secret);
    return { providerKeyId: keyId, ...(pairedSecret !== undefined ? { token: pairedSecret } : {}) };
  }
  return { token: secret };
}

/** A finding as the pairing and fragment rules see it. */
export interface Located {
  secret: string;
  file?: string | undefined;
  commit?: string | undefined;
  line?: number | undefined;
}

/** AWS secret access keys: 40 characters of base64 (without padding). */
const AWS_SECRET = /^[A-Za-z0-9/+]{40}$/;
/** How far apart (in lines) a key id and its secret may be written. */
const PAIR_DISTANCE = 5;

const where = (f: Located) => `${f.file ?? ''}\u0000${f.commit ?? ''}`;

/**
 * Scanners report an AWS key id and its secret as two findings (one rule each). A secret found in
 * the same file and commit within a few lines of a key id is that key's secret: pair them.
 * Returns the paired secret by key-id index and the indices of secrets that were paired.
 */
export function pairAwsKeys(findings: readonly (Located | undefined)[]): {
  byKeyId: Map<number, string>;
  secretOf: Set<number>;
} {
  const byKeyId = new Map<number, string>();
  const secretOf = new Set<number>();
  // Secret candidates by file and commit, so pairing stays linear in the size of the report.
  const candidates = new Map<string, number[]>();
  findings.forEach((f, n) => {
    if (f && AWS_SECRET.test(normaliseSecret(f.secret)))
      candidates.set(where(f), [...(candidates.get(where(f)) ?? []), n]);
  });
  findings.forEach((k, i) => {
    if (!k || !isAwsAccessKeyId(k.secret)) return;
    const j = (candidates.get(where(k)) ?? []).find(
      (n) => !secretOf.has(n) && Math.abs((findings[n]?.line ?? 0) - (k.line ?? 0)) <= PAIR_DISTANCE,
    );
    const secret = j === undefined ? undefined : findings[j];
    if (j !== undefined && secret) {
      byKeyId.set(i, normaliseSecret(secret.secret));
      secretOf.add(j);
    }
  });
  return { byKeyId, secretOf };
}

/** Below this length a contained value is not taken as a fragment (a short value is too common). */
const MIN_FRAGMENT = 16;

/**
 * Indices of findings whose value is part of a longer value found in the same file and commit
 * (Kingfisher 1.x reports a PEM key and, by another rule, its base64 body): one secret, one trigger.
 */
export function fragments(findings: readonly (Located | undefined)[]): Set<number> {
  const out = new Set<number>();
  const byPlace = new Map<string, number[]>();
  findings.forEach((f, n) => {
    if (f) byPlace.set(where(f), [...(byPlace.get(where(f)) ?? []), n]);
  });
  for (const group of byPlace.values()) {
    // Reports are small per file; the quadratic check runs over one file's findings only.
    if (group.length < 2 || group.length > 200) continue;
    const values = group.map((n) => normaliseSecret(findings[n]?.secret ?? ''));
    group.forEach((n, a) => {
      const v = values[a] ?? '';
      if (v.length < MIN_FRAGMENT) return;
      const within = values.some((w, b) => b !== a && w.length > v.length && w.includes(v));
      if (within) out.add(n);
    });
  }
  return out;
}

/** Characters that separate a value from its key, quotes or neighbours on a line of code. */
const SEPARATORS = /[\s=:'"`,;()[\]{}<>]+/;

/**
 * The credential in `text` (a scanner's snippet or a whole line): the text itself when its format is
 * known, else the first word of it that is a known credential format and contains `hint` (the part
 * of the value the scanner named), else undefined.
 */
export function credentialIn(text: string, hint = ''): string | undefined {
  const whole = normaliseSecret(text);
  if (whole.length > 0 && classifyToken(whole).providerType !== null) return whole;
  for (const word of whole.split(SEPARATORS)) {
    if (word.length < 8 || !word.includes(hint)) continue;
    if (classifyToken(word).providerType !== null) return word;
  }
  return undefined;
}
