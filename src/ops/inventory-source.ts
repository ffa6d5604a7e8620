/**
 * An inventory as a stream of records (`people`, `workloads`, `credentials`, one item at a time),
 * so that an import holds a batch, not the estate: a JSON file of a million credentials is read
 * with a streaming parser (@streamparser/json) in constant memory; a YAML file, or a body the API
 * already parsed, is walked in place. Both forms of the file are accepted: an object with the
 * three sections, or a bare array of credentials.
 *
 * Errors never quote the input (an inventory holds secret values): a malformed JSON file is named
 * with the line it breaks on, an unknown section by its name.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { JSONParser } from '@streamparser/json';
import { TourniquetError } from '../errors.js';
import { readStructuredFile } from '../util/files.js';

export const SECTIONS = ['people', 'workloads', 'credentials'] as const;
export type Section = (typeof SECTIONS)[number];

/** One record of the file: its section, its index there, its value as written (not yet checked). */
export interface InventoryItem {
  section: Section;
  index: number;
  value: unknown;
}

/** Whether the records are under `credentials.` (object form) or at the top (bare array). */
export interface InventoryRecords {
  bare: boolean;
  items: AsyncIterable<InventoryItem>;
}

/**
 * Read size. Every record a chunk holds is parsed at once and waits in memory for its turn: small
 * chunks keep that queue short enough to die young, not be promoted to the old generation as
 * garbage (with 64 KB chunks a 1M import left ~170 MB of it between major GCs).
 */
const CHUNK_BYTES = 8 * 1024;

const isSection = (k: unknown): k is Section => SECTIONS.includes(k as Section);

/** The records of an inventory already in memory (an API body, a parsed YAML file). */
export function recordsOf(data: unknown): InventoryRecords {
  if (Array.isArray(data)) return { bare: true, items: walk([['credentials', data]]) };
  if (data === null || typeof data !== 'object') throw shapeError('an object or an array of credentials');
  const entries = Object.entries(data);
  for (const [key, list] of entries) {
    if (!isSection(key)) throw shapeError(`no section "${key}" (expected ${SECTIONS.join(', ')})`, key);
    if (!Array.isArray(list)) throw shapeError(`${key} must be a list`, key);
  }
  return { bare: false, items: walk(entries as [Section, unknown[]][]) };
}

async function* walk(sections: [Section, unknown[]][]): AsyncGenerator<InventoryItem> {
  for (const [section, list] of sections)
    for (const [index, value] of list.entries()) yield { section, index, value };
}

/** The records of an inventory file: JSON streamed, YAML parsed whole (it has no streaming form). */
export async function readInventoryFile(path: string): Promise<InventoryRecords> {
  if (!/\.json$/i.test(path)) return recordsOf(await readStructuredFile(path));
  const first = await firstByte(path);
  if (first === '[') return { bare: true, items: streamJson(path, true) };
  if (first === '{') return { bare: false, items: streamJson(path, false) };
  throw new TourniquetError('INVALID_INPUT', `${path}: expected a JSON object or an array of credentials`);
}

async function firstByte(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new TourniquetError(
      'INVALID_INPUT',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return /\S/.exec(buf.subarray(0, bytesRead).toString('utf8'))?.[0];
  } finally {
    await fh.close();
  }
}

async function* streamJson(path: string, bare: boolean): AsyncGenerator<InventoryItem> {
  // `$.*` of a bare array is each credential; `$.*.*` of the object form is each record of each
  // section, and its stack says which section (so an unknown one is named, not skipped).
  const parser = new JSONParser({ paths: [bare ? '$.*' : '$.*.*'], keepStack: false });
  const ready: InventoryItem[] = [];
  let failure: TourniquetError | undefined;
  parser.onValue = ({ value, key, stack }) => {
    const section = bare ? 'credentials' : stack[1]?.key;
    if (!isSection(section)) {
      failure ??= shapeError(
        `no section "${String(section)}" (expected ${SECTIONS.join(', ')})`,
        String(section),
      );
    } else if (typeof key !== 'number') {
      failure ??= shapeError(`${section} must be a list`, section);
    } else ready.push({ section, index: key, value });
  };
  // Where the last token began: a structural error (a missing comma) is reported without a position.
  let lastToken = 0;
  parser.onToken = ({ offset }) => {
    lastToken = offset;
  };
  parser.onError = (e) => {
    failure ??= malformed(path, e, lastToken);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    parser.write(chunk as Buffer);
    if (failure) break;
    yield* ready.splice(0);
  }
  if (!failure && !parser.isEnded) parser.end();
  if (failure) throw await withLine(path, failure);
  yield* ready.splice(0);
}

function shapeError(why: string, section?: string): TourniquetError {
  return new TourniquetError('INVALID_INPUT', `invalid inventory: ${why}`, {
    details: [{ path: section ?? '', message: why }],
  });
}

/** The parser's message quotes what it stopped at (maybe a secret): only its position is kept. */
function malformed(path: string, e: Error, lastToken: number): TourniquetError {
  const at = /absolute position "(\d+)"/.exec(e.message)?.[1];
  return new TourniquetError('INVALID_INPUT', `${path} is not valid JSON`, {
    details: { offset: at === undefined ? lastToken : Number(at) },
  });
}

/** Names the line of a malformed file's first bad byte, counting newlines up to it (streamed). */
async function withLine(path: string, e: TourniquetError): Promise<TourniquetError> {
  const offset = (e.details as { offset?: number } | undefined)?.offset;
  if (offset === undefined) return e;
  let line = 1;
  if (offset > 0)
    for await (const chunk of createReadStream(path, { end: offset - 1 })) {
      const bytes = chunk as Buffer;
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) line++;
    }
  return new TourniquetError('INVALID_INPUT', `${path} is not valid JSON (line ${line})`, {
    details: { line },
  });
}
