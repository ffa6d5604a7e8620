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
import { isoTime } from './time.js';

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

/**
 * The key id and the secret of a finding. AWS findings name the key id in `Raw` and the pair in
 * `RawV2`, written `idsecret` by older detectors and `id:secret` by current ones (some builds put
 * `id:secret` in `Raw` itself): the key id becomes `providerKeyId`, the separator belongs to neither.
 */
function secretParts(raw: string, rawV2: string): { token?: string; providerKeyId?: string } {
  for (const pair of [raw, rawV2]) {
    const colon = pair.indexOf(':');
    if (colon > 0 && isAwsAccessKeyId(pair.slice(0, colon))) {
      const secret = pair.slice(colon + 1);
      return { providerKeyId: pair.slice(0, colon), ...(secret.length > 0 ? { token: secret } : {}) };
    }
  }
  if (isAwsAccessKeyId(raw)) {
    const rest = rawV2.startsWith(raw) ? rawV2.slice(raw.length) : '';
    return { providerKeyId: raw, ...(rest.length > 0 ? { token: rest } : {}) };
  }
  if (raw !== '') return { token: raw };
  return rawV2 !== '' ? { token: rawV2 } : {};
}

function normalizeFinding(outcome: Outcome, value: unknown, at: Path): void {
  const f = parseRecord(outcome, TruffleHogFinding, value, at);
  if (!f) return;
  const { token, providerKeyId } = secretParts(f.Raw, f.RawV2 ?? '');
  if (token === undefined && providerKeyId === undefined) {
    outcome.skipAt([...at, 'Raw'], 'empty: the finding names no secret');
    return;
  }
  const location = locationEvidence(f.SourceMetadata?.Data);
  outcome.add(
    {
      kind: 'leak',
      source: TRUFFLEHOG_SOURCE,
      // The commit time of git sources, not the time of the scan.
      occurredAt: typeof location['timestamp'] === 'string' ? isoTime(location['timestamp']) : undefined,
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
        ...location,
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
