/**
 * An inventory as a stream of records (`people`, `workloads`, `credentials`, one item at a time),
 * so that an import holds a batch, not the estate: JSON (a file, or a request body as it arrives)
 * is read with a streaming parser (@streamparser/json) in constant memory; a YAML file, or a body
 * already parsed, is walked in place. Both forms are accepted: an object with the three sections,
 * or a bare array of credentials. Each record carries the path its problems are named by
 * (`credentials.12`, or `12` in a bare array), as zod would have named it in the whole document.
 *
 * Errors never quote the input (an inventory holds secret values): malformed JSON is named with
 * the line it breaks on, an unknown section by its name.
 */
import { createReadStream } from 'node:fs';
import { JSONParser } from '@streamparser/json';
import { TourniquetError } from '../errors.js';
import { readStructuredFile } from '../util/files.js';

export const SECTIONS = ['people', 'workloads', 'credentials'] as const;
export type Section = (typeof SECTIONS)[number];

/** One record: its section, the path that names it, its value as written (not yet checked). */
export interface InventoryItem {
  section: Section;
  path: string;
  value: unknown;
}

export type InventoryRecords = AsyncIterable<InventoryItem>;

/**
 * Parse size. Every record a chunk holds is parsed at once and waits in memory for its turn: small
 * chunks keep that queue short enough to die young, not be promoted to the old generation as
 * garbage (with 64 KB chunks a 1M import left ~170 MB of it between major GCs).
 */
const CHUNK_BYTES = 8 * 1024;

const isSection = (k: unknown): k is Section => SECTIONS.includes(k as Section);

/** The records of an inventory already in memory (an API body, a parsed YAML file). */
export function recordsOf(data: unknown): InventoryRecords {
  if (Array.isArray(data)) return walk([['credentials', data]], true);
  if (data === null || typeof data !== 'object') throw shapeError('an object or an array of credentials');
  const entries = Object.entries(data);
  for (const [key, list] of entries) {
    const bad = sectionIssue(key, Array.isArray(list));
    if (bad) throw bad;
  }
  return walk(entries as [Section, unknown[]][], false);
}

async function* walk(sections: [Section, unknown[]][], bare: boolean): AsyncGenerator<InventoryItem> {
  for (const [section, list] of sections)
    for (const [index, value] of list.entries())
      yield { section, path: recordPath(section, index, bare), value };
}

/** The records of an inventory file: JSON streamed, YAML parsed whole (it has no streaming form). */
export async function readInventoryFile(path: string): Promise<InventoryRecords> {
  if (!/\.json$/i.test(path)) return recordsOf(await readStructuredFile(path));
  return jsonRecords(readFileChunks(path), path);
}

/** A file's bytes in parse-sized chunks; a file that cannot be read is the caller's input error. */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) yield chunk as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    throw new TourniquetError('INVALID_INPUT', `cannot read ${path}: ${code}`);
  }
}

/**
 * The records of a JSON inventory arriving in chunks. The first byte says the form (`[` bare, `{`
 * sections); `$.*` of a bare array is each credential, `$.*.*` of the object form each record of
 * each section, whose stack says which (so an unknown one is named, not skipped).
 */
export async function* jsonRecords(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
): AsyncGenerator<InventoryItem> {
  let parser: JSONParser | undefined;
  let bare = false;
  const ready: InventoryItem[] = [];
  let failure: TourniquetError | undefined;
  // Lines and bytes before the chunk being parsed, and where the last token began: a structural
  // error (a missing comma) comes without a position.
  let lines = 1;
  let seen = 0;
  let lastToken = 0;
  let chunk: Uint8Array = new Uint8Array();
  const fail = (e: TourniquetError) => {
    failure ??= e;
  };
  const start = (first: string) => {
    bare = first === '[';
    const p = new JSONParser({ paths: [bare ? '$.*' : '$.*.*'], keepStack: false });
    p.onToken = ({ offset }) => {
      lastToken = offset;
    };
    p.onValue = ({ value, key, stack }) => {
      const section = bare ? 'credentials' : stack[1]?.key;
      const bad = sectionIssue(section, typeof key === 'number');
      if (bad) fail(bad);
      else
        ready.push({
          section: section as Section,
          path: recordPath(section as Section, key as number, bare),
          value,
        });
    };
    p.onError = (e) => {
      const at = /absolute position "(\d+)"/.exec(e.message)?.[1];
      fail(malformed(name, lineAt(at === undefined ? lastToken : Number(at))));
    };
    return p;
  };
  const lineAt = (offset: number) =>
    offset < seen ? lines : lines + newlines(chunk.subarray(0, offset - seen));
  for await (const whole of chunks) {
    for (let i = 0; i < whole.length && !failure; i += CHUNK_BYTES) {
      chunk = whole.subarray(i, i + CHUNK_BYTES);
      if (!parser) {
        const first = /\S/.exec(Buffer.from(chunk).toString('latin1'))?.[0];
        if (first === '[' || first === '{') parser = start(first);
        else if (first !== undefined) fail(shapeError('expected a JSON object or an array of credentials'));
      }
      parser?.write(chunk);
      lines += newlines(chunk);
      seen += chunk.length;
      yield* ready.splice(0);
    }
    if (failure) break;
  }
  if (!failure && !parser) fail(shapeError('the inventory is empty'));
  if (!failure && parser && !parser.isEnded) parser.end();
  if (failure) throw failure;
  yield* ready.splice(0);
}

function newlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** How zod would have named the record in the whole document. */
const recordPath = (section: Section, index: number, bare: boolean) =>
  bare ? String(index) : `${section}.${index}`;

/** What is wrong with a top-level key and its value, if anything: an unknown section, or no list. */
function sectionIssue(key: unknown, isList: boolean): TourniquetError | undefined {
  if (!isSection(key))
    return shapeError(`no section "${String(key)}" (expected ${SECTIONS.join(', ')})`, String(key));
  if (!isList) return shapeError(`${key} must be a list`, key);
  return undefined;
}

function shapeError(why: string, section?: string): TourniquetError {
  return new TourniquetError('INVALID_INPUT', `invalid inventory: ${why}`, {
    details: [{ path: section ?? '', message: why }],
  });
}

/** The parser's message quotes what it stopped at (maybe a secret): only the line is kept. */
function malformed(name: string, line: number): TourniquetError {
  return new TourniquetError('INVALID_INPUT', `${name} is not valid JSON (line ${line})`, {
    details: { line },
  });
}
