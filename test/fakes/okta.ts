/**
 * FAKE Okta management API for contract tests — not Okta. Stateful, written from Okta's documented
 * API (developer.okta.com, management API reference):
 * - Users: `GET /api/v1/users/{idOrLogin}` → the user with `status` (ACTIVE, SUSPENDED, DEPROVISIONED…);
 *   404 `{errorCode:"E0000007"}` when unknown.
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 * - UserSessions: `DELETE /api/v1/users/{id}/sessions?oauthTokens=true` → 204; ends the user's IdP
 *   sessions and, with oauthTokens=true, her OIDC/OAuth tokens.
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/
 * - UserGrant: `GET|DELETE /api/v1/users/{id}/grants` (list, revoke all → 204).
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserGrant/
 * - UserOAuth: `GET /api/v1/users/{id}/clients`, `DELETE /api/v1/users/{id}/clients/{clientId}/tokens` → 204.
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserOAuth/
 * - UserLifecycle: `POST /api/v1/users/{id}/lifecycle/deactivate` → 200 `{}`; a DEPROVISIONED user
 *   answers 403 E0000001-style refusal here (the adapter reads status first).
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/
 * - List: `GET /api/v1/users?limit=N&after=…` → the users (`id`, `status`, `created`, `lastLogin`,
 *   `profile.login`/`email`/`firstName`/`lastName`), `limit` at most 200 (default 200), the next page
 *   in `Link: <…/api/v1/users?after=…&limit=N>; rel="next"` (absolute URL, beside rel="self").
 *   Without `filter`/`search`, DEPROVISIONED users are left out; `filter=status eq "X"` lists only
 *   status X (other filters: 400 E0000031). A token whose admin may not read users → 403 E0000006.
 *   https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers
 * - Auth `Authorization: SSWS <token>`; a wrong token → 401 `{errorCode:"E0000011"}`.
 * - Rate limits: every answer carries X-Rate-Limit-Limit/-Remaining/-Reset (epoch seconds); a 429
 *   carries no Retry-After. https://developer.okta.com/docs/reference/rl-best-practices/
 */
import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';

interface FakeOktaUser {
  id: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  status: string;
  created: string;
  lastLogin: string | null;
  sessions: number;
  grants: string[];
  /** client id → refresh tokens held for her. */
  clientTokens: Map<string, number>;
  oauthTokens: number;
}

const P = '/api/v1/users/{id}';
export const OKTA = {
  listUsers: 'GET /api/v1/users',
  getUser: `GET ${P}`,
  sessions: `DELETE ${P}/sessions`,
  grants: `DELETE ${P}/grants`,
  listGrants: `GET ${P}/grants`,
  clients: `GET ${P}/clients`,
  clientTokens: `DELETE ${P}/clients/{clientId}/tokens`,
  deactivate: `POST ${P}/lifecycle/deactivate`,
} as const;

export const oktaFaults = {
  /** 429 with X-Rate-Limit-Reset `seconds` from now, as Okta sends it (no Retry-After). */
  rateLimited: (seconds: number): Fault => ({
    reply: () => ({
      status: 429,
      headers: {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + seconds),
      },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
    }),
  }),
  error: (status: number, errorCode: string, summary = 'refused'): Fault => ({
    reply: () => ({ status, body: { errorCode, errorSummary: summary, errorCauses: [] } }),
  }),
  serverError: (status = 503): Fault => ({ reply: () => ({ status, body: 'upstream unavailable' }) }),
  slow: (delayMs: number): Fault => ({ delayMs }),
};

export class FakeOkta {
  readonly http = new FakeHttpServer('okta');
  readonly apiToken = `00${randomBytes(20).toString('base64url')}`;
  /** A token of an admin whose role may not read users (no okta.users.read): listing is refused. */
  readonly limitedToken = `00${randomBytes(20).toString('base64url')}`;
  readonly #users = new Map<string, FakeOktaUser>();
  /** What happened to whom, with a monotonic time (comparable across fakes in one process). */
  readonly events: { at: number; what: string }[] = [];

  constructor() {
    const s = this.http;
    s.commonHeaders = () => ({
      'x-rate-limit-limit': '600',
      'x-rate-limit-remaining': '599',
      'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 60),
      'x-okta-request-id': randomBytes(8).toString('hex'),
    });
    const authed = (h: (req: FakeRequest, u: FakeOktaUser) => FakeReply) => (req: FakeRequest) => {
      if (req.headers.authorization !== `SSWS ${this.apiToken}`)
        return { status: 401, body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' } };
      const u = this.#find(req.params.id ?? '');
      if (!u)
        return {
          status: 404,
          body: {
            errorCode: 'E0000007',
            errorSummary: `Not found: Resource not found: ${req.params.id} (User)`,
          },
        };
      return h(req, u);
    };
    s.route(OKTA.listUsers, (req) => this.#list(req));
    s.route(
      OKTA.getUser,
      authed((_r, u) => ({ status: 200, body: { id: u.id, status: u.status, profile: { login: u.login } } })),
    );
    s.route(
      OKTA.sessions,
      authed((req, u) => {
        u.sessions = 0;
        if (req.query.get('oauthTokens') === 'true') {
          u.oauthTokens = 0;
          u.clientTokens.clear();
        }
        this.#log(`sessions:${u.login}`);
        return { status: 204 };
      }),
    );
    s.route(
      OKTA.listGrants,
      authed((_r, u) => ({ status: 200, body: u.grants.map((id) => ({ id, status: 'ACTIVE' })) })),
    );
    s.route(
      OKTA.grants,
      authed((_r, u) => {
        u.grants = [];
        return { status: 204 };
      }),
    );
    s.route(
      OKTA.clients,
      authed((_r, u) => ({
        status: 200,
        body: [...u.clientTokens.keys()].map((c) => ({ client_id: c, client_name: c, _links: {} })),
      })),
    );
    s.route(
      OKTA.clientTokens,
      authed((req, u) => {
        u.clientTokens.delete(req.params.clientId ?? '');
        return { status: 204 };
      }),
    );
    s.route(
      OKTA.deactivate,
      authed((_r, u) => {
        if (u.status === 'DEPROVISIONED')
          return { status: 403, body: { errorCode: 'E0000001', errorSummary: 'Api validation failed' } };
        u.status = 'DEPROVISIONED';
        u.sessions = 0;
        this.#log(`deactivate:${u.login}`);
        return { status: 200, body: {} };
      }),
    );
  }

  get url(): string {
    return this.http.baseUrl;
  }
  start = () => this.http.start();
  close = () => this.http.close();

  /** An active user with live sessions, a grant, and a refresh token at one client. */
  addUser(
    login: string,
    opts: {
      sessions?: number;
      status?: string;
      email?: string;
      created?: string;
      lastLogin?: string | null;
    } = {},
  ): string {
    const id = `00u${randomBytes(7).toString('hex')}`;
    const [first = login, last = ''] = login.split('@')[0]?.split('.') ?? [];
    this.#users.set(id, {
      id,
      login,
      email: opts.email ?? login,
      firstName: first,
      lastName: last,
      status: opts.status ?? 'ACTIVE',
      created: opts.created ?? '2024-01-02T03:04:05.000Z',
      lastLogin: opts.lastLogin === undefined ? null : opts.lastLogin,
      sessions: opts.sessions ?? 2,
      grants: [`oag${randomBytes(6).toString('hex')}`],
      clientTokens: new Map([['0oa-client-1', 1]]),
      oauthTokens: 2,
    });
    return id;
  }

  user(idOrLogin: string): Readonly<FakeOktaUser> | undefined {
    return this.#find(idOrLogin);
  }

  inject(route: string, fault: Fault, times = 1): void {
    this.http.inject(route, fault, times);
  }
  calls(route: string): number {
    return this.http.calls(route);
  }

  /** listUsers: `after` is the id of the last user of the previous page (insertion order). */
  #list(req: FakeRequest): FakeReply {
    const token = req.headers.authorization;
    if (token === `SSWS ${this.limitedToken}`)
      return {
        status: 403,
        body: {
          errorCode: 'E0000006',
          errorSummary: 'You do not have permission to perform the requested action',
          errorCauses: [],
        },
      };
    if (token !== `SSWS ${this.apiToken}`)
      return { status: 401, body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' } };
    const limitRaw = req.query.get('limit');
    const limit = limitRaw === null ? 200 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      return { status: 400, body: { errorCode: 'E0000001', errorSummary: 'Api validation failed: limit' } };
    const filter = req.query.get('filter');
    const only = filter === null ? undefined : /^status eq "([A-Z_]+)"$/.exec(filter)?.[1];
    if (filter !== null && only === undefined)
      return { status: 400, body: { errorCode: 'E0000031', errorSummary: 'Invalid search criteria.' } };
    const all = [...this.#users.values()].filter((u) =>
      only === undefined ? u.status !== 'DEPROVISIONED' : u.status === only,
    );
    const after = req.query.get('after');
    const from = after === null ? 0 : all.findIndex((u) => u.id === after) + 1;
    const page = all.slice(from, from + limit);
    const link = (q: URLSearchParams) => `${this.url}/api/v1/users?${q.toString()}`;
    const links = [`<${link(req.query)}>; rel="self"`];
    const last = page.at(-1);
    if (last && from + limit < all.length) {
      const q = new URLSearchParams(req.query);
      q.set('after', last.id);
      q.set('limit', String(limit));
      links.push(`<${link(q)}>; rel="next"`);
    }
    return {
      status: 200,
      headers: { link: links.join(', ') },
      body: page.map((u) => ({
        id: u.id,
        status: u.status,
        created: u.created,
        activated: u.created,
        statusChanged: null,
        lastLogin: u.lastLogin,
        lastUpdated: u.created,
        passwordChanged: null,
        type: { id: 'oty-default' },
        profile: { login: u.login, email: u.email, firstName: u.firstName, lastName: u.lastName },
        credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
        _links: { self: { href: `${this.url}/api/v1/users/${u.id}` } },
      })),
    };
  }

  #find(key: string): FakeOktaUser | undefined {
    return (
      this.#users.get(key) ??
      [...this.#users.values()].find((u) => u.login.toLowerCase() === key.toLowerCase())
    );
  }
  #log(what: string): void {
    this.events.push({ at: performance.now(), what });
  }
}
