/**
 * Raw input → JSON values. A normalizer accepts what intake has at hand: an already parsed value, the
 * body as text, or the body as bytes (a Buffer is a Uint8Array). Parse failures are reported by
 * position only: JSON.parse's own message quotes the input, which may hold a secret.
 */
import type { z } from 'zod';
import { MAX_BATCH_RECORDS } from '../../schemas/sources/common.js';
import {
  formatPath,
  issuesFromZod,
  reject,
  rejectAt,
  type NormalizeIssue,
  type NormalizeResult,
  type Path,
} from './result.js';

export type Decoded = { ok: true; value: unknown } | { ok: false; result: NormalizeResult };

/** Checked before any record is validated, so the work per event stays bounded. */
function tooMany(): NormalizeResult {
  return rejectAt(
    'INVALID_SHAPE',
    [],
    `more than ${MAX_BATCH_RECORDS} records in one event: split the batch`,
  );
}

function bytesToText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e: unknown) {
    // Invalid UTF-8 is an input problem, reported as such by the caller; the error carries no input.
    if (e instanceof TypeError) return undefined;
    throw e;
  }
}

/** Parses JSON text; undefined when it is not JSON (the SyntaxError is dropped: it quotes input). */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e: unknown) {
    // SyntaxError for malformed text, RangeError for absurd nesting: both are properties of the input.
    if (e instanceof SyntaxError || e instanceof RangeError) return { ok: false };
    throw e;
  }
}

/** Text or bytes are parsed as one JSON document; anything else is taken as already parsed. */
export function decodeJson(raw: unknown): Decoded {
  let text: string | undefined;
  if (raw instanceof Uint8Array) {
    text = bytesToText(raw);
    if (text === undefined)
      return { ok: false, result: rejectAt('INVALID_JSON', [], 'the body is not UTF-8') };
  } else if (typeof raw === 'string') {
    text = raw;
  } else {
    return { ok: true, value: raw };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, result: rejectAt('INVALID_JSON', [], 'the body is not valid JSON') };
  if (Array.isArray(parsed.value) && parsed.value.length > MAX_BATCH_RECORDS)
    return { ok: false, result: tooMany() };
  return { ok: true, value: parsed.value };
}

export interface LineRecords {
  records: Array<{ value: unknown; at: Path }>;
  issues: NormalizeIssue[];
}

/**
 * JSON Lines (TruffleHog `--json`): text or bytes are split into lines, each parsed on its own, so a
 * truncated last line loses only itself. A record's path is `$[n]` with n the 0-based line number.
 * An already parsed array yields its elements; any other parsed value is a single record at `$`.
 * A line holding a JSON array (output collected with `jq -s`) yields its elements.
 */
export function splitJsonLines(
  raw: unknown,
): { ok: true; lines: LineRecords } | { ok: false; result: NormalizeResult } {
  let text: string;
  if (raw instanceof Uint8Array) {
    const decoded = bytesToText(raw);
    if (decoded === undefined)
      return { ok: false, result: rejectAt('INVALID_JSON', [], 'the body is not UTF-8') };
    text = decoded;
  } else if (typeof raw === 'string') {
    text = raw;
  } else if (Array.isArray(raw)) {
    if (raw.length > MAX_BATCH_RECORDS) return { ok: false, result: tooMany() };
    return { ok: true, lines: { records: raw.map((value, i) => ({ value, at: [i] })), issues: [] } };
  } else {
    return { ok: true, lines: { records: [{ value: raw, at: [] }], issues: [] } };
  }
  const records: LineRecords['records'] = [];
  const issues: NormalizeIssue[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '') continue;
    const parsed = parseJsonText(line);
    if (!parsed.ok) issues.push({ path: formatPath([n]), message: 'the line is not valid JSON' });
    else if (Array.isArray(parsed.value))
      parsed.value.forEach((value, i) => records.push({ value, at: [n, i] }));
    else records.push({ value: parsed.value, at: [n] });
    if (records.length + issues.length > MAX_BATCH_RECORDS) return { ok: false, result: tooMany() };
  }
  return { ok: true, lines: { records, issues } };
}

/** Decodes `raw` and validates it as one event of `schema`; issues become an INVALID_SHAPE rejection. */
export function parseEvent<S extends z.ZodType>(
  raw: unknown,
  schema: S,
): { ok: true; event: z.infer<S> } | { ok: false; result: NormalizeResult } {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded;
  const parsed = schema.safeParse(decoded.value);
  return parsed.success
    ? { ok: true, event: parsed.data }
    : { ok: false, result: reject('INVALID_SHAPE', issuesFromZod(parsed.error)) };
}
