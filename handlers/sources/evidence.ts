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
