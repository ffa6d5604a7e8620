/**
 * A real OAuth 2.0 authorization server for tests: oidc-provider (npm) with client credentials,
 * RFC 7009 revocation and RFC 7662 introspection enabled. It counts the revocation and
 * introspection requests it receives, so tests can prove how many times tourniquet really called it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OAuthServer {
  issuer: string;
  revocationEndpoint: string;
  introspectionEndpoint: string;
  client: { id: string; secret: string };
  rs: { id: string; secret: string };
  revocationCalls(): number;
  /** Introspection requests received, not counting the test's own `introspect()`. */
  introspectionCalls(): number;
  /** Mints a client-credentials access token. */
  mint(scope?: string): Promise<string>;
  /** Asks the server directly whether a token is active (independent of tourniquet). */
  introspect(token: string): Promise<boolean>;
  /** Delays every revocation answer (a slow provider, so that a crash lands mid-call). */
  setRevocationDelay(ms: number): void;
  /**
   * Delays every revocation *answer*: the token is revoked at once, the client hears of it later
   * (a crash then lands after the provider acted, before the caller knows).
   */
  setRevocationResponseDelay(ms: number): void;
  /** Makes the next N introspection requests answer this status before reaching the server. */
  failNextIntrospections(n: number, status: number, retryAfter?: string): void;
  /** Makes the next N revocation requests answer this status (e.g. 503) before reaching the server. */
  failNextRevocations(n: number, status: number, retryAfter?: string): void;
  /**
   * Makes the next N revocations revoke the token and then answer this status (a gateway that
   * timed out after the server acted): the caller sees a failure although the token is dead.
   */
  failAfterRevoking(n: number, status: number): void;
  /**
   * Holds every revocation request (before it reaches the server) until the returned function is
   * called: a provider that does not answer for as long as the test needs.
   */
  holdRevocations(): () => void;
  /** Revocation requests received and not yet answered, now and at most so far. */
  revocationsInFlight(): { now: number; max: number };
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');

export async function startOAuthServer(): Promise<OAuthServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const client = { id: 'svc-a', secret: 'svc-a-secret-for-tests' };
  const rs = { id: 'rs', secret: 'rs-secret-for-tests' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'api:read api:write',
      },
      { client_id: rs.id, client_secret: rs.secret, grant_types: [], response_types: [], redirect_uris: [] },
    ],
    scopes: ['api:read', 'api:write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
    },
    ttl: { ClientCredentials: 600 },
  });
  // oidc-provider logs through its own events; keep test output quiet.
  provider.on('server_error', () => undefined);
  let revocations = 0;
  let delayMs = 0;
  let responseDelayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let held: Promise<void> | undefined;
  let introspections = 0;
  let failures: { n: number; status: number; retryAfter?: string } = { n: 0, status: 0 };
  let failAfter = { n: 0, status: 0 };
  let introspectionFailures: { n: number; status: number; retryAfter?: string } = { n: 0, status: 0 };
  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/token/introspection') && req.headers['x-test-probe'] === undefined) {
      introspections++;
      if (introspectionFailures.n > 0) {
        introspectionFailures.n--;
        const { status, retryAfter } = introspectionFailures;
        res.writeHead(status, retryAfter ? { 'retry-after': retryAfter } : {});
        res.end(JSON.stringify({ error: 'slow_down' }));
        return;
      }
    }
    if (req.url?.startsWith('/token/revocation')) {
      revocations++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.once('close', () => inFlight--);
      if (held) {
        void held.then(() => callback(req, res));
        return;
      }
      if (failures.n > 0) {
        failures.n--;
        res.writeHead(failures.status, failures.retryAfter ? { 'retry-after': failures.retryAfter } : {});
        res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
        return;
      }
      if (failAfter.n > 0) {
        failAfter.n--;
        const status = failAfter.status;
        // Let the server revoke, then replace its answer with the failure.
        res.writeHead = ((..._a: unknown[]) => res) as unknown as typeof res.writeHead;
        res.end = ((..._a: unknown[]) => {
          res.statusCode = status;
          res.setHeader('content-type', 'application/json');
          res.socket?.end(
            `HTTP/1.1 ${status} Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}`,
          );
          return res;
        }) as typeof res.end;
      }
      if (responseDelayMs > 0) {
        const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
        const wait = responseDelayMs;
        res.end = ((...a: unknown[]) => {
          setTimeout(() => end(...a), wait);
          return res;
        }) as typeof res.end;
      }
      if (delayMs > 0) {
        setTimeout(() => void callback(req, res), delayMs);
        return;
      }
    }
    void callback(req, res);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

  return {
    issuer,
    revocationEndpoint: `${issuer}/token/revocation`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    client,
    rs,
    revocationCalls: () => revocations,
    introspectionCalls: () => introspections,
    async mint(scope = 'api:read') {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: basic(client.id, client.secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`token endpoint answered ${res.status}`);
      return body.access_token;
    },
    async introspect(token) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: basic(rs.id, rs.secret),
          'content-type': 'application/x-www-form-urlencoded',
          'x-test-probe': '1',
        },
        body: new URLSearchParams({ token }),
      });
      return ((await res.json()) as { active: boolean }).active;
    },
    setRevocationDelay(ms) {
      delayMs = ms;
    },
    setRevocationResponseDelay(ms) {
      responseDelayMs = ms;
    },
    failNextRevocations(n, status, retryAfter) {
      failures = { n, status, ...(retryAfter ? { retryAfter } : {}) };
    },
    failNextIntrospections(n, status, retryAfter) {
      introspectionFailures = { n, status, ...(retryAfter ? { retryAfter } : {}) };
    },
    failAfterRevoking(n, status) {
      failAfter = { n, status };
    },
    holdRevocations() {
      let release = () => {};
      held = new Promise<void>((r) => (release = r));
      return () => {
        held = undefined;
        release();
      };
    },
    revocationsInFlight: () => ({ now: inFlight, max: maxInFlight }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
