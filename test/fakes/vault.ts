/**
 * FAKE Vault / OpenBao HTTP server — NOT the real thing.
 *
 * Why a fake: no Vault or OpenBao binary is available from the package registries this CI may use,
 * and building OpenBao from source (test-infra.md §4: a wrapper Go module around
 * github.com/openbao/openbao/v2) was not attempted on the shared 2-core CI budget. This server
 * follows the documented API (providers.md §1.6; OpenBao `token_store.go`, `logical_system.go`,
 * KV v2 `path_data.go`/`path_destroy.go`/`path_metadata.go`) for exactly the endpoints tourniquet
 * calls, including their idempotent answers:
 *
 *   POST /v1/auth/token/create                  → 200 {auth:{client_token, accessor}}      (setup)
 *   POST /v1/auth/token/revoke-accessor         → 204; unknown accessor → 200 + warning
 *   POST /v1/auth/token/revoke, /lookup         → by token value: 204 always / 200, or 403 "bad token"
 *                                                 "No token found with this accessor"
 *   POST /v1/auth/token/lookup-accessor         → 200 {data}; unknown → 400 "invalid accessor"
 *   PUT  /v1/sys/leases/lookup                  → 200 {data}; unknown → 400 "invalid lease"
 *   LIST /v1/sys/leases/lookup/:prefix          → 200 {data:{keys}}; none → 404 (GET ?list=true too)
 *   PUT  /v1/sys/leases/revoke                  → sync=true (server default) 204; sync=false 202
 *                                                 (revoked shortly after); unknown lease → 204 no-op
 *   PUT  /v1/sys/leases/revoke-prefix/:prefix   → same sync rules; plain string-prefix match
 *   POST /v1/:mount/data/:path                  → 200 {data:{version}}                      (setup)
 *   DELETE /v1/:mount/data/:path                → 204, also when missing or already deleted
 *   PUT  /v1/:mount/destroy/:path {versions}    → 204; no versions → 400
 *   GET  /v1/:mount/metadata/:path              → 200 {data:{current_version, versions}}; missing → 404
 *
 * Every request needs `X-Vault-Token: <root token>`, else 403 "permission denied" (tokens created
 * here exist for revocation, not for authenticating). Unknown routes answer 404. `failNext()`
 * injects faults (503 sealed, 429 with Retry-After, any status, a reset connection, or silence).
 * Leases are seeded with `addLease()`, since real ones come from secret engines.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  namespace: string | undefined;
  body: unknown;
}

export type VaultFault =
  | { status: number; errors?: string[]; retryAfter?: string; path?: RegExp }
  | { reset: true; path?: RegExp }
  /** No answer until the client gives up. */
  | { hang: true; path?: RegExp };

interface Token {
  id: string;
  accessor: string;
  policies: string[];
  createdAt: number;
}

interface KvVersion {
  data: Record<string, unknown>;
  created: string;
  deletion: string;
  destroyed: boolean;
}

export interface FakeVault {
  url: string;
  rootToken: string;
  /** Every request, in order (the X-Vault-Token header is not recorded). */
  readonly requests: readonly RecordedRequest[];
  addLease(leaseId: string, ttlSeconds?: number): void;
  failNext(n: number, fault: VaultFault): void;
  close(): Promise<void>;
}

export async function startFakeVault(
  opts: { rootToken?: string; kvMounts?: string[] } = {},
): Promise<FakeVault> {
  const rootToken = opts.rootToken ?? `hvs.${randomBytes(18).toString('base64url')}`;
  const kvMounts = new Set(opts.kvMounts ?? ['secret']);
  const tokens = new Map<string, Token>(); // by accessor
  const leases = new Map<string, { issued: string; ttl: number }>();
  const kv = new Map<string, { current: number; versions: Map<number, KvVersion> }>();
  const requests: RecordedRequest[] = [];
  const faults: { left: number; fault: VaultFault }[] = [];

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch (e) {
        return send(res, 400, { errors: [`failed to parse JSON input: ${(e as Error).name}`] });
      }
    }
    const method =
      req.method === 'GET' && url.searchParams.get('list') === 'true' ? 'LIST' : (req.method ?? 'GET');
    const path = decodeURIComponent(url.pathname);
    const ns = req.headers['x-vault-namespace'];
    requests.push({ method, path, namespace: typeof ns === 'string' ? ns : undefined, body });

    const fault = faults.find((f) => f.left > 0 && (!f.fault.path || f.fault.path.test(path)));
    if (fault) {
      fault.left -= 1;
      if ('reset' in fault.fault) return void res.socket?.destroy();
      if ('hang' in fault.fault) return;
      const { status, errors, retryAfter } = fault.fault;
      const defaults =
        status === 503 ? ['Vault is sealed'] : status === 429 ? ['rate limit quota exceeded'] : ['fault'];
      return send(
        res,
        status,
        { errors: errors ?? defaults },
        retryAfter ? { 'retry-after': retryAfter } : {},
      );
    }
    if (req.headers['x-vault-token'] !== rootToken) return send(res, 403, { errors: ['permission denied'] });
    route(method, path.replace(/^\/v1\//, ''), body, res);
  }

  function route(method: string, p: string, body: Record<string, unknown>, res: ServerResponse): void {
    const write = method === 'POST' || method === 'PUT';
    if (write && p === 'auth/token/create') {
      const t: Token = {
        id: `hvs.${randomBytes(18).toString('base64url')}`,
        accessor: randomBytes(12).toString('base64url'),
        policies: Array.isArray(body.policies) ? (body.policies as string[]) : ['default'],
        createdAt: Date.now(),
      };
      tokens.set(t.accessor, t);
      return send(res, 200, {
        request_id: rid(),
        auth: {
          client_token: t.id,
          accessor: t.accessor,
          policies: t.policies,
          lease_duration: 3600,
          renewable: true,
        },
      });
    }
    if (write && p === 'auth/token/revoke-accessor') {
      const accessor = str(body.accessor);
      if (!accessor) return send(res, 400, { errors: ['missing accessor'] });
      if (!tokens.delete(accessor)) {
        return send(res, 200, {
          request_id: rid(),
          data: null,
          warnings: ['No token found with this accessor'],
        });
      }
      return send(res, 204);
    }
    // By token value (a leaked hvs. token): revoke is a 204 no-op for unknown tokens; lookup of a
    // dead token answers 403 "bad token".
    const byId = (id: string) => [...tokens.values()].find((t) => t.id === id);
    if (write && p === 'auth/token/revoke') {
      const t = byId(str(body.token));
      if (t) tokens.delete(t.accessor);
      return send(res, 204);
    }
    if (write && p === 'auth/token/lookup') {
      const t = byId(str(body.token));
      if (!t) return send(res, 403, { errors: ['bad token'] });
      return send(res, 200, { request_id: rid(), data: { accessor: t.accessor, policies: t.policies } });
    }
    if (write && p === 'auth/token/lookup-accessor') {
      const t = tokens.get(str(body.accessor));
      if (!t) return send(res, 400, { errors: ['invalid accessor'] });
      return send(res, 200, {
        request_id: rid(),
        data: {
          accessor: t.accessor,
          id: '',
          policies: t.policies,
          ttl: 3600,
          creation_time: Math.floor(t.createdAt / 1000),
        },
      });
    }
    if (write && p === 'sys/leases/lookup') {
      const leaseId = str(body.lease_id);
      if (!leaseId) return send(res, 400, { errors: ['lease_id must be specified'] });
      const lease = leases.get(leaseId);
      if (!lease) return send(res, 400, { errors: ['invalid lease'] });
      return send(res, 200, {
        request_id: rid(),
        data: { id: leaseId, issue_time: lease.issued, ttl: lease.ttl, renewable: true },
      });
    }
    if (method === 'LIST' && p.startsWith('sys/leases/lookup/')) {
      const prefix = p.slice('sys/leases/lookup/'.length);
      const keys = new Set<string>();
      for (const id of leases.keys()) {
        if (!id.startsWith(prefix)) continue;
        const rest = id.slice(prefix.length);
        const slash = rest.indexOf('/');
        keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      if (keys.size === 0) return send(res, 404, { errors: [] });
      return send(res, 200, { request_id: rid(), data: { keys: [...keys].sort() } });
    }
    if (write && (p === 'sys/leases/revoke' || p.startsWith('sys/leases/revoke-prefix/'))) {
      const ids =
        p === 'sys/leases/revoke'
          ? [str(body.lease_id)]
          : [...leases.keys()].filter((id) => id.startsWith(p.slice('sys/leases/revoke-prefix/'.length)));
      if (p === 'sys/leases/revoke' && !ids[0])
        return send(res, 400, { errors: ['lease_id must be specified'] });
      // The server-side field default is sync=true; false queues the revocation (202).
      if (body.sync === false) {
        setTimeout(() => ids.forEach((id) => leases.delete(id)), 50).unref();
        return send(res, 202, { request_id: rid() });
      }
      ids.forEach((id) => leases.delete(id));
      return send(res, 204);
    }
    const kvMatch = /^(.+?)\/(data|destroy|metadata)\/(.+)$/.exec(p);
    if (kvMatch && kvMounts.has(kvMatch[1] ?? '')) {
      return kvRoute(method, kvMatch[2] ?? '', `${kvMatch[1]}/${kvMatch[3]}`, body, res);
    }
    send(res, 404, { errors: [`no handler for route "${p}". route entry not found.`] });
  }

  function kvRoute(
    method: string,
    op: string,
    key: string,
    body: Record<string, unknown>,
    res: ServerResponse,
  ): void {
    const entry = kv.get(key);
    if (op === 'data' && (method === 'POST' || method === 'PUT')) {
      const e = entry ?? { current: 0, versions: new Map<number, KvVersion>() };
      e.current += 1;
      const data = (body.data ?? {}) as Record<string, unknown>;
      e.versions.set(e.current, { data, created: new Date().toISOString(), deletion: '', destroyed: false });
      kv.set(key, e);
      return send(res, 200, {
        request_id: rid(),
        data: { version: e.current, deletion_time: '', destroyed: false },
      });
    }
    if (op === 'data' && method === 'DELETE') {
      const latest = entry?.versions.get(entry.current);
      if (latest && !latest.destroyed && !latest.deletion) latest.deletion = new Date().toISOString();
      return send(res, 204);
    }
    if (op === 'destroy' && (method === 'POST' || method === 'PUT')) {
      const versions = Array.isArray(body.versions) ? (body.versions as unknown[]).map(Number) : [];
      if (versions.length === 0) return send(res, 400, { errors: ['no version number provided'] });
      for (const n of versions) {
        const v = entry?.versions.get(n);
        if (v) {
          v.destroyed = true;
          v.data = {};
        }
      }
      return send(res, 204);
    }
    if (op === 'metadata' && method === 'GET') {
      if (!entry) return send(res, 404, { errors: [] });
      const versions: Record<string, unknown> = {};
      for (const [n, v] of entry.versions) {
        versions[String(n)] = { created_time: v.created, deletion_time: v.deletion, destroyed: v.destroyed };
      }
      return send(res, 200, {
        request_id: rid(),
        data: { current_version: entry.current, oldest_version: 0, max_versions: 0, versions },
      });
    }
    send(res, 405, { errors: [] });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('fake vault has no address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    rootToken,
    requests,
    addLease(leaseId, ttlSeconds = 3600) {
      leases.set(leaseId, { issued: new Date().toISOString(), ttl: ttlSeconds });
    },
    failNext(n, fault) {
      faults.push({ left: n, fault });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined || status === 204) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function rid(): string {
  return randomBytes(16).toString('hex');
}
