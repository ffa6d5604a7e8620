/**
 * What each GitHub credential kind × action does, and how each is verified: the token routes
 * (by value, installation tokens, OAuth tokens and grants, fine-grained PAT org access) and the routing
 * table over them and github-org-actions.ts. src/providers/github.ts wires clients, deadlines and error
 * classification around them.
 *
 * "Already gone" answers are outcomes, not errors: 404 on a delete, 401 when the call authenticates
 * with the very token being revoked (it can only fail that way if the token is already dead).
 */
import type { Action } from '../../schemas/plan.js';
import type { GithubCredentialKind } from '../../schemas/providers/github.js';
import { TourniquetError } from '../errors.js';
import {
  alreadyRevoked,
  liveness,
  orgAnd,
  presence,
  revoked,
  routesFor,
  secretOf,
  type GithubIo,
  type GithubRoute,
} from './github-io.js';
import {
  deployKey,
  orgMember,
  outsideCollaborator,
  personSamlAuthorizations,
  samlAuthorization,
  sshKey,
} from './github-org-actions.js';
import type { ExecuteResult } from './port.js';

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

const byValue = (probe: boolean): GithubRoute => ({
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

const installationToken: GithubRoute = {
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

const patOrgAccess: GithubRoute = {
  needsSecret: false,
  uses: 'app',
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

const oauthToken = (grant: boolean): GithubRoute => ({
  needsSecret: true,
  uses: 'oauthApp',
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

const removal: readonly Action[] = ['revoke', 'delete'];

/** The routing table: credential kind → action → route. Capabilities are derived from it. */
export const GITHUB_ROUTES: Record<GithubCredentialKind, Partial<Record<Action, GithubRoute>>> = {
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
  'github.saml_authorizations': { revoke: personSamlAuthorizations },
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

function codeOf(err: unknown): string {
  return err instanceof TourniquetError ? err.code : 'INTERNAL';
}
