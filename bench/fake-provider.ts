/**
 * FAKE provider for the benchmark — not a real identity provider, never used by production code.
 *
 * One local HTTP server that speaks just enough of two real provider APIs for tourniquet's own
 * adapters to drive it unchanged:
 *   - OAuth 2.0: RFC 7009 revocation (`POST /oauth2/revoke`) and RFC 7662 introspection
 *     (`POST /oauth2/introspect`), form body `token`, HTTP Basic client authentication;
 *   - Vault token API: `POST /v1/auth/token/revoke-accessor` and `/v1/auth/token/lookup-accessor`
 *     (JSON body `accessor`, `X-Vault-Token`), used for the offboarding fan-out because RFC 7009
 *     cannot revoke a token whose value nobody supplied.
 *
 * Every accepted call waits `latencyMs` before answering (the provider's own work). All calls share
 * one token bucket (`ratePerSec`, `burst`), as a provider's per-client limit does: a call that finds
 * the bucket empty is answered 429 at once with `Retry-After` in whole seconds. Each call is
 * recorded (arrival, answer, operation, which token, status) so the harness can subtract the time
 * spent inside the provider from tourniquet's end-to-end latency.
 *
 * Named instances (`instance(name, options)`) are further providers behind the same server, under
 * `/i/<name>/…`, each with its own latency, bucket, credentials and call log, and optionally `down`
 * (every authorised call answered 503 at once): the fairness scenarios configure them as separate
 * provider instances of the service and count per instance (bench/fake-stats.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FakeProviderOptions {
  /** Time each accepted call spends "inside the provider", in ms. */
  latencyMs: number;
  /** Sustained calls per second the bucket refills; above it the fake answers 429. */
  ratePerSec: number;
  /** Bucket size: calls that may arrive at once after a quiet period. */
  burst: number;
}

export type FakeOp = 'revoke' | 'introspect' | 'revoke-accessor' | 'lookup-accessor';

/** One call as the provider saw it. `key` is the index of the token/accessor the call named (-1: unknown). */
export interface FakeCall {
  op: FakeOp;
  key: number;
  /** ms since the epoch, sub-millisecond precision. */
  start: number;
  end: number;
  status: number;
}

export interface FakeInstanceOptions extends FakeProviderOptions {
  /** Answer every authorised call 503 at once (a provider that is down). */
  down?: boolean;
}

/** A named provider instance behind the fake's server (its own endpoints, limits and log). */
export interface FakeInstance {
  name: string;
  oauth: FakeProvider['oauth'];
  options: FakeInstanceOptions;
  register(values: readonly string[]): void;
  calls(): readonly FakeCall[];
  /** The most calls this instance was answering at one time. */
  maxInFlight(): number;
}

export interface FakeProvider {
  url: string;
  /** Adds (or replaces) a named instance; reset() removes them all. */
  instance(name: string, options: FakeInstanceOptions): FakeInstance;
  oauth: {
    revocationEndpoint: string;
    introspectionEndpoint: string;
    clientId: string;
    clientSecret: string;
  };
  vault: { address: string; token: string };
  options: FakeProviderOptions;
  /** Makes these values live credentials; their index in the list is the `key` of their calls. */
  register(values: readonly string[]): void;
  calls(): readonly FakeCall[];
  /** Forgets credentials and calls, refills the bucket: one fake serves many scenarios. */
  reset(): void;
  close(): Promise<void>;
}

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-client-secret';
const VAULT_TOKEN = 'bench-vault-token';

const nowMs = () => performance.timeOrigin + performance.now();

class TokenBucket {
  private tokens: number;
  private last = nowMs();
  constructor(private readonly o: FakeProviderOptions) {
    this.tokens = o.burst;
  }
  /** 0 when a call may proceed, else the whole seconds until one token is back. */
  take(): number {
    const t = nowMs();
    this.tokens = Math.min(this.o.burst, this.tokens + ((t - this.last) / 1000) * this.o.ratePerSec);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.o.ratePerSec));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const ROUTES: Record<string, FakeOp> = {
  '/oauth2/revoke': 'revoke',
  '/oauth2/introspect': 'introspect',
  '/v1/auth/token/revoke-accessor': 'revoke-accessor',
  '/v1/auth/token/lookup-accessor': 'lookup-accessor',
};

/** One provider's state: its limits, live credentials and what it was asked. */
class State {
  readonly bucket: TokenBucket;
  readonly index = new Map<string, number>();
  live = new Set<number>();
  log: FakeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly options: FakeInstanceOptions) {
    this.bucket = new TokenBucket(options);
  }
  register(values: readonly string[]) {
    values.forEach((v, i) => {
      this.index.set(v, i);
      this.live.add(i);
    });
  }
}

const INSTANCE_PATH = /^\/i\/([A-Za-z0-9_-]+)(\/.*)$/;

export async function startFakeProvider(options: FakeProviderOptions): Promise<FakeProvider> {
  let root = new State(options);
  const named = new Map<string, State>();
  const basic = 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = nowMs();
    const path = (req.url ?? '').split('?')[0] ?? '';
    const m = INSTANCE_PATH.exec(path);
    const st = m ? named.get(m[1]!) : root;
    const op = ROUTES[m ? m[2]! : path];
    const raw = await readBody(req);
    if (!st || !op || req.method !== 'POST') {
      send(res, 404, { errors: [] });
      return;
    }
    st.inFlight++;
    st.maxInFlight = Math.max(st.maxInFlight, st.inFlight);
    try {
      await answer(st, op, raw, start, req, res);
    } finally {
      st.inFlight--;
    }
  }

  async function answer(
    st: State,
    op: FakeOp,
    raw: string,
    start: number,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { index, log, bucket } = st;
    const vault = op === 'revoke-accessor' || op === 'lookup-accessor';
    let value: string | undefined;
    if (vault) {
      const parsed = JSON.parse(raw || '{}') as { accessor?: unknown };
      value = typeof parsed.accessor === 'string' ? parsed.accessor : undefined;
    } else {
      value = new URLSearchParams(raw).get('token') ?? undefined;
    }
    const key = value === undefined ? -1 : (index.get(value) ?? -1);
    const record = (status: number) => log.push({ op, key, start, end: nowMs(), status });

    const authorised = vault
      ? req.headers['x-vault-token'] === VAULT_TOKEN
      : req.headers.authorization === basic;
    if (!authorised) {
      record(401);
      send(res, 401, vault ? { errors: ['permission denied'] } : { error: 'invalid_client' });
      return;
    }
    if (st.options.down) {
      record(503);
      send(res, 503, vault ? { errors: ['service unavailable'] } : { error: 'temporarily_unavailable' });
      return;
    }
    const wait = bucket.take();
    if (wait > 0) {
      record(429);
      send(res, 429, vault ? { errors: ['rate limit quota exceeded'] } : { error: 'rate_limited' }, {
        'retry-after': String(wait),
      });
      return;
    }
    if (value === undefined) {
      record(400);
      send(res, 400, vault ? { errors: ['missing accessor'] } : { error: 'invalid_request' });
      return;
    }
    await new Promise((r) => setTimeout(r, st.options.latencyMs));
    const { live } = st;
    switch (op) {
      case 'revoke':
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        live.delete(key);
        record(200);
        send(res, 200, {});
        return;
      case 'introspect':
        record(200);
        send(res, 200, live.has(key) ? { active: true, client_id: CLIENT_ID } : { active: false });
        return;
      case 'revoke-accessor':
        if (key >= 0 && live.delete(key)) {
          record(204);
          send(res, 204, null);
        } else {
          record(200);
          send(res, 200, { warnings: ['No token found with this accessor'] });
        }
        return;
      case 'lookup-accessor':
        if (key >= 0 && live.has(key)) {
          record(200);
          send(res, 200, { data: { accessor: value } });
        } else {
          record(400);
          send(res, 400, { errors: ['invalid accessor'] });
        }
        return;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(`FAKE provider failed: ${String(err)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const oauthAt = (base: string) => ({
    revocationEndpoint: `${base}/oauth2/revoke`,
    introspectionEndpoint: `${base}/oauth2/introspect`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });

  return {
    url,
    options,
    oauth: oauthAt(url),
    vault: { address: url, token: VAULT_TOKEN },
    instance(name, opts) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad instance name ${name}`);
      const st = new State(opts);
      named.set(name, st);
      return {
        name,
        oauth: oauthAt(`${url}/i/${name}`),
        options: opts,
        register: (values) => st.register(values),
        calls: () => st.log,
        maxInFlight: () => st.maxInFlight,
      };
    },
    register: (values) => root.register(values),
    calls: () => root.log,
    reset() {
      root = new State(options);
      named.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
