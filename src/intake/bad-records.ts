/**
 * The malformed records of a batch, cut out of the source event so that only they are
 * dead-lettered: a TruffleHog or Gitleaks report with one bad finding must not put its good
 * findings' secrets in the DLQ. A skipped issue's path (`$[3].Raw`, `$.data.events[2].target`)
 * names its record: the path up to and including its first array index. JSON Lines text is
 * indexed by line, as handlers/sources/input.ts numbers it.
 */
import type { NormalizeIssue } from '../../schemas/sources/result.js';

export interface BadRecord {
  /** The record's path in the event (`$[3]`); `$` when the event is a single record. */
  path: string;
  issues: NormalizeIssue[];
  /** The record as JSON text; null when it cannot be cut out (then nothing of the event is kept). */
  payload: string | null;
}

type Segment = string | number;

function segments(path: string): Segment[] | null {
  if (!path.startsWith('$')) return null;
  const out: Segment[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return null;
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  }
  return out;
}

/**
 * Batches nested in a batch: a SARIF log's `runs[i].results[j]`, a Kingfisher JSON Lines line
 * holding a `{findings: [...]}` report. Their records are one level further in.
 */
const NESTED_BATCHES: ReadonlySet<Segment> = new Set(['results', 'findings']);

/** The record part of a path: through the first array index (or a nested batch's index after it). */
function recordPath(segs: readonly Segment[]): Segment[] {
  const i = segs.findIndex((s) => typeof s === 'number');
  if (i < 0) return [];
  let end = i + 1;
  while (NESTED_BATCHES.has(segs[end] ?? '') && typeof segs[end + 1] === 'number') end += 2;
  return segs.slice(0, end);
}

function parsedLine(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return undefined;
  }
}

function format(segs: readonly Segment[]): string {
  return '$' + segs.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

function at(value: unknown, segs: readonly Segment[]): unknown {
  let cur = value;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

/** `partial`: some records of the event were accepted, so the whole event must never be kept. */
export function badRecords(raw: unknown, skipped: readonly NormalizeIssue[], partial: boolean): BadRecord[] {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : null;
  let parsed: unknown = raw;
  let lines: string[] | null = null;
  if (text !== null) {
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      lines = text.split(/\r?\n/);
    }
  }
  const groups = new Map<string, { segs: Segment[]; issues: NormalizeIssue[] }>();
  for (const issue of skipped) {
    const segs = recordPath(segments(issue.path) ?? []);
    const key = format(segs);
    const g = groups.get(key) ?? { segs, issues: [] };
    g.issues.push(issue);
    groups.set(key, g);
  }
  return [...groups].map(([path, { segs, issues }]) => {
    let payload: string | null = null;
    if (segs.length > 0 || !partial) {
      if (lines && typeof segs[0] === 'number' && segs.length > 1) {
        // A report on one line of JSON Lines: the record is the finding inside it.
        const v = at(parsedLine(lines[segs[0]]), segs.slice(1));
        payload = v === undefined ? null : JSON.stringify(v);
      } else if (lines && typeof segs[0] === 'number') {
        // A JSON Lines event: the record is its line.
        payload = lines[segs[0]] ?? null;
      } else if (!lines) {
        const v = segs.length === 0 ? parsed : at(parsed, segs);
        payload = v === undefined ? null : JSON.stringify(v);
      } else if (segs.length === 0) {
        payload = text;
      }
    }
    return { path, issues, payload };
  });
}
