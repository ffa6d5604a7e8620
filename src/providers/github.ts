/**
 * GitHub provider: revokes leaked tokens by value (POST /credentials/revoke), deletes deploy keys and
 * SSH keys, removes org members, outside collaborators and SAML SSO authorizations, revokes
 * fine-grained PAT org access, OAuth tokens and grants, and installation tokens; verifies each where
 * GitHub offers a way to ask (see src/providers/github-actions.ts for the table).
 *
 * Plain @octokit/rest without the retry and throttling plugins: the pipeline's retry layer owns
 * retries and reads `retryAfterMs` from the errors classified in github-errors.ts.
 */
import { Octokit } from '@octokit/rest';
import { pino, type Logger } from 'pino';
import { GithubProviderConfig, type GithubProviderConfigInput } from '../../schemas/providers/github.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import {
  BATCHABLE_KINDS,
  GITHUB_ROUTES,
  REVOKE_BY_VALUE_MAX_BATCH,
  revokeByValue,
} from './github-actions.js';
import { secretOf, type GithubClients, type GithubIo, type Sent } from './github-io.js';
import { answeredRequestId, answeredStatus, classifyGithubError } from './github-errors.js';
import { deadline } from './http-errors.js';
import { routeTable } from './routes.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask } from './port.js';

export interface GithubProviderDeps {
  logger?: Logger;
  env?: Env;
  now?: () => number;
}

export interface GithubProvider extends Provider {
  readonly type: 'github';
  /** POST /credentials/revoke has its own, much smaller budget: 60 requests/hour per IP [GH-REV]. */
  readonly revokeByValueLimits: Pick<Capabilities, 'maxBatch' | 'rateBudget'>;
  /**
   * Revokes up to 1000 leaked tokens in one request. Every task must be a by-value revoke of a kind
   * /credentials/revoke takes, with its secret. GitHub gives no per-token answer, so each result is
   * `revoked`; `verify` tells which are dead.
   */
  revokeByValueBatch(tasks: readonly ProviderTask[], signal: AbortSignal): Promise<ExecuteResult[]>;
  /** Resolves a secret-scanning alert as `revoked` once the secret is dead. */
  closeSecretScanningAlert(
    owner: string,
    repo: string,
    alertNumber: number,
    signal?: AbortSignal,
  ): Promise<ExecuteResult>;
  /**
   * The secret of a secret-scanning alert (the webhook omits it): `GET .../secret-scanning/alerts/{n}`
   * with a token that can read alerts. The value goes straight to intake to be fingerprinted/sealed.
   */
  alertSecret(
    owner: string,
    repo: string,
    alertNumber: number,
    signal: AbortSignal,
  ): Promise<{ secret: string } | null>;
}

export function createGithubProvider(
  cfg: GithubProviderConfigInput,
  deps: GithubProviderDeps = {},
): GithubProvider {
  const config = GithubProviderConfig.parse(cfg);
  const log = (deps.logger ?? pino({ level: 'silent' })).child({
    provider: config.name,
    providerType: 'github',
  });
  const now = deps.now ?? Date.now;
  const clients = githubClients(config, deps.env ?? process.env, log);
  const kinds = new Set<string>(config.credentialKinds);

  const io = (signal: AbortSignal): GithubIo => ({
    clients,
    send: (op, fn, gone) => send(op, fn, gone ?? [], signal, config.timeoutMs, now),
    note: (task, msg, fields) =>
      log.debug({ taskId: task.taskId, kind: task.credentialKind, ...fields }, msg),
  });

  const configured = {
    admin: config.auth.token !== undefined,
    app: config.auth.appToken !== undefined,
    user: config.auth.userToken !== undefined,
    oauthApp: config.auth.oauthApp !== undefined,
  };
  const { findRoute, routeOf, run, actions } = routeTable(
    'github',
    config.name,
    kinds,
    GITHUB_ROUTES,
    log,
    (route) => route.uses === undefined || configured[route.uses],
  );
  // A person's login (her identity at this instance) names her membership of the configured org.
  const qualify = (task: ProviderTask): ProviderTask =>
    config.org !== undefined &&
    (task.credentialKind === 'github.org_member' ||
      task.credentialKind === 'github.outside_collaborator' ||
      task.credentialKind === 'github.saml_authorizations') &&
    task.providerId !== undefined &&
    !task.providerId.includes(':')
      ? { ...task, providerId: `${config.org}:${task.providerId}` }
      : task;
  const identityKinds = Object.fromEntries(
    config.org !== undefined && configured.admin
      ? (['github.saml_authorizations', 'github.org_member'] as const).flatMap((k) =>
          actions[k] ? [[k, actions[k]]] : [],
        )
      : [],
  );

  const provider: GithubProvider = {
    name: config.name,
    type: 'github',
    capabilities: {
      actions,
      canVerify: true,
      reversible: [],
      maxBatch: REVOKE_BY_VALUE_MAX_BATCH,
      rateBudget: config.rateBudget,
      propagationMs: config.propagationMs,
      acceptsIdentity: identityKinds,
    },
    revokeByValueLimits: {
      maxBatch: REVOKE_BY_VALUE_MAX_BATCH,
      rateBudget: { perSecond: 60 / 3600, burst: 60, concurrency: 1 },
    },
    batch: {
      limits: {
        maxBatch: REVOKE_BY_VALUE_MAX_BATCH,
        rateBudget: { perSecond: 60 / 3600, burst: 60, concurrency: 1 },
      },
      accepts: (task) =>
        task.action === 'revoke_by_value' &&
        BATCHABLE_KINDS.has(task.credentialKind) &&
        kinds.has(task.credentialKind),
      execute: (tasks, signal) => provider.revokeByValueBatch(tasks, signal),
    },
    // An unsupported task needs nothing: execute refuses it with PROVIDER_UNSUPPORTED.
    needsSecret: (task) => findRoute(task)?.needsSecret ?? false,
    execute: (task, signal) => run(task, 'execute', () => routeOf(task).execute(qualify(task), io(signal))),
    verify: (task, signal) => run(task, 'verify', () => routeOf(task).verify(qualify(task), io(signal))),

    async revokeByValueBatch(tasks, signal) {
      if (tasks.length === 0) return [];
      if (tasks.length > REVOKE_BY_VALUE_MAX_BATCH) {
        throw new TourniquetError(
          'INVALID_INPUT',
          `github /credentials/revoke takes at most ${REVOKE_BY_VALUE_MAX_BATCH} tokens`,
        );
      }
      for (const task of tasks) {
        if (
          task.action !== 'revoke_by_value' ||
          !BATCHABLE_KINDS.has(task.credentialKind) ||
          !kinds.has(task.credentialKind)
        ) {
          throw new TourniquetError(
            'PROVIDER_UNSUPPORTED',
            `github batch revoke does not take ${task.credentialKind} ${task.action}`,
          );
        }
      }
      const secrets = tasks.map(secretOf);
      const result = await revokeByValue(io(signal), secrets);
      log.info(
        { tokens: tasks.length, taskIds: tasks.map((t) => t.taskId), ...result.details },
        'github batch revoke accepted',
      );
      return tasks.map(() => ({
        outcome: 'revoked' as const,
        details: { ...result.details, batch: tasks.length },
      }));
    },

    async alertSecret(owner, repo, alertNumber, signal) {
      const sent = await send(
        'GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}',
        (request) =>
          clients.admin().rest.secretScanning.getAlert({ owner, repo, alert_number: alertNumber, request }),
        [404],
        signal,
        config.timeoutMs,
        now,
      );
      if (sent.gone) return null;
      const secret = (sent.value as { data?: { secret?: unknown } }).data?.secret;
      return typeof secret === 'string' && secret.length > 0 ? { secret } : null;
    },
    async closeSecretScanningAlert(owner, repo, alertNumber, signal = new AbortController().signal) {
      return closeSecretScanningAlert(clients.admin(), owner, repo, alertNumber, {
        signal,
        timeoutMs: config.timeoutMs,
        now,
      });
    },
  };
  return provider;
}

/**
 * PATCH the alert to `resolved` with resolution `revoked` [GH-SSA]. Needs a token with security
 * manager or admin rights on the repository.
 */
export async function closeSecretScanningAlert(
  octokit: Octokit,
  owner: string,
  repo: string,
  alertNumber: number,
  opts: { signal: AbortSignal; timeoutMs?: number; now?: () => number },
): Promise<ExecuteResult> {
  const sent = await send(
    'PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}',
    (request) =>
      octokit.rest.secretScanning.updateAlert({
        owner,
        repo,
        alert_number: alertNumber,
        state: 'resolved',
        resolution: 'revoked',
        request,
      }),
    [],
    opts.signal,
    opts.timeoutMs ?? 10_000,
    opts.now ?? Date.now,
  );
  if (sent.gone) return { outcome: 'already_revoked', details: { status: sent.status } };
  return { outcome: 'revoked', details: { status: (sent.value as { status: number }).status } };
}

/** One request under the caller's signal and a timeout; classified errors only, nothing raw. */
async function send<T>(
  op: string,
  fn: (request: { signal: AbortSignal }) => Promise<T>,
  gone: readonly number[],
  signal: AbortSignal,
  timeoutMs: number,
  now: () => number,
): Promise<Sent<T>> {
  const limit = deadline(signal, timeoutMs);
  try {
    return { gone: false, value: await fn({ signal: limit.signal }) };
  } catch (err) {
    // Our own refusals (a client that is not configured) pass through unchanged.
    if (err instanceof TourniquetError) throw err;
    const classified = classifyGithubError(err, op, limit.timedOut(), now());
    const status = answeredStatus(err);
    // A rate-limit answer on a "gone" status (401 with remaining 0) is still a rate limit.
    if (status !== undefined && gone.includes(status) && classified.code !== 'PROVIDER_RATE_LIMITED') {
      return { gone: true, status, requestId: answeredRequestId(err) };
    }
    // The Octokit error (request body and response included) is deliberately not attached as cause.
    throw classified;
  }
}

function githubClients(config: GithubProviderConfig, env: Env, log: Logger): GithubClients {
  // Octokit logs through ours; its error lines duplicate what we log after classification.
  const octokitLog = {
    debug: (msg: string) => log.debug({ octokit: true }, msg),
    info: (msg: string) => log.debug({ octokit: true }, msg),
    warn: (msg: string) => log.warn({ octokit: true }, msg),
    error: (msg: string) => log.debug({ octokit: true }, msg),
  };
  const make = (auth?: string) =>
    new Octokit({
      ...(auth === undefined ? {} : { auth }),
      baseUrl: config.baseUrl.replace(/\/+$/, ''),
      userAgent: 'tourniquet',
      log: octokitLog,
      // No retry plugin is installed; this keeps it off should one ever be added.
      request: { retries: 0 },
    });
  const setting = (name: 'token' | 'appToken' | 'userToken') => {
    const value = config.auth[name];
    return value === undefined ? undefined : resolveSecret(value, env);
  };
  // Resolve every configured secret now so that a missing env variable fails at start, not mid-incident.
  const token = setting('token');
  const appToken = setting('appToken');
  const userToken = setting('userToken');
  const oauth = config.auth.oauthApp;
  const oauthAuthorization = oauth
    ? `basic ${Buffer.from(`${oauth.clientId}:${resolveSecret(oauth.clientSecret, env)}`).toString('base64')}`
    : undefined;

  const lazy = (secret: string | undefined, what: string) => {
    let client: Octokit | undefined;
    return () => {
      if (secret === undefined) {
        throw new TourniquetError(
          'PROVIDER_MISCONFIGURED',
          `github provider ${config.name}: ${what} is not configured`,
        );
      }
      client ??= make(secret);
      return client;
    };
  };
  const anonymous = make();
  const revoker = config.authenticatedCredentialRevoke ? lazy(token, 'auth.token') : () => anonymous;
  return {
    revoker,
    admin: lazy(token, 'auth.token'),
    app: lazy(appToken, 'auth.appToken'),
    user: lazy(userToken, 'auth.userToken'),
    oauthApp: () => {
      if (!oauth || !oauthAuthorization) {
        throw new TourniquetError(
          'PROVIDER_MISCONFIGURED',
          `github provider ${config.name}: auth.oauthApp is not configured`,
        );
      }
      return { octokit: anonymous, clientId: oauth.clientId, authorization: oauthAuthorization };
    },
    withToken: (t) => make(t),
  };
}
