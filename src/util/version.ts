/** This package's version (package.json), for what tourniquet reports about itself (OCSF `product`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | undefined;

export function packageVersion(): string {
  // src/util/ and dist/src/util/ are two and three levels below the package root.
  for (const up of ['../..', '../../..']) {
    if (version) break;
    try {
      const pkg = JSON.parse(readFileSync(join(import.meta.dirname, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tourniquet' && pkg.version) version = pkg.version;
    } catch (e) {
      // Not at this level: try the next. Anything else is a real problem.
      if ((e as { code?: string }).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
    }
  }
  return (version ??= '0.0.0');
}
