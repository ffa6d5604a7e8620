/**
 * FAKE GitHub REST API for contract tests — not GitHub. Stateful and written from the documented
 * behaviour (docs.github.com REST reference, /work/shared/reference/providers.md §1.1): a revoked
 * token stops working, a deleted key is gone, a removed member is no longer a member. Per-route call
 * counters and fault injection (429 + Retry-After, secondary and primary rate limits, 5xx, slow
 * answers, a 422 that echoes the request body as GitHub validation errors can) come from FakeHttpServer.
 * Every request and reply is checked against GitHub's OpenAPI description (github-openapi.ts): a
 * breach answers 500 and fails the test when the fake is closed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as bodies from './github-bodies.js';
import { ROUTES } from './github-faults.js';
import { githubContract } from './github-openapi.js';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';

export { githubFaults, ROUTES } from './github-faults.js';

export type TokenPrefix = 'ghp_' | 'github_pat_' | 'gho_' | 'ghu_' | 'ghr_' | 'ghs_';

interface FakeToken {
  login: string;
  live: boolean;
  prefix: TokenPrefix;
  /** Org/repo admin rights (deploy keys, members, SAML, alerts). */
  admin: boolean;
  /** OAuth / GitHub App client that issued the token. */
  clientId?: string | undefined;
  /** A classic token's OAuth scopes (`read:org`, `admin:org`, `repo`); undefined: not restricted. */
  scopes?: readonly string[] | undefined;
}

/** GitHub's scope hierarchy: a scope grants the ones under it. */
const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
};

export class FakeGithub {
  readonly http = new FakeHttpServer('github', githubContract());
  readonly #tokens = new Map<string, FakeToken>();
  readonly #deployKeys = new Map<string, bodies.DeployKeyState>();
  readonly #repos = new Map<string, Set<string>>();
  readonly #memberships = new Map<string, Map<string, 'active' | 'pending'>>();
  readonly #owners = new Map<string, Set<string>>();
  readonly #collaborators = new Map<string, Set<string>>();
  readonly #patGrants = new Map<string, Map<number, bodies.PatGrantState>>();
  readonly #saml = new Map<string, Map<number, bodies.SamlState>>();
  readonly #sshKeys = new Map<number, { login: string }>();
  readonly #alerts = new Map<
    string,
    { state: string; resolution: string | null; secret?: string | undefined }
  >();
  readonly #oauthApps = new Map<string, string>();
  #nextId = 1000;
  /** GHES 3.19 wants /credentials/revoke authenticated; github.com refuses it authenticated. */
  authenticatedRevoke = false;

  constructor() {
    this.http.commonHeaders = () => ({
      'x-github-request-id': randomUUID().slice(0, 18).toUpperCase(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    });
    this.#routes();
  }

  start(): Promise<string> {
    return this.http.start();
  }
  close(): Promise<void> {
    return this.http.close();
  }
  calls(route: string): number {
    return this.http.calls(route);
  }
  inject(route: string, fault: Fault, times = 1): void {
    this.http.inject(route, fault, times);
  }

  // --- state the tests arrange and inspect ---------------------------------------------------

  /** A token of the given format (36 base62 characters after the prefix, 82 for github_pat_). */
  mintToken(
    opts: {
      prefix?: TokenPrefix;
      login?: string;
      admin?: boolean;
      clientId?: string;
      scopes?: readonly string[];
    } = {},
  ): string {
    const prefix = opts.prefix ?? 'ghp_';
    const length = prefix === 'github_pat_' ? 82 : 36;
    const value = prefix + base62(length);
    this.#tokens.set(value, {
      login: opts.login ?? 'octocat',
      live: true,
      prefix,
      admin: opts.admin ?? false,
      clientId: opts.clientId,
      scopes: opts.scopes,
    });
    return value;
  }
  isLive(token: string): boolean {
    return this.#tokens.get(token)?.live ?? false;
  }
  registerOAuthApp(clientId: string, clientSecret: string): void {
    this.#oauthApps.set(clientId, clientSecret);
  }
  /** A repository of an org (or user): what GET /orgs/{org}/repos lists. */
  addRepo(owner: string, repo: string): void {
    setOf(this.#repos, owner).add(repo);
  }
  addDeployKey(owner: string, repo: string, opts: Partial<bodies.DeployKeyState> = {}): number {
    const id = this.#nextId++;
    this.addRepo(owner, repo);
    this.#deployKeys.set(`${owner}/${repo}:${id}`, { readOnly: true, ...opts });
    return id;
  }
  hasDeployKey(owner: string, repo: string, id: number): boolean {
    return this.#deployKeys.has(`${owner}/${repo}:${id}`);
  }
  addMember(
    org: string,
    username: string,
    state: 'active' | 'pending' = 'active',
    role: 'admin' | 'member' = 'member',
  ): void {
    mapOf(this.#memberships, org).set(username.toLowerCase(), state);
    if (role === 'admin') setOf(this.#owners, org).add(username.toLowerCase());
    else this.#owners.get(org)?.delete(username.toLowerCase());
  }
  isMember(org: string, username: string): boolean {
    return this.#memberships.get(org)?.has(username.toLowerCase()) ?? false;
  }
  addOutsideCollaborator(org: string, username: string): void {
    setOf(this.#collaborators, org).add(username.toLowerCase());
  }
  isOutsideCollaborator(org: string, username: string): boolean {
    return this.#collaborators.get(org)?.has(username.toLowerCase()) ?? false;
  }
  addPatGrant(org: string, owner: string, opts: Omit<bodies.PatGrantState, 'owner'> = {}): number {
    const id = this.#nextId++;
    mapOf(this.#patGrants, org).set(id, { ...opts, owner });
    return id;
  }
  hasPatGrant(org: string, id: number): boolean {
    return this.#patGrants.get(org)?.has(id) ?? false;
  }
  addSamlAuthorization(
    org: string,
    login: string,
    opts: Omit<bodies.SamlState, 'login' | 'lastEight'> = {},
  ): number {
    const id = this.#nextId++;
    mapOf(this.#saml, org).set(id, { ...opts, login, lastEight: base62(8) });
    return id;
  }
  hasSamlAuthorization(org: string, id: number): boolean {
    return this.#saml.get(org)?.has(id) ?? false;
  }
  addSshKey(login: string): number {
    const id = this.#nextId++;
    this.#sshKeys.set(id, { login });
    return id;
  }
  hasSshKey(id: number): boolean {
    return this.#sshKeys.has(id);
  }
  addAlert(owner: string, repo: string, secret?: string, n: number = this.#nextId++): number {
    this.#alerts.set(`${owner}/${repo}#${n}`, { state: 'open', resolution: null, secret });
    return n;
  }
  alert(owner: string, repo: string, n: number): { state: string; resolution: string | null } | undefined {
    const a = this.#alerts.get(`${owner}/${repo}#${n}`);
    return a && { state: a.state, resolution: a.resolution };
  }

  // --- the API --------------------------------------------------------------------------------

  #routes(): void {
    const h = this.http;
    h.route(ROUTES.user, (req) =>
      this.#asUser(req, (t) => ({ status: 200, body: bodies.privateUser(t.login) })),
    );

    h.route(ROUTES.revoke, (req) => {
      const authenticated = req.headers.authorization !== undefined;
      if (authenticated && !this.authenticatedRevoke) return message(403, 'Must not be authenticated');
      if (!authenticated && this.authenticatedRevoke) return message(401, 'Requires authentication');
      const credentials = req.body.credentials;
      if (!Array.isArray(credentials) || credentials.length === 0 || credentials.length > 1000) {
        return message(422, 'Validation Failed');
      }
      // Accepted: revoked (asynchronously at GitHub, at once here); unknown tokens are ignored silently.
      for (const value of credentials) {
        const token = typeof value === 'string' ? this.#tokens.get(value) : undefined;
        if (token && token.prefix !== 'ghs_') token.live = false;
      }
      return { status: 202, body: {} };
    });

    h.route(ROUTES.installationRevoke, (req) =>
      this.#asUser(req, (t) => {
        if (t.prefix !== 'ghs_') return message(403, 'Resource not accessible by personal access token');
        t.live = false;
        return { status: 204 };
      }),
    );
    h.route(ROUTES.installationRepos, (req) =>
      this.#asUser(req, (t) =>
        t.prefix === 'ghs_'
          ? { status: 200, body: { total_count: 0, repository_selection: 'selected', repositories: [] } }
          : message(403, 'Resource not accessible by personal access token'),
      ),
    );

    h.route(ROUTES.patRevoke, (req) =>
      this.#asApp(req, () => {
        if (req.body.action !== 'revoke') return message(422, 'Validation Failed');
        const grants = this.#patGrants.get(req.params.org ?? '');
        return grants?.delete(Number(req.params.pat_id)) ? { status: 204 } : message(404, 'Not Found');
      }),
    );
    h.route(ROUTES.patList, (req) =>
      this.#asApp(req, () =>
        page(
          req,
          this.http.baseUrl,
          [...(this.#patGrants.get(req.params.org ?? '') ?? new Map()).entries()].map(([id, g]) =>
            bodies.patGrant(req.params.org ?? '', id, g),
          ),
        ),
      ),
    );

    const oauth = (req: FakeRequest, act: (t: FakeToken) => FakeReply): FakeReply => {
      const clientId = req.params.client_id ?? '';
      const expected = this.#oauthApps.get(clientId);
      if (
        expected === undefined ||
        req.headers.authorization?.replace(/^basic /i, 'basic ') !== basic(clientId, expected)
      ) {
        return message(401, 'Requires authentication');
      }
      const value = req.body.access_token;
      const token = typeof value === 'string' ? this.#tokens.get(value) : undefined;
      if (!token?.live || token.clientId !== clientId) return message(404, 'Not Found');
      return act(token);
    };
    h.route(ROUTES.oauthDeleteToken, (req) =>
      oauth(req, (t) => {
        t.live = false;
        return { status: 204 };
      }),
    );
    h.route(ROUTES.oauthDeleteGrant, (req) =>
      oauth(req, (t) => {
        // A grant is the user's authorization of the app: every token of it dies.
        for (const other of this.#tokens.values())
          if (other.clientId === t.clientId && other.login === t.login) other.live = false;
        return { status: 204 };
      }),
    );
    h.route(ROUTES.oauthCheckToken, (req) =>
      oauth(req, (t) => ({
        status: 200,
        body: bodies.authorization(t.clientId ?? '', String(req.body.access_token), t.login),
      })),
    );

    h.route(ROUTES.deployKeyDelete, (req) =>
      this.#asAdmin(req, () =>
        this.#deployKeys.delete(repoKey(req)) ? { status: 204 } : message(404, 'Not Found'),
      ),
    );
    h.route(ROUTES.deployKeyList, (req) =>
      this.#asAdmin(req, 'repo', () => {
        const { owner = '', repo = '' } = req.params;
        if (!this.#repos.get(owner)?.has(repo)) return message(404, 'Not Found');
        const prefix = `${owner}/${repo}:`;
        const keys = [...this.#deployKeys.entries()].filter(([k]) => k.startsWith(prefix));
        return page(
          req,
          this.http.baseUrl,
          keys.map(([k, d]) => bodies.deployKey(owner, repo, Number(k.slice(prefix.length)), d)),
        );
      }),
    );
    h.route(ROUTES.orgRepos, (req) =>
      this.#asUser(req, () => {
        const org = req.params.org ?? '';
        const names = [...(this.#repos.get(org) ?? [])];
        return page(
          req,
          this.http.baseUrl,
          names.map((name) => bodies.minimalRepository(org, name)),
        );
      }),
    );
    // Members see every member; a pending invitation is not a member yet.
    h.route(ROUTES.memberList, (req) =>
      this.#asUser(req, (t) => {
        const org = req.params.org ?? '';
        if (!this.isMember(org, t.login) && !t.admin) return message(404, 'Not Found');
        const lacking = missingScope(t, 'read:org');
        if (lacking) return lacking;
        const role = req.query.get('role') ?? 'all';
        const owners = this.#owners.get(org) ?? new Set<string>();
        const logins = [...(this.#memberships.get(org) ?? new Map<string, string>()).entries()]
          .filter(([, state]) => state === 'active')
          .map(([login]) => login)
          .filter((login) => role === 'all' || (role === 'admin') === owners.has(login));
        return page(
          req,
          this.http.baseUrl,
          logins.map((login) => bodies.simpleUser(login)),
        );
      }),
    );
    h.route(ROUTES.deployKeyGet, (req) =>
      this.#asAdmin(req, () => {
        const key = this.#deployKeys.get(repoKey(req));
        if (!key) return message(404, 'Not Found');
        const { owner = '', repo = '' } = req.params;
        return { status: 200, body: bodies.deployKey(owner, repo, Number(req.params.key_id), key) };
      }),
    );

    h.route(ROUTES.membershipDelete, (req) =>
      this.#asAdmin(req, () =>
        this.#memberships.get(req.params.org ?? '')?.delete(user(req))
          ? { status: 204 }
          : message(404, 'Not Found'),
      ),
    );
    h.route(ROUTES.membershipGet, (req) =>
      this.#asAdmin(req, () => {
        const state = this.#memberships.get(req.params.org ?? '')?.get(user(req));
        return state
          ? {
              status: 200,
              body: bodies.orgMembership(req.params.org ?? '', req.params.username ?? '', state),
            }
          : message(404, 'Not Found');
      }),
    );

    h.route(ROUTES.collaboratorDelete, (req) =>
      this.#asAdmin(req, () => {
        const org = req.params.org ?? '';
        if (this.isMember(org, user(req)))
          return message(
            422,
            'You cannot specify an organization member to remove as an outside collaborator.',
          );
        return this.#collaborators.get(org)?.delete(user(req)) ? { status: 204 } : message(404, 'Not Found');
      }),
    );
    h.route(ROUTES.collaboratorList, (req) =>
      this.#asAdmin(req, 'read:org', () =>
        page(
          req,
          this.http.baseUrl,
          [...(this.#collaborators.get(req.params.org ?? '') ?? [])].map((login) => bodies.simpleUser(login)),
        ),
      ),
    );

    h.route(ROUTES.samlDelete, (req) =>
      this.#asAdmin(req, () =>
        this.#saml.get(req.params.org ?? '')?.delete(Number(req.params.credential_id))
          ? { status: 204 }
          : message(404, 'Not Found'),
      ),
    );
    h.route(ROUTES.samlList, (req) =>
      this.#asAdmin(req, 'admin:org', () =>
        page(
          req,
          this.http.baseUrl,
          [...(this.#saml.get(req.params.org ?? '') ?? new Map()).entries()].map(([id, a]) =>
            bodies.credentialAuthorization(id, a),
          ),
        ),
      ),
    );

    const ownKey = (req: FakeRequest, t: FakeToken) =>
      this.#sshKeys.get(Number(req.params.key_id))?.login === t.login;
    h.route(ROUTES.sshKeyDelete, (req) =>
      this.#asUser(req, (t) =>
        ownKey(req, t) && this.#sshKeys.delete(Number(req.params.key_id))
          ? { status: 204 }
          : message(404, 'Not Found'),
      ),
    );
    h.route(ROUTES.sshKeyGet, (req) =>
      this.#asUser(req, (t) =>
        ownKey(req, t)
          ? { status: 200, body: bodies.sshKey(Number(req.params.key_id)) }
          : message(404, 'Not Found'),
      ),
    );

    h.route(ROUTES.alertGet, (req) =>
      this.#asAdmin(req, () => {
        const alert = this.#alerts.get(`${req.params.owner}/${req.params.repo}#${req.params.alert_number}`);
        if (!alert) return message(404, 'Not Found');
        const { owner = '', repo = '' } = req.params;
        return {
          status: 200,
          body: bodies.secretScanningAlert(owner, repo, Number(req.params.alert_number), alert),
        };
      }),
    );

    h.route(ROUTES.alertUpdate, (req) =>
      this.#asAdmin(req, () => {
        const alert = this.#alerts.get(`${req.params.owner}/${req.params.repo}#${req.params.alert_number}`);
        if (!alert) return message(404, 'Not Found');
        const resolutions = ['false_positive', 'wont_fix', 'revoked', 'used_in_tests'];
        if (req.body.state !== 'resolved' || !resolutions.includes(String(req.body.resolution))) {
          return message(422, 'Validation Failed');
        }
        alert.state = 'resolved';
        alert.resolution = String(req.body.resolution);
        const { owner = '', repo = '' } = req.params;
        // GitHub answers with the whole alert, the secret included.
        return {
          status: 200,
          body: bodies.secretScanningAlert(owner, repo, Number(req.params.alert_number), alert),
        };
      }),
    );
  }

  #bearer(req: FakeRequest): FakeToken | undefined {
    const match = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1] === undefined ? undefined : this.#tokens.get(match[1]);
    return token?.live ? token : undefined;
  }
  #asUser(req: FakeRequest, act: (t: FakeToken) => FakeReply): FakeReply {
    const token = this.#bearer(req);
    return token ? act(token) : message(401, 'Bad credentials');
  }
  /** An admin token, holding `scope` (or one that implies it) when it is a scoped classic token. */
  #asAdmin(
    req: FakeRequest,
    scopeOrAct: string | ((t: FakeToken) => FakeReply),
    maybeAct?: (t: FakeToken) => FakeReply,
  ): FakeReply {
    const scope = typeof scopeOrAct === 'string' ? scopeOrAct : undefined;
    const act = typeof scopeOrAct === 'string' ? maybeAct : scopeOrAct;
    return this.#asUser(req, (t) => {
      if (!t.admin) return message(403, 'Must have admin rights to Repository.');
      return (scope && missingScope(t, scope)) || (act ? act(t) : message(500, 'fake: no handler'));
    });
  }
  /** Fine-grained PAT management is for GitHub Apps only (installation tokens). */
  #asApp(req: FakeRequest, act: (t: FakeToken) => FakeReply): FakeReply {
    return this.#asUser(req, (t) =>
      t.prefix === 'ghs_' ? act(t) : message(403, 'Resource not accessible by personal access token'),
    );
  }
}

/**
 * GitHub's answer to a classic token without the scope an endpoint needs: 403 with the scopes the
 * endpoint accepts and the ones the token has, in headers.
 */
function missingScope(t: FakeToken, scope: string): FakeReply | undefined {
  if (t.scopes === undefined) return undefined;
  const held = new Set(t.scopes.flatMap((s) => [s, ...(IMPLIED[s] ?? [])]));
  if (held.has(scope)) return undefined;
  return {
    ...message(403, 'Resource not accessible by personal access token'),
    headers: { 'x-accepted-oauth-scopes': scope, 'x-oauth-scopes': t.scopes.join(', ') },
  };
}

function message(status: number, text: string): FakeReply {
  return { status, body: { message: text, documentation_url: 'https://docs.github.com/rest' } };
}

/** per_page / page with a Link header, as GitHub paginates lists. */
function page(req: FakeRequest, baseUrl: string, items: unknown[]): FakeReply {
  const perPage = Math.min(100, Number(req.query.get('per_page') ?? 30));
  const current = Number(req.query.get('page') ?? 1);
  const slice = items.slice((current - 1) * perPage, current * perPage);
  const headers: Record<string, string> = {};
  if (current * perPage < items.length) {
    // GitHub's next link keeps every query parameter of the request (role=admin, login=…).
    const next = new URL(req.path, baseUrl);
    for (const [k, v] of req.query) if (k !== 'page') next.searchParams.append(k, v);
    next.searchParams.set('per_page', String(perPage));
    next.searchParams.set('page', String(current + 1));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return { status: 200, headers, body: slice };
}

function repoKey(req: FakeRequest): string {
  return `${req.params.owner}/${req.params.repo}:${req.params.key_id}`;
}
function user(req: FakeRequest): string {
  return (req.params.username ?? '').toLowerCase();
}
function basic(id: string, secret: string): string {
  return `basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}
function mapOf<K, V>(outer: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map()));
  return inner;
}
function setOf<V>(outer: Map<string, Set<V>>, key: string): Set<V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Set()));
  return inner;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function base62(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHABET[b % 62]).join('');
}
