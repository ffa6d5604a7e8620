/**
 * FAKE Slack Web API and SCIM API for contract tests — not Slack. Stateful and written from the
 * documented behaviour (api.slack.com / docs.slack.dev method pages, /work/shared/reference/
 * providers.md §1.2): errors are HTTP 200 `{ok:false, error}`, rate limits are 429 + Retry-After
 * (seconds); a revoked token answers `token_revoked`; a deactivated user's tokens die with them.
 * Web API methods are `POST /api/<method>`; SCIM lives under `/scim/v2/`. Per-route call counters and
 * fault injection come from FakeHttpServer (route keys: `POST /api/auth.revoke`, see `slackRoute`).
 * Messaging (notifications): `chat.postMessage` to a known channel or to a user id (a DM) and
 * `users.lookupByEmail`; posted messages and every Web API request body are kept for inspection.
 * Inventory (discovery): `users.list` and `admin.apps.approved.list`, cursor-paged as Slack pages
 * them (`limit`, opaque `response_metadata.next_cursor`, empty at the end). A token minted with
 * `scopes` answers `missing_scope` (with `needed` / `provided`) to those two when it lacks the
 * method's scope; a token minted without `scopes` holds every scope (the older methods check none).
 * Every request and reply is checked against Slack's published method definitions
 * (slack-contract.ts): a breach answers 500 and fails the test when the fake is closed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FakeHttpServer, type Fault, type FakeReply, type FakeRequest } from './http-fake.js';
import { slackContract } from './slack-contract.js';

interface FakeToken {
  type: 'bot' | 'user' | 'admin';
  teamId: string;
  userId: string;
  appId: string | undefined;
  live: boolean;
  /** Granted OAuth scopes; undefined = every scope. */
  scopes: ReadonlySet<string> | undefined;
}

interface FakeUser {
  teams: Set<string>;
  active: boolean;
  sessions: number;
  email?: string;
  profile?: FakeProfile;
}

/** What users.list shows of a user besides id, teams, email and `deleted` (= deactivated). */
export interface FakeProfile {
  name?: string;
  realName?: string;
  displayName?: string;
  role?: 'user' | 'admin' | 'owner' | 'bot';
  guest?: boolean;
}

/** An app approved for a workspace (`teamId`) or for the whole org (`enterpriseId`). */
export interface FakeApproval {
  appId: string;
  name: string;
  scopes: readonly { name: string; tokenType: 'bot' | 'user' }[];
  /** Unix seconds, as Slack's `date_updated`. */
  dateUpdated: number;
  teamId?: string;
  enterpriseId?: string;
  approvedBy?: string;
}

/** A message accepted by chat.postMessage; `dm` is the user id when it went to a person. */
export interface PostedMessage {
  channel: string;
  dm: string | undefined;
  text: string;
}

/** Slack's documented limit for chat.postMessage text (docs.slack.dev, chat.postMessage): longer answers msg_too_long. */
const MAX_TEXT = 40_000;

/** The FakeHttpServer key of a Web API method. */
export const slackRoute = (method: string): string => `POST /api/${method}`;
export const SCIM_DELETE = 'DELETE /scim/v2/Users/{id}';
export const SCIM_GET = 'GET /scim/v2/Users/{id}';

/** Canned faults, shaped as Slack documents them [SL-RL]. */
export const slackFaults = {
  rateLimited: (retryAfterSec: number): Fault => ({
    reply: () => ({
      status: 429,
      headers: { 'retry-after': String(retryAfterSec) },
      body: { ok: false, error: 'ratelimited' },
    }),
  }),
  /** HTTP 200 with ok:false and the given error. */
  error: (error: string): Fault => ({ reply: () => ({ status: 200, body: { ok: false, error } }) }),
  serverError: (status = 503): Fault => ({ reply: () => ({ status, body: 'upstream unavailable' }) }),
  slow: (delayMs: number): Fault => ({ delayMs }),
};

export class FakeSlack {
  readonly http = new FakeHttpServer('slack', slackContract());
  readonly #tokens = new Map<string, FakeToken>();
  readonly #users = new Map<string, FakeUser>();
  readonly #installs = new Map<string, Set<string>>();
  readonly #apps = new Map<string, { appId: string; clientSecret: string }>();
  readonly #emails = new Map<string, string>();
  readonly #channels = new Set<string>();
  readonly #approvals: FakeApproval[] = [];
  /** Messages accepted by chat.postMessage, in order. */
  readonly posted: PostedMessage[] = [];
  /** Every Web API request that reached a method handler: method name and raw body. */
  readonly received: { method: string; rawBody: string }[] = [];

  constructor() {
    this.http.commonHeaders = () => ({ 'x-slack-req-id': randomUUID() });
    this.#routes();
  }

  get apiUrl(): string {
    return `${this.http.baseUrl}/api/`;
  }
  get scimUrl(): string {
    return `${this.http.baseUrl}/scim/v2/`;
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

  addUser(userId: string, teamId: string, sessions = 2, email?: string): void {
    const user = this.#users.get(userId) ?? { teams: new Set<string>(), active: true, sessions };
    user.teams.add(teamId);
    user.sessions = sessions;
    this.#users.set(userId, user);
    if (email !== undefined) {
      user.email = email;
      this.#emails.set(email.toLowerCase(), userId);
    }
  }
  /** Deactivates the account as an admin (or SCIM) would: users.list then shows it `deleted`. */
  deactivate(userId: string): void {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`fake slack: no user ${userId}`);
    user.active = false;
    user.sessions = 0;
    this.#killTokens((t) => t.userId === userId);
  }
  /** Name, role and guest flag as users.list shows them (the user must exist). */
  setProfile(userId: string, profile: FakeProfile): void {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`fake slack: no user ${userId}`);
    user.profile = { ...user.profile, ...profile };
  }
  /**
   * An approval admin.apps.approved.list shows; `installIn` also installs the app in those
   * workspaces (what admin.apps.uninstall removes). Uninstalling leaves the approval, as at Slack.
   */
  approveApp(approval: FakeApproval, installIn: readonly string[] = []): void {
    this.#approvals.push(approval);
    const teams = this.#installs.get(approval.appId) ?? new Set<string>();
    for (const team of installIn) teams.add(team);
    this.#installs.set(approval.appId, teams);
  }
  /** A channel chat.postMessage accepts, by id (C…) or name (#soc). */
  addChannel(idOrName: string): void {
    this.#channels.add(idOrName);
  }
  user(userId: string): { teams: string[]; active: boolean; sessions: number } | undefined {
    const u = this.#users.get(userId);
    return u && { teams: [...u.teams], active: u.active, sessions: u.sessions };
  }
  registerApp(clientId: string, clientSecret: string, appId: string): void {
    this.#apps.set(clientId, { appId, clientSecret });
  }
  isInstalled(appId: string, teamId: string): boolean {
    return this.#installs.get(appId)?.has(teamId) ?? false;
  }
  /** A token of the documented format; a bot token for an app also installs the app in the team. */
  mintToken(opts: {
    type: FakeToken['type'];
    teamId?: string;
    userId?: string;
    appId?: string;
    scopes?: readonly string[];
  }): string {
    const teamId = opts.teamId ?? 'T0001';
    const userId = opts.userId ?? `U${randomBytes(4).toString('hex').toUpperCase()}`;
    if (!this.#users.has(userId)) this.addUser(userId, teamId, 0);
    const prefix = opts.type === 'bot' ? 'xoxb' : 'xoxp';
    const value = `${prefix}-${digits(12)}-${digits(12)}-${randomBytes(12).toString('hex')}`;
    const scopes = opts.scopes && new Set(opts.scopes);
    this.#tokens.set(value, { type: opts.type, teamId, userId, appId: opts.appId, live: true, scopes });
    if (opts.appId) {
      const teams = this.#installs.get(opts.appId) ?? new Set<string>();
      teams.add(teamId);
      this.#installs.set(opts.appId, teams);
    }
    return value;
  }
  isLive(token: string): boolean {
    return this.#tokens.get(token)?.live ?? false;
  }

  // --- the API --------------------------------------------------------------------------------

  #routes(): void {
    const method: MethodRoute = (name, act) =>
      this.http.route(slackRoute(name), (req) => {
        this.received.push({ method: name, rawBody: req.rawBody });
        const value = tokenOf(req);
        const token = value === undefined ? undefined : this.#tokens.get(value);
        if (value === undefined) return ok200({ ok: false, error: 'not_authed' });
        if (!token) return ok200({ ok: false, error: 'invalid_auth' });
        if (!token.live) return ok200({ ok: false, error: 'token_revoked' });
        if (!this.#users.get(token.userId)?.active) return ok200({ ok: false, error: 'account_inactive' });
        return ok200(act(req, token));
      });
    const admin: AdminRoute = (name, act) =>
      method(name, (req, token) =>
        token.type === 'admin' ? act(req, token) : { ok: false, error: 'not_allowed_token_type' },
      );

    method('auth.test', (_req, t) => ({
      ok: true,
      url: `https://${t.teamId.toLowerCase()}.slack.com/`,
      team: t.teamId,
      user: t.userId.toLowerCase(),
      team_id: t.teamId,
      user_id: t.userId,
      ...(t.type === 'bot' ? { bot_id: 'B01' } : {}),
    }));
    method('auth.revoke', (req, t) => {
      if (req.body.test === '1' || req.body.test === 'true') return { ok: true, revoked: false };
      t.live = false;
      return { ok: true, revoked: true };
    });

    method('chat.postMessage', (req) => {
      const channel = typeof req.body.channel === 'string' ? req.body.channel : '';
      const text = typeof req.body.text === 'string' ? req.body.text : '';
      if (channel === '') return { ok: false, error: 'channel_not_found' };
      if (text === '' && req.body.blocks === undefined) return { ok: false, error: 'no_text' };
      if (text.length > MAX_TEXT) return { ok: false, error: 'msg_too_long' };
      const person = this.#users.get(channel);
      if (!this.#channels.has(channel) && !person?.active) return { ok: false, error: 'channel_not_found' };
      const ts = `${Math.floor(Date.now() / 1000)}.${digits(6)}`;
      this.posted.push({ channel, dm: person ? channel : undefined, text });
      return {
        ok: true,
        channel: person ? `D${channel.slice(1)}` : channel,
        ts,
        message: { type: 'message', text, ts },
      };
    });
    method('users.lookupByEmail', (req) => {
      if (typeof req.body.email !== 'string') return { ok: false, error: 'invalid_arguments' };
      const id = this.#emails.get(req.body.email.toLowerCase());
      const user = id === undefined ? undefined : this.#users.get(id);
      if (id === undefined || !user) return { ok: false, error: 'users_not_found' };
      return {
        ok: true,
        user: { id, team_id: [...user.teams][0], deleted: !user.active, profile: { email: req.body.email } },
      };
    });

    admin('admin.users.session.reset', (req) => {
      const user = this.#users.get(String(req.body.user_id));
      if (!user) return { ok: false, error: 'user_not_found' };
      user.sessions = 0;
      return { ok: true };
    });
    admin('admin.users.session.list', (req) => {
      const user = this.#users.get(String(req.body.user_id));
      const teamId = String(req.body.team_id);
      if (req.body.user_id === undefined || req.body.team_id === undefined)
        return { ok: false, error: 'invalid_arguments' };
      const count = user?.teams.has(teamId) ? user.sessions : 0;
      const active_sessions = Array.from({ length: count }, (_, i) => ({
        user_id: req.body.user_id,
        team_id: teamId,
        session_id: i + 1,
        created: { device_hardware: 'Mac', os: 'macOS' },
      }));
      return { ok: true, active_sessions, response_metadata: { next_cursor: '' } };
    });
    admin('admin.users.remove', (req) => {
      const user = this.#users.get(String(req.body.user_id));
      if (!user) return { ok: false, error: 'user_not_found' };
      if (!user.teams.delete(String(req.body.team_id))) return { ok: false, error: 'user_already_deleted' };
      this.#killTokens((t) => t.userId === req.body.user_id && t.teamId === req.body.team_id);
      return { ok: true };
    });

    method('apps.uninstall', (req, t) => {
      const app = this.#apps.get(String(req.body.client_id));
      if (!app) return { ok: false, error: 'invalid_client_id' };
      if (app.clientSecret !== req.body.client_secret) return { ok: false, error: 'bad_client_secret' };
      if (t.appId !== app.appId) return { ok: false, error: 'client_id_token_mismatch' };
      this.#uninstall(app.appId, [t.teamId]);
      return { ok: true };
    });
    admin('admin.apps.uninstall', (req) => {
      const appId = String(req.body.app_id);
      const teamIds = typeof req.body.team_ids === 'string' ? req.body.team_ids.split(',') : undefined;
      const enterprise = req.body.enterprise_id;
      // The method page's error for neither or both (was `invalid_arguments` here).
      if ((teamIds === undefined) === (enterprise === undefined))
        return { ok: false, error: 'specify_enterprise_or_teams' };
      const installed = this.#installs.get(appId);
      const targets = teamIds ?? [...(installed ?? [])];
      if (!installed || !targets.some((team) => installed.has(team)))
        return { ok: false, error: 'app_not_found' };
      this.#uninstall(appId, targets);
      return { ok: true };
    });

    this.#inventoryRoutes(method, admin);

    const scim = (act: (req: FakeRequest, user: FakeUser) => FakeReply) => (req: FakeRequest) => {
      const value = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const token = value === undefined ? undefined : this.#tokens.get(value);
      if (!token?.live || token.type !== 'admin') return scimError(401, 'invalid_authentication');
      const user = this.#users.get(req.params.id ?? '');
      return user ? act(req, user) : scimError(404, 'user_not_found');
    };
    this.http.route(
      SCIM_GET,
      scim((req, user) => ({
        status: 200,
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          id: req.params.id,
          active: user.active,
        },
      })),
    );
    this.http.route(
      SCIM_DELETE,
      scim((req, user) => {
        // Slack deactivates rather than deletes; the person's sessions and tokens die with the account.
        user.active = false;
        user.sessions = 0;
        this.#killTokens((t) => t.userId === req.params.id);
        return { status: 204 };
      }),
    );
  }

  #inventoryRoutes(method: MethodRoute, admin: AdminRoute): void {
    method('users.list', (req, t) => {
      const missing = missingScope(t, 'users:read');
      if (missing) return missing;
      const team = typeof req.body.team_id === 'string' ? req.body.team_id : t.teamId;
      const withEmail = hasScope(t, 'users:read.email');
      const members = [...this.#users.entries()]
        .filter(([, u]) => u.teams.has(team))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, u]) => memberOf(id, team, u, withEmail));
      return paged(req, members, 'members');
    });
    admin('admin.apps.approved.list', (req, t) => {
      const missing = missingScope(t, 'admin.apps:read');
      if (missing) return missing;
      const team = req.body.team_id;
      const enterprise = req.body.enterprise_id;
      if (team !== undefined && enterprise !== undefined) return { ok: false, error: 'invalid_arguments' };
      const approvals = this.#approvals
        .filter((a) => (team !== undefined ? a.teamId === team : a.enterpriseId === enterprise))
        .map((a) => ({
          app: { id: a.appId, name: a.name, description: '', is_internal: false },
          scopes: a.scopes.map((s) => ({
            name: s.name,
            description: '',
            is_sensitive: false,
            token_type: s.tokenType,
          })),
          date_updated: a.dateUpdated,
          last_resolved_by: { actor_id: a.approvedBy ?? 'UADMIN', actor_type: 'user' },
        }));
      return paged(req, approvals, 'approved_apps');
    });
  }

  #uninstall(appId: string, teams: string[]): void {
    for (const team of teams) this.#installs.get(appId)?.delete(team);
    this.#killTokens((t) => t.appId === appId && teams.includes(t.teamId));
  }
  #killTokens(match: (t: FakeToken) => boolean): void {
    for (const token of this.#tokens.values()) if (match(token)) token.live = false;
  }
}

type Handler = (req: FakeRequest, token: FakeToken) => Record<string, unknown>;
type MethodRoute = (name: string, act: Handler) => void;
type AdminRoute = (name: string, act: Handler) => void;

const hasScope = (t: FakeToken, scope: string) => t.scopes === undefined || t.scopes.has(scope);

/** Slack's answer to a token without the method's scope (`needed`, `provided`). */
function missingScope(t: FakeToken, scope: string): Record<string, unknown> | undefined {
  if (hasScope(t, scope)) return undefined;
  return { ok: false, error: 'missing_scope', needed: scope, provided: [...(t.scopes ?? [])].join(',') };
}

/** users.list's member object: the fields Slack documents that tourniquet and the tests read. */
function memberOf(id: string, team: string, u: FakeUser, withEmail: boolean): Record<string, unknown> {
  const p = u.profile ?? {};
  const role = p.role ?? 'user';
  return {
    id,
    team_id: team,
    name: p.name ?? id.toLowerCase(),
    real_name: p.realName ?? '',
    deleted: !u.active,
    is_bot: role === 'bot',
    is_app_user: false,
    is_admin: role === 'admin' || role === 'owner',
    is_owner: role === 'owner',
    is_primary_owner: false,
    is_restricted: p.guest === true,
    is_ultra_restricted: false,
    profile: {
      real_name: p.realName ?? '',
      display_name: p.displayName ?? '',
      ...(withEmail && u.email !== undefined && role !== 'bot' ? { email: u.email } : {}),
    },
  };
}

/**
 * One page of `items` as Slack pages a list: `limit` items from the `cursor` (opaque: base64 of an
 * offset), `response_metadata.next_cursor` empty on the last page. No `limit` (or 0) is every item.
 */
function paged(req: FakeRequest, items: readonly unknown[], field: string): Record<string, unknown> {
  const limit = Number(req.body.limit ?? 0);
  if (!Number.isInteger(limit) || limit < 0) return { ok: false, error: 'invalid_arguments' };
  let from = 0;
  if (typeof req.body.cursor === 'string' && req.body.cursor !== '') {
    const m = /^offset:(\d+)$/.exec(Buffer.from(req.body.cursor, 'base64').toString('utf8'));
    if (!m?.[1] || Number(m[1]) > items.length) return { ok: false, error: 'invalid_cursor' };
    from = Number(m[1]);
  }
  const size = limit === 0 ? items.length : Math.min(limit, 1000);
  const to = from + size;
  const next = to < items.length ? Buffer.from(`offset:${to}`).toString('base64') : '';
  return { ok: true, [field]: items.slice(from, to), response_metadata: { next_cursor: next } };
}

function tokenOf(req: FakeRequest): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return bearer ?? (typeof req.body.token === 'string' ? req.body.token : undefined);
}
function ok200(body: Record<string, unknown>): FakeReply {
  return { status: 200, body };
}
function scimError(status: number, detail: string): FakeReply {
  return {
    status,
    body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail, status: String(status) },
  };
}
function digits(n: number): string {
  return [...randomBytes(n)].map((b) => String(b % 10)).join('');
}
