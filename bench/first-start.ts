/**
 * First start on an empty data dir (issue 11): how long `tourniquet start` takes from spawn to its
 * "listening" line, three ways: with no store image cached (initdb; that start caches the image),
 * with the image cached (what every later first start on the machine sees), and a restart on the
 * data dir it made. Each start has its own cache dir (`XDG_CACHE_HOME`), so the user's cache is
 * never read or written. Node and tsx start-up are part of the time, as they are for a user.
 *
 * Standalone: `npx tsx bench/first-start.ts [--root <checkout>]` (another checkout's CLI, e.g. an
 * exported older commit, for a before/after comparison).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Verdict } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const READY_LIMIT_S = 5;

export interface FirstStart {
  /** Seconds from spawn to "listening"; null if it did not get there. */
  coldS: number | null;
  imageS: number | null;
  restartS: number | null;
}

/** Starts the CLI, resolves with the seconds until it listened (then stops it), null on failure. */
function timeStart(root: string, dataDir: string, cacheHome: string): Promise<number | null> {
  // The embedded default is what a first start measures: a full run sets KAFKA_BROKERS (and may set
  // DATABASE_URL) for its Kafka jobs, and a child that inherits them wants production keys and exits,
  // which the 2026-12-02 run printed as "did not start".
  const { KAFKA_BROKERS: _k, DATABASE_URL: _d, ...env } = process.env;
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), 'start'], {
    cwd: root,
    env: {
      ...env,
      XDG_CACHE_HOME: cacheHome,
      TOURNIQUET_DATA_DIR: dataDir,
      TOURNIQUET_HTTP_PORT: '0',
      TOURNIQUET_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve) => {
    let ready: number | null = null;
    const kill = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (b: Buffer) => {
      if (ready === null && b.toString().includes('listening')) {
        ready = (Date.now() - t0) / 1000;
        child.kill('SIGTERM');
      }
    });
    child.once('exit', () => {
      clearTimeout(kill);
      resolve(ready);
    });
  });
}

export async function measureFirstStart(root = ROOT): Promise<FirstStart> {
  const dir = await mkdtemp(join(tmpdir(), 'tq-first-start-'));
  try {
    const cache = join(dir, 'cache');
    const coldS = await timeStart(root, join(dir, 'a'), cache);
    const imageS = await timeStart(root, join(dir, 'b'), cache);
    const restartS = await timeStart(root, join(dir, 'b'), cache);
    return { coldS, imageS, restartS };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const s = (x: number | null) => (x === null ? 'did not start' : `${x.toFixed(1)} s`);

export function firstStartLine(f: FirstStart): string {
  return `first start (spawn → listening): no image cached ${s(f.coldS)}, image cached ${s(f.imageS)}; restart ${s(f.restartS)}`;
}

export function firstStartVerdict(f: FirstStart): Verdict {
  return {
    target: `first start on an empty data dir ready ≤ ${READY_LIMIT_S} s (store image cached)`,
    backend: 'embedded',
    met: f.imageS !== null && f.imageS <= READY_LIMIT_S,
    measured: `${s(f.imageS)} (no image cached: ${s(f.coldS)})`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { root: { type: 'string' } } });
  const f = await measureFirstStart(values.root ?? ROOT);
  process.stdout.write(firstStartLine(f) + '\n');
}
