/**
 * The anchor file: one signed checkpoint per line, only ever appended (O_APPEND, fsync per
 * checkpoint, mode 0600). It lives outside the data dir, so a wiped or rewritten data dir leaves
 * it; on a host the operator can also make it append-only (`chattr +a`) or ship it elsewhere.
 * The newest checkpoint is found in the file's tail, which is where appends go.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditCheckpoint } from '../../schemas/audit.js';
import { TourniquetError } from '../errors.js';
import { newestOf, parseCheckpoint, type Anchor } from './anchor.js';

/** Checkpoints are ~300 bytes: the tail holds hundreds of them. */
const TAIL_BYTES = 64 * 1024;

export function fileAnchor(path: string): Anchor {
  return {
    name: path,
    async append(c: AuditCheckpoint) {
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const fh = await open(path, 'a', 0o600);
        try {
          await fh.appendFile(JSON.stringify(c) + '\n');
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (e) {
        throw new TourniquetError('INTERNAL', `cannot append to the audit anchor file ${path}`, {
          retriable: true,
          cause: e,
        });
      }
    },
    async newest() {
      let fh;
      try {
        fh = await open(path, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      try {
        const { size } = await fh.stat();
        const start = Math.max(0, size - TAIL_BYTES);
        const buf = Buffer.alloc(size - start);
        await fh.read(buf, 0, buf.length, start);
        // The first line of a partial tail may be cut: parseCheckpoint rejects it.
        const found = newestOf(buf.toString('utf8').split('\n').map(parseCheckpoint));
        if (found || start === 0) return found;
      } finally {
        await fh.close();
      }
      // A tail with no checkpoint in it (garbage appended): the whole file decides.
      return newestOf((await readFile(path, 'utf8')).split('\n').map(parseCheckpoint));
    },
  };
}
