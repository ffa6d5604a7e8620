/**
 * Evidence is flat and bounded (schemas/common.ts `Evidence`): what an analyst needs to find the
 * finding again (urls, paths, detector names, commits), never a raw secret or a whole raw event.
 */

export type EvidenceValue = string | number | boolean | null;
export type EvidenceFields = Record<string, EvidenceValue | undefined>;

const MAX_TEXT = 2000;

/** Drops absent values and non-finite numbers, truncates long text to the canonical bound. */
export function evidence(fields: EvidenceFields): Record<string, EvidenceValue> {
  const out: Record<string, EvidenceValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[key] =
      typeof value === 'string' && value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT - 1)}…` : value;
  }
  return out;
}

/** `null`/`undefined` → undefined, so optional producer fields read naturally into `evidence()`. */
export function opt<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/**
 * Evidence keys whose text names a place or a thing (where it leaked, which rule, who committed),
 * never a snippet of the content. Only these, and numbers and booleans, leave the trigger: into the
 * append-only audit trail and its exports, which cannot be scrubbed later. Free text (a matched
 * line, a note) stays with the stored trigger, where the leaked value was cut out at intake; a
 * trigger stored before that redaction existed, or a value redaction could not see (one given only
 * as a fingerprint), then still never reaches the audit.
 */
const SHAREABLE_TEXT = new Set([
  'repo',
  'repository',
  'organization',
  'file',
  'path',
  'commit',
  'branch',
  'author',
  'email',
  'url',
  'link',
  'runUrl',
  'runId',
  'rule',
  'ruleId',
  'ruleTokenType',
  'detector',
  'detectorDisplayName',
  'secretType',
  'secretTypeDisplayName',
  'severity',
  'status',
  'validity',
  'visibility',
  'workspace',
  'workspaceId',
  'toolVersion',
  'provider',
  'awsAccountId',
  'referenceResolution',
  'at',
]);

export function shareableEvidence(e: Readonly<Record<string, EvidenceValue>>): Record<string, EvidenceValue> {
  const out: Record<string, EvidenceValue> = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || SHAREABLE_TEXT.has(k)) out[k] = v;
  }
  return out;
}
