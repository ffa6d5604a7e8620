/**
 * Slack provider: revokes bot and user tokens (auth.revoke with the token itself), resets a person's
 * sessions, removes people from a workspace or deactivates them through SCIM, and uninstalls apps;
 * verifies with auth.test, admin.users.session.list or SCIM where Slack allows (see slack-actions.ts).
 *
 * One WebClient per call and token, with SDK retries off and `rejectRateLimitedCalls`: the SDK would
 * otherwise pause its whole queue on a 429 [SL-SDK], and a rate limit on one token must not stall the
 * revocation of another. The retry layer reads `retryAfterMs` instead.
 */
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import { pino, type Logger } from 'pino';
import { SlackProviderConfig, type SlackProviderConfigInput } from '../../schemas/providers/slack.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import { deadline, parseRetryAfter, rateLimitedError, statusError, transportError } from './http-errors.js';
import { routeTable } from './routes.js';
import type { Provider } from './port.js';
import type { Action } from '../../schemas/plan.js';
import { slackRoutes, type ScimSent, type SlackIo, type SlackSent } from './slack-actions.js';
import { classifySlackError, platformErrorOf } from './slack-errors.js';
import { answerKeepingFetch } from './slack-fetch.js';

export interface SlackProviderDeps {
  logger?: Logger;
  env?: Env;
  now?: () => number;
}

export function createSlackProvider(cfg: SlackProviderConfigInput, deps: SlackProviderDeps = {}): Provider {
  const config = SlackProviderConfig.parse(cfg);
  const log = (deps.logger ?? pino({ level: 'silent' })).child({
    provider: config.name,
    providerType: 'slack',
  });
  const now = deps.now ?? Date.now;
  const env = deps.env ?? process.env;
  // Resolve configured secrets now so that a missing env variable fails at start, not mid-incident.
  const adminToken = config.adminToken === undefined ? undefined : resolveSecret(config.adminToken, env);
  const app = config.app && {
    clientId: config.app.clientId,
    clientSecret: resolveSecret(config.app.clientSecret, env),
  };
  const routes = slackRoutes(config);
  const kinds = new Set<string>(config.credentialKinds);
  // Secrets the SDK could log: its debug lines redact only `token`/`authorization` keys, so a
  // client_secret argument would otherwise reach the log verbatim.
  const configSecrets = [adminToken, app?.clientSecret].filter((v): v is string => v !== undefined);

  const io = (signal: AbortSignal): SlackIo => {
    const call = (
      op: string,
      token: string,
      args: Record<string, unknown>,
      gone: readonly string[] = [],
      own = false,
    ) => webCall(op, token, args, gone, own, signal);
    return {
      config,
      call: (op, token, args, gone) => call(op, token, args, gone),
      admin: (op, args, gone) => call(op, requireAdmin(), args, gone, true),
      scim: (method, path, gone = []) => scimCall(method, path, gone, signal),
      app: () => {
        if (!app) throw misconfigured('app');
        return app;
      },
    };
  };

  const requireAdmin = () => {
    if (adminToken === undefined) throw misconfigured('adminToken');
    return adminToken;
  };
  const misconfigured = (what: string) =>
    new TourniquetError('PROVIDER_MISCONFIGURED', `slack provider ${config.name}: ${what} is not configured`);

  async function webCall(
    op: string,
    token: string,
    args: Record<string, unknown>,
    gone: readonly string[],
    ownToken: boolean,
    signal: AbortSignal,
  ): Promise<SlackSent> {
    const limit = deadline(signal, config.timeoutMs);
    const answers = answerKeepingFetch(limit.signal);
    const client = new WebClient(token, {
      slackApiUrl: config.slackApiUrl,
      logger: slackLogger(log, [token, ...configSecrets, ...secretArgs(args)]),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      fetch: answers.fetch,
    });
    try {
      const value: Readonly<Record<string, unknown>> = { ...(await client.apiCall(op, args)) };
      return { gone: false, value };
    } catch (err) {
      const error = platformErrorOf(err);
      if (error !== undefined && gone.includes(error)) return { gone: true, error };
      // The SDK error is deliberately not attached as cause: it holds the response body.
      throw classifySlackError(err, op, {
        last: answers.last(),
        timedOut: limit.timedOut(),
        nowMs: now(),
        ownToken,
      });
    }
  }

  async function scimCall(
    method: 'GET' | 'DELETE',
    path: string,
    gone: readonly number[],
    signal: AbortSignal,
  ): Promise<ScimSent> {
    const op = `SCIM ${method} /${path.split('/')[0] ?? ''}/{id}`;
    const token = requireAdmin();
    const limit = deadline(signal, config.timeoutMs);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(new URL(path, config.scimApiUrl.replace(/\/?$/, '/')), {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: limit.signal,
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      throw transportError('slack', op, err, limit.timedOut());
    }
    if (gone.includes(status)) return { gone: true, status };
    if (status === 429) throw rateLimitedError('slack', op, parseRetryAfter(retryAfter, now()), { status });
    if (status < 200 || status >= 300) {
      throw statusError('slack', op, status, { retryAfterMs: parseRetryAfter(retryAfter, now()) });
    }
    return { gone: false, status, body: parseJson(text, op, status) };
  }

  const configured = { admin: adminToken !== undefined, app: app !== undefined };
  const { findRoute, routeOf, run, actions } = routeTable(
    'slack',
    config.name,
    kinds,
    routes,
    log,
    (route) => route.uses === undefined || configured[route.uses],
  );
  // A person's Slack user id (her identity) is all the session reset and deactivation need; removal
  // from a workspace also needs the workspace, from config when the identity names none.
  const identityKinds: Partial<Record<string, readonly Action[]>> = {};
  if (actions['slack.user_session']) identityKinds['slack.user_session'] = actions['slack.user_session'];
  const userActions = (actions['slack.user'] ?? []).filter(
    (a) => a === 'disable' || config.userRemoval === 'scim' || config.teamId !== undefined,
  );
  if (userActions.length > 0) identityKinds['slack.user'] = userActions;

  return {
    name: config.name,
    type: 'slack',
    capabilities: {
      actions,
      canVerify: true,
      // SCIM deactivation can be undone (PATCH active=true); nothing else can.
      reversible: ['disable'],
      maxBatch: 1,
      rateBudget: config.rateBudget,
      propagationMs: config.propagationMs,
      acceptsIdentity: identityKinds,
    },
    // An unsupported task needs nothing: execute refuses it with PROVIDER_UNSUPPORTED.
    needsSecret: (task) => findRoute(task)?.needsSecret ?? false,
    execute: (task, signal) => run(task, 'execute', () => routeOf(task).execute(task, io(signal))),
    verify: (task, signal) => run(task, 'verify', () => routeOf(task).verify(task, io(signal))),
  };
}

function parseJson(text: string, op: string, status: number): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The body is not echoed: it may hold whatever the server reflected.
    throw new TourniquetError('PROVIDER_REJECTED', `slack ${op}: unreadable answer`, {
      details: { status, error: err instanceof Error ? err.name : 'parse' },
    });
  }
}

/** String arguments whose names say they are secret (client_secret, token…). */
function secretArgs(args: Record<string, unknown>): string[] {
  return Object.entries(args)
    .filter(([key, value]) => /secret|token|password/i.test(key) && typeof value === 'string')
    .map(([, value]) => value as string);
}

/**
 * The SDK's logger interface over pino, for one call. Every line is scrubbed of the secrets that call
 * handles before it is written; pino's redaction cannot see inside the SDK's preformatted strings.
 */
function slackLogger(log: Logger, secrets: readonly string[]): SlackLogger {
  const child = log.child({ sdk: 'slack' });
  const line = (...msg: unknown[]) => {
    let text = msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
    return text;
  };
  return {
    debug: (...msg: unknown[]) => child.debug(line(...msg)),
    info: (...msg: unknown[]) => child.debug(line(...msg)),
    warn: (...msg: unknown[]) => child.warn(line(...msg)),
    error: (...msg: unknown[]) => child.error(line(...msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
