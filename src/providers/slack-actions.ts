/**
 * What each Slack credential kind × action does, and how each is verified. src/providers/slack.ts
 * supplies the transport (one WebClient per call and token, SCIM over fetch) and error classification.
 *
 * "Already gone" answers [SL-REVOKE, SL-REMOVE]: a revoke made *with the token being revoked* that
 * answers invalid_auth / token_revoked / account_inactive means the token is already dead;
 * admin.users.remove answers user_already_deleted. The same auth errors on an admin-token call mean our
 * own token is broken, so they are never read as "already revoked" there.
 */
import type { Action } from '../../schemas/plan.js';
import type { SlackCredentialKind, SlackProviderConfig } from '../../schemas/providers/slack.js';
import { TourniquetError } from '../errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';
import { DEAD_TOKEN_ERRORS } from './slack-errors.js';

/** A successful answer's fields (`ok`, `revoked`, `active_sessions`…), read defensively. */
export type SlackSent =
  { gone: false; value: Readonly<Record<string, unknown>> } | { gone: true; error: string };
export type ScimSent = { gone: false; status: number; body: unknown } | { gone: true; status: number };

export interface SlackIo {
  config: SlackProviderConfig;
  /** A Web API call authenticated with `token`; ok:false answers listed in `gone` are returned. */
  call(
    op: string,
    token: string,
    args: Record<string, unknown>,
    gone?: readonly string[],
  ): Promise<SlackSent>;
  /** A Web API call with the configured admin token (PROVIDER_MISCONFIGURED without one). */
  admin(op: string, args: Record<string, unknown>, gone?: readonly string[]): Promise<SlackSent>;
  /** A SCIM request with the admin token; HTTP statuses listed in `gone` are returned. */
  scim(method: 'GET' | 'DELETE', path: string, gone?: readonly number[]): Promise<ScimSent>;
  /** The app's client credentials for apps.uninstall. */
  app(): { clientId: string; clientSecret: string };
}

export interface Route {
  needsSecret: boolean;
  /** Configuration the route needs beyond the credential itself. */
  uses?: 'admin' | 'app';
  execute(task: ProviderTask, io: SlackIo): Promise<ExecuteResult>;
  verify(task: ProviderTask, io: SlackIo): Promise<VerifyResult>;
}

const selfRevoke: Route = {
  needsSecret: true,
  async execute(task, io): Promise<ExecuteResult> {
    const sent = await io.call('auth.revoke', secretOf(task), {}, DEAD_TOKEN_ERRORS);
    if (sent.gone) return { outcome: 'already_revoked', details: { error: sent.error } };
    if (sent.value.revoked !== true) {
      throw new TourniquetError('PROVIDER_REJECTED', 'slack auth.revoke: answered ok without revoking', {
        details: { error: 'not_revoked' },
      });
    }
    return { outcome: 'revoked', details: { revoked: true } };
  },
  verify: (task, io) => authTest(secretOf(task), io),
};

const userSession: Route = {
  needsSecret: false,
  uses: 'admin',
  async execute(task, io): Promise<ExecuteResult> {
    const { teamId, id: userId } = teamScoped(task, io.config);
    // A reset answers ok every time; listing first tells "nothing to kill" apart (needs the team).
    if (teamId !== undefined && (await activeSessions(io, teamId, userId)) === 0) {
      return { outcome: 'already_revoked', details: { activeSessions: 0 } };
    }
    await io.admin('admin.users.session.reset', { user_id: userId });
    return { outcome: 'revoked', details: {} };
  },
  async verify(task, io): Promise<VerifyResult> {
    const { teamId, id: userId } = teamScoped(task, io.config);
    if (teamId === undefined)
      return { liveness: 'unknown', details: { reason: 'no team to list sessions in' } };
    const count = await activeSessions(io, teamId, userId);
    return { liveness: count === 0 ? 'dead' : 'alive', details: { activeSessions: count } };
  },
};

const workspaceRemoval: Route = {
  needsSecret: false,
  uses: 'admin',
  async execute(task, io): Promise<ExecuteResult> {
    const { teamId, id: userId } = teamScoped(task, io.config);
    if (teamId === undefined) throw missingTeam(task);
    const sent = await io.admin('admin.users.remove', { team_id: teamId, user_id: userId }, [
      'user_already_deleted',
    ]);
    return sent.gone
      ? { outcome: 'already_revoked', details: { error: sent.error } }
      : { outcome: 'revoked', details: {} };
  },
  // Removal from one workspace leaves the org account in place; Slack has no per-workspace query that
  // proves it without listing the whole workspace.
  verify: async () => ({ liveness: 'unknown', details: { reason: 'workspace removal is not queryable' } }),
};

const scimDeactivate: Route = {
  needsSecret: false,
  uses: 'admin',
  async execute(task, io): Promise<ExecuteResult> {
    const userId = userPath(task);
    const current = await io.scim('GET', userId, [404]);
    if (current.gone || !isActive(current.body)) {
      return { outcome: 'already_revoked', details: { status: current.status } };
    }
    // DELETE /Users/{id} deactivates the user (Slack never hard-deletes through SCIM) [SL-SCIM].
    const sent = await io.scim('DELETE', userId, [404]);
    return { outcome: sent.gone ? 'already_revoked' : 'revoked', details: { status: sent.status } };
  },
  async verify(task, io): Promise<VerifyResult> {
    const sent = await io.scim('GET', userPath(task), [404]);
    if (sent.gone) return { liveness: 'dead', details: { status: sent.status } };
    return { liveness: isActive(sent.body) ? 'alive' : 'dead', details: { status: sent.status } };
  },
};

const appUninstall: Route = {
  needsSecret: true,
  uses: 'app',
  async execute(task, io): Promise<ExecuteResult> {
    const { clientId, clientSecret } = io.app();
    const sent = await io.call(
      'apps.uninstall',
      secretOf(task),
      { client_id: clientId, client_secret: clientSecret },
      DEAD_TOKEN_ERRORS,
    );
    return sent.gone
      ? { outcome: 'already_revoked', details: { error: sent.error } }
      : { outcome: 'revoked', details: {} };
  },
  verify: (task, io) => authTest(secretOf(task), io),
};

const adminAppUninstall: Route = {
  needsSecret: false,
  uses: 'admin',
  async execute(task, io): Promise<ExecuteResult> {
    const { teamId, id: appId } = teamScoped(task, io.config);
    // Exactly one of team_ids / enterprise_id [SL-APPS]; a named workspace is the smaller blast radius.
    const where =
      teamId !== undefined
        ? { team_ids: teamId }
        : io.config.enterpriseId !== undefined
          ? { enterprise_id: io.config.enterpriseId }
          : undefined;
    if (!where) throw missingTeam(task);
    const sent = await io.admin('admin.apps.uninstall', { app_id: appId, ...where }, ['app_not_found']);
    return sent.gone
      ? { outcome: 'already_revoked', details: { error: sent.error } }
      : { outcome: 'revoked', details: {} };
  },
  verify: async () => ({ liveness: 'unknown', details: { reason: 'admin uninstall is not queryable' } }),
};

const both: readonly Action[] = ['revoke', 'delete'];
const selfRevokeActions: readonly Action[] = ['revoke', 'revoke_by_value'];

/** The routing table: credential kind → action → route. `userRemoval` picks the slack.user route. */
export function slackRoutes(
  config: SlackProviderConfig,
): Record<SlackCredentialKind, Partial<Record<Action, Route>>> {
  return {
    'slack.bot_token': routesFor(selfRevokeActions, selfRevoke),
    'slack.user_token': routesFor(selfRevokeActions, selfRevoke),
    'slack.user_session': { revoke: userSession },
    'slack.user': {
      ...routesFor(both, config.userRemoval === 'scim' ? scimDeactivate : workspaceRemoval),
      disable: scimDeactivate,
    },
    'slack.app_installation': routesFor([...both, 'revoke_by_value'], appUninstall),
    'slack.app': routesFor(both, adminAppUninstall),
  };
}

function routesFor(actions: readonly Action[], route: Route): Partial<Record<Action, Route>> {
  return Object.fromEntries(actions.map((a) => [a, route]));
}

async function authTest(token: string, io: SlackIo): Promise<VerifyResult> {
  const sent = await io.call('auth.test', token, {}, DEAD_TOKEN_ERRORS);
  return sent.gone
    ? { liveness: 'dead', details: { error: sent.error } }
    : { liveness: 'alive', details: {} };
}

async function activeSessions(io: SlackIo, teamId: string, userId: string): Promise<number> {
  const sent = await io.admin('admin.users.session.list', { team_id: teamId, user_id: userId, limit: 1000 });
  const sessions = sent.gone ? [] : sent.value.active_sessions;
  return Array.isArray(sessions) ? sessions.length : 0;
}

function isActive(body: unknown): boolean {
  return !!body && typeof body === 'object' && (body as { active?: unknown }).active === true;
}

function secretOf(task: ProviderTask): string {
  if (!task.secret) {
    throw new TourniquetError(
      'SECRET_UNAVAILABLE',
      `slack ${task.credentialKind} ${task.action}: the secret is required`,
    );
  }
  return task.secret;
}

/** providerId `teamId:id` or `id` (the team then comes from config `teamId`). */
function teamScoped(
  task: ProviderTask,
  config: SlackProviderConfig,
): { teamId: string | undefined; id: string } {
  const { team, id } = parseScoped(task);
  return { teamId: team ?? config.teamId, id };
}

function parseScoped(task: ProviderTask): { team: string | undefined; id: string } {
  const match =
    task.providerId === undefined ? null : /^(?:([A-Z0-9]+):)?([A-Z0-9]+)$/i.exec(task.providerId);
  if (!match?.[2]) {
    throw new TourniquetError(
      'INVALID_INPUT',
      `slack ${task.credentialKind}: providerId must look like teamId:id or id`,
    );
  }
  return { team: match[1], id: match[2] };
}

/** SCIM addresses users org-wide: a team prefix in the providerId is ignored. */
function userPath(task: ProviderTask): string {
  return `Users/${encodeURIComponent(parseScoped(task).id)}`;
}

function missingTeam(task: ProviderTask): TourniquetError {
  return new TourniquetError(
    'PROVIDER_MISCONFIGURED',
    `slack ${task.credentialKind}: no workspace named in the providerId and none configured`,
  );
}
