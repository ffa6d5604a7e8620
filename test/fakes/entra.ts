/**
 * FAKE Microsoft Entra ID (token endpoint) and Microsoft Graph v1.0 for contract tests — not
 * Microsoft. Stateful, written from the documented API:
 * - `POST /{tenant}/oauth2/v2.0/token` client credentials (form: grant_type, client_id, client_secret,
 *   scope=https://graph.microsoft.com/.default) → `{token_type:"Bearer", expires_in, access_token}`;
 *   bad credentials → 401 `{error:"invalid_client"}`.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * - `GET /v1.0/users/{id | userPrincipalName}` (`$select`) → the user; 404 `{error:{code:"Request_ResourceNotFound"}}`.
 * - `POST /v1.0/users/{id}/revokeSignInSessions` → 200 `{value:true}`; sessions and refresh tokens die.
 *   https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions
 * - `PATCH /v1.0/users/{id}` `{accountEnabled}` → 204. https://learn.microsoft.com/en-us/graph/api/user-update
 * - `GET /v1.0/applications/{id}` / `servicePrincipals/{id}` → `{passwordCredentials:[{keyId,…}]}`;
 *   `POST …/removePassword` `{keyId}` → 204.
 *   https://learn.microsoft.com/en-us/graph/api/application-removepassword
 * - Bearer token required on Graph (401 `InvalidAuthenticationToken`); throttling 429 + Retry-After.
 *   https://learn.microsoft.com/en-us/graph/throttling
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';

interface FakeEntraUser {
  id: string;
  upn: string;
  accountEnabled: boolean;
  sessions: number;
  signInSessionsValidFrom: string;
}

const G = '/v1.0';
export const ENTRA = {
  token: 'POST /{tenant}/oauth2/v2.0/token',
  getUser: `GET ${G}/users/{id}`,
  revokeSessions: `POST ${G}/users/{id}/revokeSignInSessions`,
  patchUser: `PATCH ${G}/users/{id}`,
  getApp: `GET ${G}/applications/{id}`,
  appRemovePassword: `POST ${G}/applications/{id}/removePassword`,
  getSp: `GET ${G}/servicePrincipals/{id}`,
  spRemovePassword: `POST ${G}/servicePrincipals/{id}/removePassword`,
} as const;

const graphError = (status: number, code: string): FakeReply => ({
  status,
  headers: { 'request-id': randomUUID() },
  body: { error: { code, message: code, innerError: { 'request-id': randomUUID() } } },
});

export const entraFaults = {
  throttled: (retryAfterSec: number): Fault => ({
    reply: () => ({
      ...graphError(429, 'TooManyRequests'),
      headers: { 'retry-after': String(retryAfterSec) },
    }),
  }),
  error: (status: number, code: string): Fault => ({ reply: () => graphError(status, code) }),
  serverError: (status = 503): Fault => ({ reply: () => graphError(status, 'serviceNotAvailable') }),
};

export class FakeEntra {
  readonly http = new FakeHttpServer('entra');
  readonly tenantId = randomUUID();
  readonly clientId = randomUUID();
  readonly clientSecret = `Q~${randomBytes(24).toString('base64url')}`;
  readonly #tokens = new Set<string>();
  readonly #users = new Map<string, FakeEntraUser>();
  readonly #objects = new Map<string, { kind: 'applications' | 'servicePrincipals'; keyIds: string[] }>();
  readonly events: { at: number; what: string }[] = [];
  tokensIssued = 0;

  constructor() {
    const s = this.http;
    s.route(ENTRA.token, (req) => {
      const b = req.body;
      if (
        req.params.tenant !== this.tenantId ||
        b.grant_type !== 'client_credentials' ||
        b.client_id !== this.clientId ||
        b.client_secret !== this.clientSecret
      )
        return {
          status: 401,
          body: {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          },
        };
      if (b.scope !== 'https://graph.microsoft.com/.default')
        return { status: 400, body: { error: 'invalid_scope' } };
      const token = `eyJ0eXAi.${randomBytes(24).toString('base64url')}`;
      this.#tokens.add(token);
      this.tokensIssued++;
      return {
        status: 200,
        body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token },
      };
    });
    const authed = (h: (req: FakeRequest) => FakeReply) => (req: FakeRequest) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !this.#tokens.has(token)) return graphError(401, 'InvalidAuthenticationToken');
      return h(req);
    };
    const withUser = (h: (req: FakeRequest, u: FakeEntraUser) => FakeReply) =>
      authed((req) => {
        const u = this.#findUser(req.params.id ?? '');
        return u ? h(req, u) : graphError(404, 'Request_ResourceNotFound');
      });
    s.route(
      ENTRA.getUser,
      withUser((_r, u) => ({
        status: 200,
        body: {
          id: u.id,
          userPrincipalName: u.upn,
          accountEnabled: u.accountEnabled,
          signInSessionsValidFromDateTime: u.signInSessionsValidFrom,
        },
      })),
    );
    s.route(
      ENTRA.revokeSessions,
      withUser((_r, u) => {
        u.sessions = 0;
        u.signInSessionsValidFrom = new Date().toISOString();
        this.events.push({ at: performance.now(), what: `sessions:${u.upn}` });
        return {
          status: 200,
          body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true },
        };
      }),
    );
    s.route(
      ENTRA.patchUser,
      withUser((req, u) => {
        if (typeof req.body.accountEnabled === 'boolean') u.accountEnabled = req.body.accountEnabled;
        if (!u.accountEnabled) this.events.push({ at: performance.now(), what: `disable:${u.upn}` });
        return { status: 204 };
      }),
    );
    for (const kind of ['applications', 'servicePrincipals'] as const) {
      const get = kind === 'applications' ? ENTRA.getApp : ENTRA.getSp;
      const remove = kind === 'applications' ? ENTRA.appRemovePassword : ENTRA.spRemovePassword;
      const withObject = (h: (req: FakeRequest, o: { keyIds: string[] }) => FakeReply) =>
        authed((req) => {
          const o = this.#objects.get(req.params.id ?? '');
          return o && o.kind === kind ? h(req, o) : graphError(404, 'Request_ResourceNotFound');
        });
      s.route(
        get,
        withObject((req, o) => ({
          status: 200,
          body: {
            id: req.params.id,
            passwordCredentials: o.keyIds.map((keyId) => ({ keyId, displayName: 'ci', hint: 'Q~x' })),
          },
        })),
      );
      s.route(
        remove,
        withObject((req, o) => {
          const keyId = req.body.keyId;
          if (typeof keyId !== 'string' || !o.keyIds.includes(keyId))
            return graphError(400, 'Request_BadRequest');
          o.keyIds = o.keyIds.filter((k) => k !== keyId);
          return { status: 204 };
        }),
      );
    }
  }

  get authorityUrl(): string {
    return `${this.http.baseUrl}/`;
  }
  get graphUrl(): string {
    return `${this.http.baseUrl}/v1.0/`;
  }
  start = () => this.http.start();
  close = () => this.http.close();

  addUser(upn: string, sessions = 2): string {
    const id = randomUUID();
    this.#users.set(id, {
      id,
      upn,
      accountEnabled: true,
      sessions,
      signInSessionsValidFrom: '2026-01-01T00:00:00Z',
    });
    return id;
  }
  user(idOrUpn: string): Readonly<FakeEntraUser> | undefined {
    return this.#findUser(idOrUpn);
  }
  /** An application (or service principal) with one client secret; returns `objectId:keyId`. */
  addPassword(kind: 'applications' | 'servicePrincipals'): string {
    const objectId = randomUUID();
    const keyId = randomUUID();
    this.#objects.set(objectId, { kind, keyIds: [keyId] });
    return `${objectId}:${keyId}`;
  }
  hasPassword(ref: string): boolean {
    const [objectId = '', keyId = ''] = ref.split(':');
    return this.#objects.get(objectId)?.keyIds.includes(keyId) ?? false;
  }
  inject(route: string, fault: Fault, times = 1): void {
    this.http.inject(route, fault, times);
  }
  calls(route: string): number {
    return this.http.calls(route);
  }
  #findUser(key: string): FakeEntraUser | undefined {
    return (
      this.#users.get(key) ?? [...this.#users.values()].find((u) => u.upn.toLowerCase() === key.toLowerCase())
    );
  }
}
