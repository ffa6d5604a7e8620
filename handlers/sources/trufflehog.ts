/**
 * TruffleHog v3 JSON Lines → one leak trigger per finding, the secret in `subject.token`.
 * For AWS findings `Raw` is the access key id and `RawV2` is the key id followed by the secret: the
 * key id becomes `providerKeyId` and the secret part the token. `Raw`, `RawV2`, `Redacted` and
 * `ExtraData` never reach evidence.
 */
import { isAwsAccessKeyId } from '../classify/index.js';
import { TruffleHogFinding } from '../../schemas/sources/trufflehog.js';
import { evidence, opt, type EvidenceFields } from './evidence.js';
import { splitJsonLines } from './input.js';
import { Outcome, parseRecord, type NormalizeResult, type Path } from './result.js';

export const TRUFFLEHOG_SOURCE = 'trufflehog';

/** Location fields of `SourceMetadata.Data.<Kind>` worth an analyst's time (all secret-free). */
const LOCATION_FIELDS = [
  'repository',
  'commit',
  'file',
  'line',
  'link',
  'email',
  'timestamp',
  'visibility',
  'username',
  'image',
  'layer',
  'tag',
  'bucket',
] as const;

function locationEvidence(data: Record<string, unknown> | null | undefined): EvidenceFields {
  if (!data) return {};
  for (const [kind, details] of Object.entries(data)) {
    if (details === null || typeof details !== 'object' || Array.isArray(details)) continue;
    const out: EvidenceFields = { sourceKind: /^[A-Za-z0-9]{1,40}$/.test(kind) ? kind : undefined };
    const fields = details as Record<string, unknown>;
    for (const name of LOCATION_FIELDS) {
      const value = fields[name];
      if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
        out[name] = value;
    }
    return out;
  }
  return {};
}

function normalizeFinding(outcome: Outcome, value: unknown, at: Path): void {
  const f = parseRecord(outcome, TruffleHogFinding, value, at);
  if (!f) return;
  const raw = f.Raw;
  const rawV2 = f.RawV2 ?? '';
  let token: string | undefined;
  let providerKeyId: string | undefined;
  if (isAwsAccessKeyId(raw)) {
    providerKeyId = raw;
    if (rawV2.startsWith(raw) && rawV2.length > raw.length) token = rawV2.slice(raw.length);
  } else if (raw !== '') {
    token = raw;
  } else if (rawV2 !== '') {
    token = rawV2;
  }
  if (token === undefined && providerKeyId === undefined) {
    outcome.skipAt([...at, 'Raw'], 'empty: the finding names no secret');
    return;
  }
  outcome.add(
    {
      kind: 'leak',
      source: TRUFFLEHOG_SOURCE,
      subject: {
        ...(token === undefined ? {} : { token }),
        ...(providerKeyId === undefined ? {} : { providerKeyId }),
      },
      evidence: evidence({
        detector: f.DetectorName,
        detectorType: opt(f.DetectorType),
        decoder: opt(f.DecoderName),
        verified: f.Verified,
        sourceName: opt(f.SourceName),
        sourceType: opt(f.SourceType),
        ...locationEvidence(f.SourceMetadata?.Data),
      }),
    },
    at,
  );
}

export function normalizeTruffleHog(raw: unknown): NormalizeResult {
  const split = splitJsonLines(raw);
  if (!split.ok) return split.result;
  const outcome = new Outcome();
  outcome.skip(split.lines.issues);
  for (const { value, at } of split.lines.records) normalizeFinding(outcome, value, at);
  return outcome.result();
}
