/** Reading YAML or JSON files (config, policy, inventory) with errors that name the file. */
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import { TourniquetError } from '../errors.js';

export async function readStructuredFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TourniquetError(
      'INVALID_INPUT',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        cause: e,
      },
    );
  }
  try {
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // No cause: parser messages quote the offending text, which may hold a secret (inventory files).
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new TourniquetError(
      'INVALID_INPUT',
      `${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}${line ? ` (line ${line})` : ''}`,
    );
  }
}

/**
 * The line each issue path (`credentials.3.kind`, as zod paths are joined) points at in a YAML or
 * JSON file, so that a person can go straight to it. Unknown paths get no line.
 */
const LINES_MAX_BYTES = 32 * 1024 * 1024;

export async function linesOf(path: string, issuePaths: readonly string[]): Promise<(number | undefined)[]> {
  // A large file (a streamed import) is not parsed whole for this: its paths name the records exactly.
  if ((await stat(path)).size > LINES_MAX_BYTES) return issuePaths.map(() => undefined);
  const text = await readFile(path, 'utf8');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  return issuePaths.map((p) => {
    const keys = p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    // The nearest node that exists: a missing field is reported at its record.
    for (let n = keys.length; n >= 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
    }
    return undefined;
  });
}
