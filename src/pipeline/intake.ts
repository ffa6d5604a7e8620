/**
 * Intake: a canonical trigger input (CLI file, HTTP body, input topic) becomes a Trigger. The raw
 * token of a leak is turned into its fingerprint and a sealed envelope here, at the edge, and never
 * travels further in the clear. Ids are deterministic so resubmissions deduplicate:
 * the same leaked secret is one trigger wherever it was found (forks, re-scans, redeliveries).
 */
import { normaliseSecret } from '../../handlers/classify/normalise.js';
import { stableId } from '../../handlers/ids.js';
import { EVIDENCE_TEXT_MAX } from '../../schemas/common.js';
import { Trigger, TriggerInput, type SecretRef } from '../../schemas/trigger.js';
import { TourniquetError } from '../errors.js';
import { describeIssues, fieldIssues } from '../util/zod-issues.js';
import { now, type PipelineDeps } from './deps.js';

type IntakeDeps = Pick<PipelineDeps, 'fingerprint' | 'sealer' | 'classify' | 'clock'>;

/** A raw secret → its fingerprint, sealed envelope and classification. The value goes no further. */
export function secretRef(raw: string, deps: IntakeDeps): SecretRef {
  // The value as the provider knows it: a scanner's CRLF or trailing newline is not part of it.
  const token = normaliseSecret(raw);
  const fingerprint = deps.fingerprint(token);
  const cls = deps.classify(token);
  return {
    fingerprint,
    sealed: deps.sealer.seal(token, fingerprint),
    tokenType: cls.tokenType,
    ...(cls.providerType ? { providerType: cls.providerType } : {}),
  };
}

/**
 * Evidence with the leaked value cut out. A scanner's matched line or a person's note may quote the
 * secret; the evidence is stored, audited and shown, so the value (raw and as the provider knows
 * it) becomes `[redacted <first 8 hex of its fingerprint>]` and the rest of the text stays useful.
 */
export function redactEvidence(
  evidence: Trigger['evidence'],
  raw: string,
  fingerprint: string,
): Trigger['evidence'] {
  // As the value may be quoted: raw, as the provider knows it, with its line breaks written out
  // (`\n` in JSON-ish text), and each line of a multi-line secret (a PEM key) on its own.
  const lines = raw.split(/\r?\n/).filter((l) => l.trim().length >= 8 && !l.startsWith('-----'));
  const values = [
    ...new Set([raw, normaliseSecret(raw), raw.replaceAll('\r\n', '\\n').replaceAll('\n', '\\n'), ...lines]),
  ]
    .filter((v) => v.length > 0)
    // Longest first: a whole value is cut before one of its lines would leave the rest behind.
    .sort((a, b) => b.length - a.length);
  const mark = `[redacted ${fingerprint.slice(0, 8)}]`;
  const out: Trigger['evidence'] = {};
  const cut = (text: string) => values.reduce((t, secret) => t.split(secret).join(mark), text);
  for (const [key, v] of Object.entries(evidence)) {
    // A key can quote it too (a scanner's `"<secret>": true`); keys are bounded at 100.
    const k = cut(key).slice(0, 100);
    // The mark can be longer than what it replaces: cut back to the bound the evidence had.
    out[k] = typeof v === 'string' ? cut(v).slice(0, EVIDENCE_TEXT_MAX) : v;
  }
  return out;
}

/** Validates and normalises an input; throws INVALID_INPUT naming every bad field. */
export function acceptInput(raw: unknown, deps: IntakeDeps): Trigger {
  const parsed = TriggerInput.safeParse(raw);
  if (!parsed.success) {
    throw new TourniquetError('INVALID_INPUT', `invalid trigger: ${describeIssues(parsed.error)}`, {
      details: fieldIssues(parsed.error),
    });
  }
  const input = parsed.data;
  const receivedAt = now(deps);
  const occurredAt = input.occurredAt ? new Date(input.occurredAt).toISOString() : receivedAt;
  const day = occurredAt.slice(0, 10);
  const common = { source: input.source, occurredAt, receivedAt, evidence: input.evidence };

  switch (input.kind) {
    case 'leak': {
      const { token, fingerprint, ...subject } = input.subject;
      const fp = token !== undefined ? deps.fingerprint(token) : fingerprint;
      const cls = token !== undefined ? deps.classify(token) : undefined;
      // An AWS access key id is an identifier, not a secret: match it against provider ids too.
      const rest =
        token !== undefined && cls?.tokenType === 'aws.access_key' && subject.providerKeyId === undefined
          ? { ...subject, providerKeyId: normaliseSecret(token) }
          : subject;
      const secret =
        token !== undefined ? secretRef(token, deps) : fp === undefined ? undefined : { fingerprint: fp };
      // A provider key id names the credential whatever else a report says about it: scanners find
      // an AWS key id with its secret, or the id alone (detect-secrets, SARIF, AWS Health), and
      // every such report is one key, one trigger.
      const identity = rest.providerKeyId
        ? ['key', rest.providerKeyId]
        : fp
          ? ['fp', fp]
          : rest.credentialId
            ? ['cred', rest.credentialId]
            : ['ref', rest.reference?.system ?? '', rest.reference?.id ?? ''];
      return Trigger.parse({
        ...common,
        ...(token !== undefined && secret
          ? { evidence: redactEvidence(input.evidence, token, secret.fingerprint) }
          : {}),
        kind: 'leak',
        id: input.id ?? `leak-${stableId('leak', ...identity)}`,
        subject: { ...rest, ...(secret ? { secret } : {}) },
      });
    }
    case 'offboarding':
      // The same person leaving, reported by two systems the same day, is one trigger.
      return Trigger.parse({
        ...common,
        kind: 'offboarding',
        id: input.id ?? `offb-${stableId('offboarding', input.subject.person.toLowerCase(), day)}`,
        subject: input.subject,
      });
    case 'decommission':
      return Trigger.parse({
        ...common,
        kind: 'decommission',
        id: input.id ?? `decom-${stableId('decommission', input.subject.workload, day)}`,
        subject: input.subject,
      });
  }
}

/** Parses JSON or JSON Lines text into values; a bad line is reported with its line number. */
export function parseJsonDocuments(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new TourniquetError('INVALID_INPUT', 'empty input');
  try {
    const v: unknown = JSON.parse(trimmed);
    return Array.isArray(v) ? v : [v];
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  return trimmed.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (e) {
      // No cause: JSON.parse's message quotes the input, which may hold a secret.
      if (!(e instanceof SyntaxError)) throw e;
      throw new TourniquetError('INVALID_INPUT', `line ${i + 1}: not valid JSON`);
    }
  });
}
