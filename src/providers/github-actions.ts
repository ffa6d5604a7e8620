/**
 * What each GitHub credential kind × action does, and how each is verified. One entry per endpoint
 * family; src/providers/github.ts wires clients, deadlines and error classification around them.
 *
 * "Already gone" answers are outcomes, not errors: 404 on a delete, 401 when the call authenticates
 * with the very token being revoked (it can only fail that way if the token is already dead).
 */
import type { Octokit } from '@octokit/rest';
import type { Action } from '../../schemas/plan.js';
import type { GithubCredentialKind } from '../../schemas/providers/github.js';
import { TourniquetError } from '../errors.js';
import { headerValue } from './http-errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';

export interface GithubClients {
  /** POST /credentials/revoke: unauthenticated on github.com, `auth.token` where GHES requires it. */
  revoker(): Octokit;
  /** `auth.token`: org/repo admin. */
  admin(): Octokit;
  /** `auth.appToken`: a GitHub App installation (fine-grained PAT access). */
  app(): Octokit;
  /** `auth.userToken`: the SSH key owner's own token. */
  user(): Octokit;
  /** Unauthenticated client plus the Basic authorization of `auth.oauthApp`. */
  oauthApp(): { octokit: Octokit; clientId: string; authorization: string };
  /** A client that authenticates with the given token (the credential itself); never cached. */
  withToken(token: string): Octokit;
}

export type Sent<T> =
  { gone: false; value: T } | { gone: true; status: number; requestId: string | undefined };

export interface GithubIo {
  clients: GithubClients;
  /**
   * Runs one request under the task's signal and the configured timeout. An answer whose status is
   * in `gone` is returned as `{ gone: true }`; every other failure is thrown as a TourniquetError.
   */
  send<T>(
    op: string,
    fn: (request: { signal: AbortSignal }) => Promise<T>,
    gone?: readonly number[],
  ): Promise<Sent<T>>;
  /** Logs a debug line about a task (never a secret). */
  note(task: ProviderTask, msg: string, fields?: Record<string, unknown>): void;
}

interface Route {
  needsSecret: boolean;
  execute(task: ProviderTask, io: GithubIo): Promise<ExecuteResult>;
  verify(task: ProviderTask, io: GithubIo): Promise<VerifyResult>;
}

interface Response {
  status: number;
  headers: Record<string, string | number | undefined>;
}

export const REVOKE_BY_VALUE_OP = 'POST /credentials/revoke';
/** GitHub takes at most 1000 tokens per /credentials/revoke request [GH-REV]. */
export const REVOKE_BY_VALUE_MAX_BATCH = 1000;

/** POST /credentials/revoke: accepted (202) and revoked asynchronously; no per-token result. */
export async function revokeByValue(io: GithubIo, secrets: readonly string[]): Promise<ExecuteResult> {
  const sent = await io.send(REVOKE_BY_VALUE_OP, (request) =>
    io.clients.revoker().rest.credentials.revoke({ credentials: [...secrets], request }),
  );
  return revoked(sent);
}

const byValue = (probe: boolean): Route => ({
  needsSecret: true,
  async execute(task, io) {
    const token = secretOf(task);
    if (probe) {
      // The endpoint says nothing per token, so ask the token itself first: 401 = already dead.
      // Best effort: if the probe cannot answer, revoking anyway is the safe side.
      const check = await io
        .send(
          'GET /user',
          (request) => io.clients.withToken(token).rest.users.getAuthenticated({ request }),
          [401],
        )
        .catch((err: unknown) => {
          io.note(task, 'liveness probe failed; revoking anyway', { code: codeOf(err) });
          return undefined;
        });
      if (check?.gone) return alreadyRevoked(check);
    }
    return revokeByValue(io, [token]);
  },
  async verify(task, io) {
    // A refresh token cannot call the API, so GET /user says nothing about it.
    if (!probe) return { liveness: 'unknown', details: { reason: 'refresh tokens cannot be probed' } };
    const token = secretOf(task);
    return liveness(
      await io.send(
        'GET /user',
        (request) => io.clients.withToken(token).rest.users.getAuthenticated({ request }),
        [401],
      ),
    );
  },
});

const installationToken: Route = {
  needsSecret: true,
  async execute(task, io) {
    const token = secretOf(task);
    const sent = await io.send(
      'DELETE /installation/token',
      (request) => io.clients.withToken(token).rest.apps.revokeInstallationAccessToken({ request }),
      [401],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const token = secretOf(task);
    return liveness(
      await io.send(
        'GET /installation/repositories',
        (request) =>
          io.clients.withToken(token).rest.apps.listReposAccessibleToInstallation({ per_page: 1, request }),
        [401],
      ),
    );
  },
};

const patOrgAccess: Route = {
  needsSecret: false,
  async execute(task, io) {
    const [org, patId] = orgAnd(task, 'org:patId', true);
    const sent = await io.send(
      'POST /orgs/{org}/personal-access-tokens/{pat_id}',
      (request) =>
        io.clients.app().rest.orgs.updatePatAccess({ org, pat_id: Number(patId), action: 'revoke', request }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const [org, patId] = orgAnd(task, 'org:patId', true);
    const sent = await io.send('GET /orgs/{org}/personal-access-tokens', (request) =>
      io.clients
        .app()
        .paginate<{ id: number }>('GET /orgs/{org}/personal-access-tokens', { org, per_page: 100, request }),
    );
    return presence(sent, (grants) => grants.some((g) => String(g.id) === patId));
  },
};

const oauthToken = (grant: boolean): Route => ({
  needsSecret: true,
  async execute(task, io) {
    const { octokit, clientId, authorization } = io.clients.oauthApp();
    const params = { client_id: clientId, access_token: secretOf(task), headers: { authorization } };
    const sent = grant
      ? await io.send(
          'DELETE /applications/{client_id}/grant',
          (request) => octokit.rest.apps.deleteAuthorization({ ...params, request }),
          [404],
        )
      : await io.send(
          'DELETE /applications/{client_id}/token',
          (request) => octokit.rest.apps.deleteToken({ ...params, request }),
          [404],
        );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    // apps.checkToken answers 404 for an invalid token and is exempt from failed-login limits [GH-OAUTH].
    const { octokit, clientId, authorization } = io.clients.oauthApp();
    const sent = await io.send(
      'POST /applications/{client_id}/token',
      (request) =>
        octokit.rest.apps.checkToken({
          client_id: clientId,
          access_token: secretOf(task),
          headers: { authorization },
          request,
        }),
      [404],
    );
    return liveness(sent);
  },
});

const deployKey: Route = {
  needsSecret: false,
  async execute(task, io) {
    const [owner, repo, keyId] = repoKey(task);
    const sent = await io.send(
      'DELETE /repos/{owner}/{repo}/keys/{key_id}',
      (request) => io.clients.admin().rest.repos.deleteDeployKey({ owner, repo, key_id: keyId, request }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const [owner, repo, keyId] = repoKey(task);
    return liveness(
      await io.send(
        'GET /repos/{owner}/{repo}/keys/{key_id}',
        (request) => io.clients.admin().rest.repos.getDeployKey({ owner, repo, key_id: keyId, request }),
        [404],
      ),
    );
  },
};

const orgMember: Route = {
  needsSecret: false,
  async execute(task, io) {
    // The membership endpoint also cancels a pending invitation, which plain member removal leaves.
    const [org, username] = orgAnd(task, 'org:username');
    const sent = await io.send(
      'DELETE /orgs/{org}/memberships/{username}',
      (request) => io.clients.admin().rest.orgs.removeMembershipForUser({ org, username, request }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const [org, username] = orgAnd(task, 'org:username');
    return liveness(
      await io.send(
        'GET /orgs/{org}/memberships/{username}',
        (request) => io.clients.admin().rest.orgs.getMembershipForUser({ org, username, request }),
        [404],
      ),
    );
  },
};

const outsideCollaborator: Route = {
  needsSecret: false,
  async execute(task, io) {
    const [org, username] = orgAnd(task, 'org:username');
    const sent = await io.send(
      'DELETE /orgs/{org}/outside_collaborators/{username}',
      (request) => io.clients.admin().rest.orgs.removeOutsideCollaborator({ org, username, request }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const [org, username] = orgAnd(task, 'org:username');
    const sent = await io.send('GET /orgs/{org}/outside_collaborators', (request) =>
      io.clients
        .admin()
        .paginate<{ login: string }>('GET /orgs/{org}/outside_collaborators', {
          org,
          per_page: 100,
          request,
        }),
    );
    return presence(sent, (users) => users.some((u) => u.login.toLowerCase() === username.toLowerCase()));
  },
};

const samlAuthorization: Route = {
  needsSecret: false,
  async execute(task, io) {
    const [org, credentialId] = orgAnd(task, 'org:credentialId', true);
    const sent = await io.send(
      'DELETE /orgs/{org}/credential-authorizations/{credential_id}',
      (request) =>
        io.clients.admin().request('DELETE /orgs/{org}/credential-authorizations/{credential_id}', {
          org,
          credential_id: Number(credentialId),
          request,
        }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const [org, credentialId] = orgAnd(task, 'org:credentialId', true);
    const sent = await io.send('GET /orgs/{org}/credential-authorizations', (request) =>
      io.clients
        .admin()
        .paginate<{ credential_id: number }>('GET /orgs/{org}/credential-authorizations', {
          org,
          per_page: 100,
          request,
        }),
    );
    return presence(sent, (auths) => auths.some((a) => String(a.credential_id) === credentialId));
  },
};

const sshKey: Route = {
  needsSecret: false,
  async execute(task, io) {
    const keyId = keyIdOf(task);
    const sent = await io.send(
      'DELETE /user/keys/{key_id}',
      (request) =>
        io.clients.user().rest.users.deletePublicSshKeyForAuthenticatedUser({ key_id: keyId, request }),
      [404],
    );
    return sent.gone ? alreadyRevoked(sent) : revoked(sent);
  },
  async verify(task, io) {
    const keyId = keyIdOf(task);
    return liveness(
      await io.send(
        'GET /user/keys/{key_id}',
        (request) =>
          io.clients.user().rest.users.getPublicSshKeyForAuthenticatedUser({ key_id: keyId, request }),
        [404],
      ),
    );
  },
};

const removal: readonly Action[] = ['revoke', 'delete'];

/** The routing table: credential kind → action → route. Capabilities are derived from it. */
export const GITHUB_ROUTES: Record<GithubCredentialKind, Partial<Record<Action, Route>>> = {
  'github.pat_classic': { revoke_by_value: byValue(true) },
  'github.fine_grained_pat': { revoke_by_value: byValue(true), revoke: patOrgAccess },
  'github.oauth_token': { revoke_by_value: byValue(true), revoke: oauthToken(false) },
  'github.user_to_server_token': { revoke_by_value: byValue(true), revoke: oauthToken(false) },
  'github.refresh_token': { revoke_by_value: byValue(false) },
  'github.oauth_grant': { revoke: oauthToken(true) },
  // /credentials/revoke does not take ghs_ tokens: a leaked one revokes itself instead.
  'github.installation_token': { revoke: installationToken, revoke_by_value: installationToken },
  'github.deploy_key': routesFor(removal, deployKey),
  'github.org_member': routesFor(removal, orgMember),
  'github.outside_collaborator': routesFor(removal, outsideCollaborator),
  'github.saml_authorization': routesFor(removal, samlAuthorization),
  'github.ssh_key': routesFor(removal, sshKey),
};

/** Kinds whose revoke_by_value goes to /credentials/revoke (and so can be batched). */
export const BATCHABLE_KINDS: ReadonlySet<string> = new Set([
  'github.pat_classic',
  'github.fine_grained_pat',
  'github.oauth_token',
  'github.user_to_server_token',
  'github.refresh_token',
]);

function routesFor(actions: readonly Action[], route: Route): Partial<Record<Action, Route>> {
  return Object.fromEntries(actions.map((a) => [a, route]));
}

export function secretOf(task: ProviderTask): string {
  if (!task.secret) {
    throw new TourniquetError(
      'SECRET_UNAVAILABLE',
      `github ${task.credentialKind} ${task.action}: the secret is required`,
    );
  }
  return task.secret;
}

const ORG_AND = /^([^:/\s]+):([^:/\s]+)$/;
const REPO_KEY = /^([^/:\s]+)\/([^/:\s]+):(\d+)$/;

function parseId(task: ProviderTask, pattern: RegExp, shape: string): string[] {
  const match = task.providerId === undefined ? null : pattern.exec(task.providerId);
  if (!match) invalidId(task, shape);
  return match.slice(1).map((part) => part ?? '');
}

function invalidId(task: ProviderTask, shape: string): never {
  throw new TourniquetError(
    'INVALID_INPUT',
    `github ${task.credentialKind}: providerId must look like ${shape}`,
  );
}

/** `org:<name or number>`; `numeric` requires the second part to be a number. */
function orgAnd(task: ProviderTask, shape: string, numeric = false): [org: string, id: string] {
  const [org = '', id = ''] = parseId(task, ORG_AND, shape);
  if (numeric && !/^\d+$/.test(id)) invalidId(task, shape);
  return [org, id];
}

function repoKey(task: ProviderTask): [owner: string, repo: string, keyId: number] {
  const [owner = '', repo = '', keyId = ''] = parseId(task, REPO_KEY, 'owner/repo:keyId');
  return [owner, repo, Number(keyId)];
}

function keyIdOf(task: ProviderTask): number {
  const [keyId = ''] = parseId(task, /^(\d+)$/, 'keyId');
  return Number(keyId);
}

function facts(value: unknown): Record<string, string | number> {
  if (!value || typeof value !== 'object' || !('status' in value)) return {};
  const res = value as Response;
  const requestId = headerValue(res.headers, 'x-github-request-id');
  return { status: res.status, ...(requestId ? { requestId } : {}) };
}

function revoked(sent: Sent<unknown>): ExecuteResult {
  return { outcome: 'revoked', details: sent.gone ? {} : facts(sent.value) };
}

function alreadyRevoked(sent: { status: number; requestId: string | undefined }): ExecuteResult {
  return {
    outcome: 'already_revoked',
    details: { status: sent.status, ...(sent.requestId ? { requestId: sent.requestId } : {}) },
  };
}

function liveness(sent: Sent<unknown>): VerifyResult {
  if (sent.gone) return alreadyDead(sent);
  return { liveness: 'alive', details: facts(sent.value) };
}

function alreadyDead(sent: { status: number; requestId: string | undefined }): VerifyResult {
  return {
    liveness: 'dead',
    details: { status: sent.status, ...(sent.requestId ? { requestId: sent.requestId } : {}) },
  };
}

function presence<T>(sent: Sent<T[]>, found: (items: T[]) => boolean): VerifyResult {
  if (sent.gone) return alreadyDead(sent);
  return { liveness: found(sent.value) ? 'alive' : 'dead', details: { listed: sent.value.length } };
}

function codeOf(err: unknown): string {
  return err instanceof TourniquetError ? err.code : 'INTERNAL';
}
