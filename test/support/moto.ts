/**
 * moto (a Python AWS emulator, test-infra.md §2) for the AWS adapter tests, plus a fault proxy.
 *
 * `getMoto(t)` / `findMoto()`: MOTO_URL when set; else one `python3 -m moto.server` per test
 * process on a free port (killed when the process exits); else `unavailable()` (skip locally, fail
 * in CI).
 *
 * `startFaultProxy(url)`: a small HTTP proxy in front of moto that forwards everything, except that
 * it can answer the next N requests (optionally only of one AWS operation) with an AWS error in the
 * service's wire format (JSON for Secrets Manager, query XML for IAM), a reset connection, or
 * silence. The SDK under test then parses a real HTTP answer; no SDK method is stubbed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { TestContext } from 'node:test';
import { unavailable } from './services.js';

export interface Moto {
  url: string;
  /** Wipes every service's state (POST /moto-api/reset). */
  reset(): Promise<void>;
}

/** Provider config fields that point an adapter at a moto (or proxy) URL. */
export function awsTestConnection(url: string) {
  return {
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

let starting: Promise<string | { reason: string }> | undefined;

/**
 * The moto server for this process, or why there is none. For suites that decide at load time
 * (the provider conformance suite has no TestContext): report the reason with `unavailable()`.
 */
export async function findMoto(): Promise<Moto | { reason: string }> {
  starting ??= locate();
  const found = await starting;
  if (typeof found !== 'string') return found;
  return {
    url: found,
    async reset() {
      const res = await fetch(`${found}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
  };
}

/** The moto server, or undefined after `unavailable(t, …)` (skip locally, fail in CI). */
export async function getMoto(t: TestContext): Promise<Moto | undefined> {
  const found = await findMoto();
  if ('reason' in found) {
    unavailable(t, found.reason);
    return undefined;
  }
  return found;
}

async function locate(): Promise<string | { reason: string }> {
  const fromEnv = process.env.MOTO_URL;
  if (fromEnv) {
    const url = fromEnv.replace(/\/+$/, '');
    const problem = await waitReady(url, 5_000);
    return problem === null ? url : { reason: `MOTO_URL ${url} does not answer /moto-api/ (${problem})` };
  }
  const probe = spawnSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
  if (probe.status !== 0) return { reason: "moto not installed: pip install 'moto[server]'" };
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  child.unref();
  process.once('exit', () => child.kill());
  const url = `http://127.0.0.1:${port}`;
  const problem = await waitReady(url, 30_000);
  if (problem === null) return url;
  child.kill();
  return { reason: `moto server did not start on port ${port} within 30 s (${problem})` };
}

/** Polls /moto-api/ until it answers; returns null when ready, else what went wrong last. */
async function waitReady(url: string, timeoutMs: number): Promise<string | null> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return null;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : String(e);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return last;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

// ---- fault proxy ----------------------------------------------------------------------------

export type Fault =
  /** An AWS error answer. `echoRequest` puts the request body into the message (a hostile server). */
  | {
      kind: 'error';
      status: number;
      code: string;
      message?: string;
      retryAfter?: string;
      echoRequest?: boolean;
    }
  /** The connection is destroyed without an answer (ECONNRESET / socket hang up). */
  | { kind: 'reset' }
  /** No answer at all, until the client gives up. */
  | { kind: 'hang' };

export interface FaultProxy {
  url: string;
  /** The next `n` requests (of operation `op`, when given) get `fault` instead of moto's answer. */
  failNext(n: number, fault: Fault, op?: string): void;
  /** AWS operation names of every request received, in order. */
  readonly operations: readonly string[];
  close(): Promise<void>;
}

interface Pending {
  left: number;
  fault: Fault;
  op: string | undefined;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const pending: Pending[] = [];
  const operations: string[] = [];
  const hung = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const json = typeof req.headers['x-amz-target'] === 'string';
      const op = operationOf(req, body);
      operations.push(op);
      const match = pending.find((p) => p.left > 0 && (p.op === undefined || p.op === op));
      if (match) {
        match.left -= 1;
        answerFault(res, match.fault, json, body);
        if (match.fault.kind === 'hang') hung.add(res);
        return;
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('fault proxy has no address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    operations,
    failNext(n, fault, op) {
      pending.push({ left: n, fault, op });
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `secretsmanager.DeleteSecret` (JSON protocols) or `Action=DeleteAccessKey` (query protocol). */
function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  return new URLSearchParams(body.toString('utf8')).get('Action') ?? 'unknown';
}

function answerFault(res: ServerResponse, fault: Fault, json: boolean, body: Buffer): void {
  if (fault.kind === 'reset') {
    res.socket?.destroy();
    return;
  }
  if (fault.kind === 'hang') return;
  const requestId = randomUUID();
  const message =
    (fault.message ?? 'injected fault') + (fault.echoRequest ? ` (request: ${body.toString('utf8')})` : '');
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (json) {
    headers['content-type'] = 'application/x-amz-json-1.1';
    headers['x-amzn-errortype'] = fault.code;
    res.writeHead(fault.status, headers);
    res.end(JSON.stringify({ __type: fault.code, message }));
    return;
  }
  headers['content-type'] = 'text/xml';
  res.writeHead(fault.status, headers);
  res.end(
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${
      fault.status >= 500 ? 'Receiver' : 'Sender'
    }</Type><Code>${fault.code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
