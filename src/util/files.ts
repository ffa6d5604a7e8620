/** Reading YAML or JSON files (config, policy, inventory) with errors that name the file. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
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
