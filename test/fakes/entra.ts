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
 * - Lists, paged (`$top`, capped at `pageSize`; `@odata.nextLink` with an opaque `$skiptoken`),
 *   `$select` honoured: `GET /v1.0/users` (needs User.Read.All), `GET /v1.0/applications` and
 *   `GET /v1.0/servicePrincipals` (need Application.Read.All) with `passwordCredentials`
 *   `{keyId, displayName, startDateTime, endDateTime, hint, secretText: null}` — a secret's value is
 *   never returned on a read. A permission `deny`'d answers 403 `Authorization_RequestDenied`.
 *   https://learn.microsoft.com/en-us/graph/api/user-list https://learn.microsoft.com/en-us/graph/paging
 *   https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential
 * - Bearer token required on Graph (401 `InvalidAuthenticationToken`); throttling 429 + Retry-After.
 *   https://learn.microsoft.com/en-us/graph/throttling
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';

interface FakeEntraUser {
  id: string;
  upn: string;
  mail: string | null;
  displayName: string | null;
  createdDateTime: string;
  accountEnabled: boolean;
  sessions: number;
  signInSessionsValidFrom: string;
}

interface FakePassword {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  /** The value addPassword would have answered once; a read never returns it. */
  secretText: string;
}

interface FakeDirectoryObject {
  kind: 'applications' | 'servicePrincipals';
  appId: string;
  displayName: string;
  passwords: FakePassword[];
}

export type EntraPermission = 'User.Read.All' | 'Application.Read.All';

const G = '/v1.0';
export const ENTRA = {
  token: 'POST /{tenant}/oauth2/v2.0/token',
  listUsers: `GET ${G}/users`,
  listApps: `GET ${G}/applications`,
  listSps: `GET ${G}/servicePrincipals`,
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
  readonly #objects = new Map<string, FakeDirectoryObject>();
  readonly #denied = new Set<EntraPermission>();
  readonly events: { at: number; what: string }[] = [];
  tokensIssued = 0;
  /** The most a list page holds, whatever `$top` asks (Graph may answer fewer than `$top`). */
  pageSize = 100;

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
      ENTRA.listUsers,
      authed((req) =>
        this.#list(req, 'User.Read.All', [...this.#users.values()], (u) => ({
          id: u.id,
          userPrincipalName: u.upn,
          mail: u.mail,
          displayName: u.displayName,
          accountEnabled: u.accountEnabled,
          createdDateTime: u.createdDateTime,
        })),
      ),
    );
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
      s.route(
        kind === 'applications' ? ENTRA.listApps : ENTRA.listSps,
        authed((req) =>
          this.#list(
            req,
            'Application.Read.All',
            [...this.#objects.entries()].filter(([, o]) => o.kind === kind),
            ([id, o]) => ({
              id,
              appId: o.appId,
              displayName: o.displayName,
              passwordCredentials: o.passwords.map(passwordView),
            }),
          ),
        ),
      );
      const remove = kind === 'applications' ? ENTRA.appRemovePassword : ENTRA.spRemovePassword;
      const withObject = (h: (req: FakeRequest, o: FakeDirectoryObject) => FakeReply) =>
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
            passwordCredentials: o.passwords.map(passwordView),
          },
        })),
      );
      s.route(
        remove,
        withObject((req, o) => {
          const keyId = req.body.keyId;
          if (typeof keyId !== 'string' || !o.passwords.some((p) => p.keyId === keyId))
            return graphError(400, 'Request_BadRequest');
          o.passwords = o.passwords.filter((p) => p.keyId !== keyId);
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

  addUser(
    upn: string,
    sessions = 2,
    opts: { mail?: string | null; displayName?: string; enabled?: boolean } = {},
  ): string {
    const id = randomUUID();
    this.#users.set(id, {
      id,
      upn,
      mail: opts.mail === undefined ? upn : opts.mail,
      displayName: opts.displayName ?? null,
      createdDateTime: '2025-03-01T09:30:00Z',
      accountEnabled: opts.enabled ?? true,
      sessions,
      signInSessionsValidFrom: '2026-01-01T00:00:00Z',
    });
    return id;
  }
  user(idOrUpn: string): Readonly<FakeEntraUser> | undefined {
    return this.#findUser(idOrUpn);
  }
  /** An application (or service principal) with one client secret; returns `objectId:keyId`. */
  addPassword(
    kind: 'applications' | 'servicePrincipals',
    opts: { displayName?: string; secretName?: string; start?: string; end?: string } = {},
  ): string {
    const objectId = randomUUID();
    this.#objects.set(objectId, {
      kind,
      appId: randomUUID(),
      displayName: opts.displayName ?? `${kind} ${objectId.slice(0, 8)}`,
      passwords: [],
    });
    return this.addPasswordTo(objectId, opts);
  }
  /** Another client secret on an existing object; returns `objectId:keyId`. */
  addPasswordTo(objectId: string, opts: { secretName?: string; start?: string; end?: string } = {}): string {
    const o = this.#objects.get(objectId);
    if (!o) throw new Error(`fake entra: no object ${objectId}`);
    const keyId = randomUUID();
    o.passwords.push({
      keyId,
      displayName: opts.secretName ?? 'ci',
      startDateTime: opts.start ?? '2026-01-01T00:00:00Z',
      endDateTime: opts.end ?? '2027-01-01T00:00:00Z',
      secretText: `Q~${randomBytes(30).toString('base64url')}`,
    });
    return `${objectId}:${keyId}`;
  }
  /** An object with no client secret (most service principals: Microsoft's own apps). */
  addObject(kind: 'applications' | 'servicePrincipals', displayName: string): string {
    const objectId = randomUUID();
    this.#objects.set(objectId, { kind, appId: randomUUID(), displayName, passwords: [] });
    return objectId;
  }
  hasPassword(ref: string): boolean {
    const [objectId = '', keyId = ''] = ref.split(':');
    return this.#objects.get(objectId)?.passwords.some((p) => p.keyId === keyId) ?? false;
  }
  /** The secret value of `objectId:keyId`, for tests that check it never leaves the fake. */
  secretOf(ref: string): string | undefined {
    const [objectId = '', keyId = ''] = ref.split(':');
    return this.#objects.get(objectId)?.passwords.find((p) => p.keyId === keyId)?.secretText;
  }
  /** The app registration loses (or regains) an application permission: its lists answer 403. */
  deny(permission: EntraPermission, denied = true): void {
    if (denied) this.#denied.add(permission);
    else this.#denied.delete(permission);
  }
  inject(route: string, fault: Fault, times = 1): void {
    this.http.inject(route, fault, times);
  }
  calls(route: string): number {
    return this.http.calls(route);
  }
  /** One page of `items` (`$top`, `$skiptoken` = the offset, opaque to clients), `$select`ed. */
  #list<T>(
    req: FakeRequest,
    permission: EntraPermission,
    items: T[],
    view: (item: T) => Record<string, unknown>,
  ): FakeReply {
    if (this.#denied.has(permission)) return graphError(403, 'Authorization_RequestDenied');
    const top = Number(req.query.get('$top') ?? '100');
    if (!Number.isInteger(top) || top < 1 || top > 999) return graphError(400, 'Request_BadRequest');
    const token = req.query.get('$skiptoken');
    const from = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString());
    if (!Number.isInteger(from) || from < 0) return graphError(400, 'Request_BadRequest');
    const size = Math.min(top, this.pageSize);
    const select = req.query.get('$select')?.split(',');
    const value = items.slice(from, from + size).map((item) => {
      const all = view(item);
      return select ? Object.fromEntries(select.filter((k) => k in all).map((k) => [k, all[k]])) : all;
    });
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${req.path.split('/').pop() ?? ''}`,
      value,
    };
    if (from + size < items.length) {
      const next = new URLSearchParams(req.query);
      next.set('$skiptoken', Buffer.from(String(from + size)).toString('base64url'));
      body['@odata.nextLink'] = `${this.http.baseUrl}${req.path}?${next.toString()}`;
    }
    return { status: 200, headers: { 'request-id': randomUUID() }, body };
  }
  #findUser(key: string): FakeEntraUser | undefined {
    return (
      this.#users.get(key) ?? [...this.#users.values()].find((u) => u.upn.toLowerCase() === key.toLowerCase())
    );
  }
}

/** A password credential as Graph reads it: `hint` is its first three characters, never the value. */
function passwordView(p: FakePassword): Record<string, unknown> {
  return {
    keyId: p.keyId,
    displayName: p.displayName,
    startDateTime: p.startDateTime,
    endDateTime: p.endDateTime,
    hint: p.secretText.slice(0, 3),
    secretText: null,
    customKeyIdentifier: null,
  };
}
