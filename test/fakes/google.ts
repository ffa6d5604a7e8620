/**
 * FAKE Google OAuth token endpoint, Admin SDK Directory API and IAM service-account keys API for
 * contract tests — not Google. Stateful, written from the documented API:
 * - `POST /token` JWT bearer grant (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer,
 *   assertion = RS256 JWT with iss, scope, aud = the token URL, iat, exp ≤ 1 h, optional sub for
 *   domain-wide delegation) → `{access_token, expires_in, token_type}`; a bad signature, issuer or
 *   audience → 400 `{error:"invalid_grant"}`; a subject without delegation → 401 `unauthorized_client`.
 *   https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 * - Directory (`/admin/directory/v1`): `GET|PATCH users/{userKey}` (primary email, alias or id),
 *   `POST users/{userKey}/signOut` (204), `GET users/{userKey}/tokens` (`{items:[{clientId}]}`),
 *   `DELETE users/{userKey}/tokens/{clientId}`, `GET users/{userKey}/asps` (`{items:[{codeId}]}`),
 *   `DELETE users/{userKey}/asps/{codeId}`; 404 `{error:{code:404, errors:[{reason:"notFound"}]}}`.
 *   `GET users?customer=my_customer&maxResults=N&pageToken=…` (N 1..500, default 100; scope
 *   admin.directory.user(.readonly)) → `{kind, users:[{id, primaryEmail, name, suspended, isAdmin,
 *   creationTime, lastLoginTime}], nextPageToken}` (no `users` when empty, no token on the last
 *   page); a subject whose admin role may not read users → 403 `insufficientPermissions`.
 *   https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list
 *   https://developers.google.com/workspace/admin/directory/reference/rest
 * - IAM (`/v1`): `GET projects/{p}/serviceAccounts/{email}/keys/{keyId}` (`{name, disabled}`),
 *   `POST …/keys/{keyId}:disable` (200 `{}`), `DELETE …/keys/{keyId}` (200 `{}`); `projects/-` resolves
 *   the project from the account's email. https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys
 * - IAM lists: `GET projects/{p}/serviceAccounts?pageSize&pageToken` (`{accounts:[{name, email,
 *   uniqueId, displayName, description, disabled}], nextPageToken}`, pageSize ≤ 100, default 20) and
 *   `GET projects/{p}/serviceAccounts/{email}/keys?keyTypes=USER_MANAGED|SYSTEM_MANAGED` (`{keys:[{name,
 *   validAfterTime, validBeforeTime, keyAlgorithm, keyOrigin, keyType, disabled}]}`, never key material,
 *   not paged). A caller `deny`-ed a permission gets 403 `PERMISSION_DENIED`.
 *   https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/list
 *   https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
 * - Quota: 429 with Retry-After, or 403 `userRateLimitExceeded`.
 *   https://developers.google.com/workspace/admin/directory/v1/limits
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';

interface FakeGoogleUser {
  id: string;
  email: string;
  suspended: boolean;
  isAdmin: boolean;
  creationTime: string;
  /** `1970-01-01T00:00:00.000Z` when never signed in, as Google answers it. */
  lastLoginTime: string;
  sessions: number;
  tokens: string[];
  asps: number[];
}

const D = '/admin/directory/v1/users/{userKey}';
const A = '/v1/projects/{project}/serviceAccounts';
const K = `${A}/{email}/keys/{key}`;
export const GOOGLE = {
  token: 'POST /token',
  listUsers: 'GET /admin/directory/v1/users',
  getUser: `GET ${D}`,
  patchUser: `PATCH ${D}`,
  signOut: `POST ${D}/signOut`,
  listTokens: `GET ${D}/tokens`,
  deleteToken: `DELETE ${D}/tokens/{clientId}`,
  listAsps: `GET ${D}/asps`,
  deleteAsp: `DELETE ${D}/asps/{codeId}`,
  getKey: `GET ${K}`,
  /** `…/keys/{keyId}:disable`: the route template captures `keyId:disable` as `key`. */
  disableKey: `POST ${K}`,
  deleteKey: `DELETE ${K}`,
  listAccounts: `GET ${A}`,
  listKeys: `GET ${A}/{email}/keys`,
} as const;

/** IAM's "no expiry" (a key created without an expiry). */
export const GOOGLE_NO_EXPIRY = '9999-12-31T23:59:59Z';

interface FakeKey {
  project: string;
  disabled: boolean;
  keyType: 'USER_MANAGED' | 'SYSTEM_MANAGED';
  validAfterTime: string;
  validBeforeTime: string;
}

interface FakeAccount {
  project: string;
  uniqueId: string;
  displayName: string;
  description: string;
  disabled: boolean;
}

const googleError = (
  code: number,
  reason: string,
  status = 'FAILED_PRECONDITION',
  message = reason,
): FakeReply => ({
  status: code,
  body: { error: { code, message, status, errors: [{ message, domain: 'global', reason }] } },
});

export const googleFaults = {
  rateLimited: (retryAfterSec: number): Fault => ({
    reply: () => ({
      ...googleError(429, 'rateLimitExceeded', 'RESOURCE_EXHAUSTED'),
      headers: { 'retry-after': String(retryAfterSec) },
    }),
  }),
  userRateLimited: (): Fault => ({
    reply: () => googleError(403, 'userRateLimitExceeded', 'PERMISSION_DENIED'),
  }),
  error: (code: number, reason: string): Fault => ({ reply: () => googleError(code, reason) }),
  serverError: (code = 503): Fault => ({ reply: () => googleError(code, 'backendError', 'UNAVAILABLE') }),
};

export interface FakeServiceAccount {
  email: string;
  /** The JSON key file, as a secret setting would hold it. */
  keyJson: string;
  privateKeyId: string;
}

export class FakeGoogle {
  readonly http = new FakeHttpServer('google');
  readonly #accounts = new Map<string, { publicKey: KeyObject; delegation: boolean }>();
  readonly #tokens = new Map<string, { sub: string; scopes: string[] }>();
  readonly #users = new Map<string, FakeGoogleUser>();
  /** project → email → keyId → disabled */
  readonly #keys = new Map<string, FakeKey>();
  /** Service accounts as IAM lists them (email → account); the callers' own ones are here too. */
  readonly #listed = new Map<string, FakeAccount>();
  /** caller email → IAM permissions it lacks. */
  readonly #denied = new Map<string, Set<string>>();
  /** Admins (delegation subjects) whose role may not read users: users.list answers 403. */
  readonly #cannotList = new Set<string>();
  readonly events: { at: number; what: string }[] = [];
  tokensIssued = 0;

  constructor() {
    const s = this.http;
    s.route(GOOGLE.token, (req) => this.#token(req));
    const authed = (scope: string, h: (req: FakeRequest) => FakeReply) => (req: FakeRequest) => {
      const t = this.#tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (!t) return googleError(401, 'authError', 'UNAUTHENTICATED');
      if (!t.scopes.some((x) => x.endsWith(scope)))
        return googleError(403, 'insufficientPermissions', 'PERMISSION_DENIED');
      return h(req);
    };
    const withUser = (scope: string, h: (req: FakeRequest, u: FakeGoogleUser) => FakeReply) =>
      authed(scope, (req) => {
        const u = this.user(req.params.userKey ?? '');
        return u ? h(req, u as FakeGoogleUser) : googleError(404, 'notFound', 'NOT_FOUND');
      });
    s.route(GOOGLE.listUsers, (req) => {
      const t = this.#tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (!t) return googleError(401, 'authError', 'UNAUTHENTICATED');
      const read = ['admin.directory.user', 'admin.directory.user.readonly'];
      if (!t.scopes.some((x) => read.some((r) => x.endsWith(`/auth/${r}`))) || this.#cannotList.has(t.sub))
        return googleError(403, 'insufficientPermissions', 'PERMISSION_DENIED');
      if (req.query.get('customer') !== 'my_customer')
        return googleError(400, 'badRequest', 'INVALID_ARGUMENT');
      const max = Number(req.query.get('maxResults') ?? '100');
      if (!Number.isInteger(max) || max < 1 || max > 500)
        return googleError(400, 'invalid', 'INVALID_ARGUMENT');
      const token = req.query.get('pageToken');
      const from = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
      if (!Number.isInteger(from) || from < 0) return googleError(400, 'badRequest', 'INVALID_ARGUMENT');
      const all = [...this.#users.values()];
      const page = all.slice(from, from + max);
      const next =
        from + max < all.length ? Buffer.from(String(from + max)).toString('base64url') : undefined;
      return {
        status: 200,
        body: {
          kind: 'admin#directory#users',
          etag: '"fake"',
          ...(page.length > 0
            ? {
                users: page.map((u) => ({
                  ...userBody(u),
                  name: { fullName: u.email.split('@')[0] },
                  isAdmin: u.isAdmin,
                  isDelegatedAdmin: false,
                  creationTime: u.creationTime,
                  lastLoginTime: u.lastLoginTime,
                  archived: false,
                  customerId: 'C0fake',
                })),
              }
            : {}),
          ...(next ? { nextPageToken: next } : {}),
        },
      };
    });
    const userBody = (u: FakeGoogleUser) => ({
      kind: 'admin#directory#user',
      id: u.id,
      primaryEmail: u.email,
      suspended: u.suspended,
    });
    s.route(
      GOOGLE.getUser,
      withUser('admin.directory.user', (_r, u) => ({ status: 200, body: userBody(u) })),
    );
    s.route(
      GOOGLE.patchUser,
      withUser('admin.directory.user', (req, u) => {
        if (typeof req.body.suspended === 'boolean') u.suspended = req.body.suspended;
        if (u.suspended) this.events.push({ at: performance.now(), what: `suspend:${u.email}` });
        return { status: 200, body: userBody(u) };
      }),
    );
    s.route(
      GOOGLE.signOut,
      withUser('admin.directory.user.security', (_r, u) => {
        u.sessions = 0;
        this.events.push({ at: performance.now(), what: `sessions:${u.email}` });
        return { status: 204 };
      }),
    );
    s.route(
      GOOGLE.listTokens,
      withUser('admin.directory.user.security', (_r, u) => ({
        status: 200,
        body: {
          kind: 'admin#directory#tokenList',
          items: u.tokens.map((clientId) => ({ kind: 'admin#directory#token', clientId, scopes: ['email'] })),
        },
      })),
    );
    s.route(
      GOOGLE.deleteToken,
      withUser('admin.directory.user.security', (req, u) => {
        if (!u.tokens.includes(req.params.clientId ?? '')) return googleError(404, 'notFound', 'NOT_FOUND');
        u.tokens = u.tokens.filter((t) => t !== req.params.clientId);
        return { status: 204 };
      }),
    );
    s.route(
      GOOGLE.listAsps,
      withUser('admin.directory.user.security', (_r, u) => ({
        status: 200,
        body: {
          kind: 'admin#directory#asps',
          items: u.asps.map((codeId) => ({ kind: 'admin#directory#asp', codeId, name: 'mail' })),
        },
      })),
    );
    s.route(
      GOOGLE.deleteAsp,
      withUser('admin.directory.user.security', (req, u) => {
        const code = Number(req.params.codeId);
        if (!u.asps.includes(code)) return googleError(404, 'notFound', 'NOT_FOUND');
        u.asps = u.asps.filter((a) => a !== code);
        return { status: 204 };
      }),
    );
    const may = (permission: string, h: (req: FakeRequest) => FakeReply) =>
      authed('cloud-platform', (req) => {
        const t = this.#tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (this.#denied.get(t?.sub ?? '')?.has(permission))
          return googleError(403, 'forbidden', 'PERMISSION_DENIED', `Permission '${permission}' denied`);
        return h(req);
      });
    s.route(
      GOOGLE.listAccounts,
      may('iam.serviceAccounts.list', (req) => {
        const size = Number(req.query.get('pageSize') ?? '20');
        if (!Number.isInteger(size) || size < 1 || size > 100)
          return googleError(400, 'badRequest', 'INVALID_ARGUMENT');
        const all = [...this.#listed].filter(([, a]) => a.project === req.params.project);
        const from = Number(req.query.get('pageToken') ?? '0');
        const page = all.slice(from, from + size);
        const next = from + size < all.length ? String(from + size) : undefined;
        return {
          status: 200,
          body: {
            accounts: page.map(([email, a]) => ({
              name: `projects/${a.project}/serviceAccounts/${email}`,
              projectId: a.project,
              uniqueId: a.uniqueId,
              email,
              displayName: a.displayName,
              description: a.description,
              disabled: a.disabled,
            })),
            ...(next ? { nextPageToken: next } : {}),
          },
        };
      }),
    );
    s.route(
      GOOGLE.listKeys,
      may('iam.serviceAccountKeys.list', (req) => {
        const email = req.params.email ?? '';
        const a = this.#listed.get(email);
        if (!a || (req.params.project !== '-' && req.params.project !== a.project))
          return googleError(404, 'notFound', 'NOT_FOUND');
        const types = req.query.getAll('keyTypes');
        const keys = [...this.#keys]
          .filter(
            ([id, k]) => id.startsWith(`${email}/`) && (types.length === 0 || types.includes(k.keyType)),
          )
          .map(([id, k]) => ({
            name: `projects/${k.project}/serviceAccounts/${id.replace('/', '/keys/')}`,
            validAfterTime: k.validAfterTime,
            validBeforeTime: k.validBeforeTime,
            keyAlgorithm: 'KEY_ALG_RSA_2048',
            keyOrigin: k.keyType === 'USER_MANAGED' ? 'GOOGLE_PROVIDED' : 'ORIGIN_UNSPECIFIED',
            keyType: k.keyType,
            disabled: k.disabled,
          }));
        return { status: 200, body: { keys } };
      }),
    );
    const withKey = (
      h: (req: FakeRequest, k: FakeKey, keyId: string, verb: string | undefined) => FakeReply,
    ) =>
      authed('cloud-platform', (req) => {
        const [keyId = '', verb] = (req.params.key ?? '').split(':');
        const k = this.#keys.get(`${req.params.email}/${keyId}`);
        if (!k || (req.params.project !== '-' && req.params.project !== k.project))
          return { status: 404, body: { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } } };
        return h(req, k, keyId, verb);
      });
    s.route(
      GOOGLE.getKey,
      withKey((req, k, keyId) => ({
        status: 200,
        body: {
          name: `projects/${k.project}/serviceAccounts/${req.params.email}/keys/${keyId}`,
          disabled: k.disabled,
          keyType: 'USER_MANAGED',
        },
      })),
    );
    s.route(
      GOOGLE.disableKey,
      withKey((_req, k, _id, verb) => {
        if (verb !== 'disable') return googleError(404, 'notFound', 'NOT_FOUND');
        k.disabled = true;
        return { status: 200, body: {} };
      }),
    );
    s.route(
      GOOGLE.deleteKey,
      withKey((req, _k, keyId) => {
        this.#keys.delete(`${req.params.email}/${keyId}`);
        return { status: 200, body: {} };
      }),
    );
  }

  get tokenUrl(): string {
    return `${this.http.baseUrl}/token`;
  }
  get directoryUrl(): string {
    return `${this.http.baseUrl}/admin/directory/v1/`;
  }
  get iamUrl(): string {
    return `${this.http.baseUrl}/v1/`;
  }
  start = () => this.http.start();
  close = () => this.http.close();

  /** A service account with a fresh RSA key; `delegation` allows it to act as Workspace users. */
  addServiceAccount(project: string, delegation = true): FakeServiceAccount {
    // node:crypto here, jose in the adapter: the signature is checked by an independent implementation.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = `sa-${randomBytes(4).toString('hex')}@${project}.iam.gserviceaccount.com`;
    const privateKeyId = randomBytes(20).toString('hex');
    this.#accounts.set(email, { publicKey, delegation });
    this.#ensureListed(project, email);
    const keyJson = JSON.stringify({
      type: 'service_account',
      project_id: project,
      private_key_id: privateKeyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(this.#accounts.size)),
      token_uri: 'https://oauth2.googleapis.com/token',
    });
    return { email, keyJson, privateKeyId };
  }

  addUser(
    email: string,
    opts: { suspended?: boolean; isAdmin?: boolean; creationTime?: string; lastLoginTime?: string } = {},
  ): string {
    const id = String(100000000000000 + this.#users.size + 1);
    this.#users.set(id, {
      id,
      email,
      suspended: opts.suspended ?? false,
      isAdmin: opts.isAdmin ?? false,
      creationTime: opts.creationTime ?? '2024-01-02T03:04:05.000Z',
      lastLoginTime: opts.lastLoginTime ?? '1970-01-01T00:00:00.000Z',
      sessions: 2,
      tokens: ['client-a.apps.googleusercontent.com'],
      asps: [101],
    });
    return id;
  }
  user(key: string): Readonly<FakeGoogleUser> | undefined {
    return (
      this.#users.get(key) ??
      [...this.#users.values()].find((u) => u.email.toLowerCase() === key.toLowerCase())
    );
  }
  /** The admin `subject` loses the privilege to read users: users.list answers it 403. */
  denyUserListing(subject: string): void {
    this.#cannotList.add(subject);
  }
  /**
   * A key of a service account in `project` (user-managed unless said); returns its key id. The
   * account is created in the listing if it is not there yet.
   */
  addKey(project: string, email: string, opts: Partial<Omit<FakeKey, 'project'>> = {}): string {
    const keyId = randomBytes(20).toString('hex');
    this.addKeyWithId(project, email, keyId, opts);
    return keyId;
  }
  /** A key whose id is given (the `private_key_id` of a key file made by addServiceAccount). */
  addKeyWithId(
    project: string,
    email: string,
    keyId: string,
    opts: Partial<Omit<FakeKey, 'project'>> = {},
  ): void {
    this.#ensureListed(project, email);
    this.#keys.set(`${email}/${keyId}`, {
      project,
      disabled: false,
      keyType: 'USER_MANAGED',
      validAfterTime: '2024-01-02T03:04:05Z',
      validBeforeTime: GOOGLE_NO_EXPIRY,
      ...opts,
    });
  }
  /** A service account as IAM lists it (no key of its own to authenticate with). */
  addListedAccount(project: string, email: string, opts: Partial<Omit<FakeAccount, 'project'>> = {}): void {
    this.#ensureListed(project, email);
    Object.assign(this.#listed.get(email) ?? {}, opts);
  }
  /** The service account `caller` lacks an IAM permission: calls needing it answer 403. */
  deny(caller: string, permission: string): void {
    const set = this.#denied.get(caller) ?? new Set<string>();
    set.add(permission);
    this.#denied.set(caller, set);
  }
  #ensureListed(project: string, email: string): void {
    if (this.#listed.has(email)) return;
    this.#listed.set(email, {
      project,
      uniqueId: String(110000000000000000000n + BigInt(this.#listed.size)),
      displayName: email.split('@')[0] ?? email,
      description: '',
      disabled: false,
    });
  }
  key(email: string, keyId: string): { disabled: boolean } | undefined {
    return this.#keys.get(`${email}/${keyId}`);
  }
  inject(route: string, fault: Fault, times = 1): void {
    this.http.inject(route, fault, times);
  }
  calls(route: string): number {
    return this.http.calls(route);
  }

  #token(req: FakeRequest): FakeReply {
    const invalid = (why: string): FakeReply => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: why },
    });
    if (req.body.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const parts = String(req.body.assertion ?? '').split('.');
    if (parts.length !== 3) return invalid('Invalid JWT');
    const [h = '', p = '', sig = ''] = parts;
    let header: { alg?: string };
    let claims: { iss?: string; aud?: string; scope?: string; sub?: string; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return invalid('Invalid JWT');
    }
    const account = this.#accounts.get(claims.iss ?? '');
    if (header.alg !== 'RS256' || !account) return invalid('Invalid issuer');
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), account.publicKey, Buffer.from(sig, 'base64url')))
      return invalid('Invalid JWT Signature.');
    const nowS = Date.now() / 1000;
    if (claims.aud !== this.tokenUrl) return invalid('Invalid audience');
    if (
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number' ||
      claims.exp - claims.iat > 3600 ||
      claims.exp < nowS
    )
      return invalid('Invalid JWT: Token must be a short-lived token (60 minutes)');
    const sub = claims.sub ?? claims.iss ?? '';
    if (sub !== claims.iss && !account.delegation)
      return {
        status: 401,
        body: {
          error: 'unauthorized_client',
          error_description: 'Client is unauthorized to retrieve access tokens using this method',
        },
      };
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, { sub, scopes: (claims.scope ?? '').split(' ') });
    this.tokensIssued++;
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
  }
}
