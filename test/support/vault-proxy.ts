/**
 * A pass-through HTTP proxy in front of the real OpenBao server (test/support/openbao.ts): every
 * request is forwarded unchanged and recorded, except the next N requests matching a path, which
 * get an injected fault instead. Only for faults a real server cannot be made to give on cue — a 5xx
 * on exactly the revoke call, a Retry-After on a 503, a 403 whose body echoes the caller's token (a
 * misbehaving plugin or proxy), a reset connection, silence. Injected answers use Vault's error
 * shape (`{"errors": [...]}`); everything else the adapter sees is OpenBao's own answer.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ProxiedRequest {
  /** `LIST` for `GET …?list=true`, as Vault itself treats it. */
  method: string;
  /** Decoded path, e.g. `/v1/sys/leases/revoke-prefix/pki/issue/app`. */
  path: string;
  namespace: string | undefined;
  body: unknown;
}

export type VaultFault =
  | { status: number; errors?: string[]; retryAfter?: string; path?: RegExp }
  | { reset: true; path?: RegExp }
  /** No answer until the client gives up. */
  | { hang: true; path?: RegExp };

export interface VaultProxy {
  url: string;
  /** Every request, in order (the X-Vault-Token header is not recorded). */
  readonly requests: readonly ProxiedRequest[];
  failNext(n: number, fault: VaultFault): void;
  close(): Promise<void>;
}

export async function startVaultProxy(target: string): Promise<VaultProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const faults: { left: number; fault: VaultFault }[] = [];
  const hung = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const path = decodeURIComponent(url.pathname);
      const ns = req.headers['x-vault-namespace'];
      requests.push({
        method: req.method === 'GET' && url.searchParams.get('list') === 'true' ? 'LIST' : (req.method ?? ''),
        path,
        namespace: typeof ns === 'string' ? ns : undefined,
        body: parse(raw),
      });
      const match = faults.find((f) => f.left > 0 && (!f.fault.path || f.fault.path.test(path)));
      if (match) {
        match.left -= 1;
        return answerFault(res, match.fault, hung);
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
      out.end(raw);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('vault proxy has no address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    failNext(n, fault) {
      faults.push({ left: n, fault });
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answerFault(res: ServerResponse, fault: VaultFault, hung: Set<ServerResponse>): void {
  if ('reset' in fault) return void res.socket?.destroy();
  if ('hang' in fault) return void hung.add(res);
  const { status, errors, retryAfter } = fault;
  const defaults = status === 503 ? ['Vault is sealed'] : ['injected fault'];
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(retryAfter ? { 'retry-after': retryAfter } : {}),
  });
  res.end(JSON.stringify({ errors: errors ?? defaults }));
}

function parse(raw: Buffer): unknown {
  if (!raw.length) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return raw.toString('utf8');
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
