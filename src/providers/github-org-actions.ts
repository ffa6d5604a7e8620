/**
 * GitHub routes for things an org or repo admin (or the key owner) removes by id: deploy keys, org
 * memberships, outside collaborators, SAML SSO credential authorizations, and user SSH keys. A 404 on
 * the delete means it is already gone [OKT-EP, GH-SAML].
 */
import {
  alreadyRevoked,
  keyIdOf,
  liveness,
  orgAnd,
  presence,
  repoKey,
  revoked,
  type GithubRoute,
} from './github-io.js';

export const deployKey: GithubRoute = {
  needsSecret: false,
  uses: 'admin',
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

export const orgMember: GithubRoute = {
  needsSecret: false,
  uses: 'admin',
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

export const outsideCollaborator: GithubRoute = {
  needsSecret: false,
  uses: 'admin',
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
      io.clients.admin().paginate<{ login: string }>('GET /orgs/{org}/outside_collaborators', {
        org,
        per_page: 100,
        request,
      }),
    );
    return presence(sent, (users) => users.some((u) => u.login.toLowerCase() === username.toLowerCase()));
  },
};

export const samlAuthorization: GithubRoute = {
  needsSecret: false,
  uses: 'admin',
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
      io.clients.admin().paginate<{ credential_id: number }>('GET /orgs/{org}/credential-authorizations', {
        org,
        per_page: 100,
        request,
      }),
    );
    return presence(sent, (auths) => auths.some((a) => String(a.credential_id) === credentialId));
  },
};

/**
 * Every SAML SSO credential authorization of one person (providerId `org:login`): her PATs and SSH
 * keys, including a classic PAT whose value nobody has, lose their access to the org [GH-SAML].
 */
export const personSamlAuthorizations: GithubRoute = {
  needsSecret: false,
  uses: 'admin',
  async execute(task, io) {
    const [org, login] = orgAnd(task, 'org:login');
    const ids = await authorizationsOf(io, org, login);
    for (const id of ids) {
      await io.send(
        'DELETE /orgs/{org}/credential-authorizations/{credential_id}',
        (request) =>
          io.clients.admin().request('DELETE /orgs/{org}/credential-authorizations/{credential_id}', {
            org,
            credential_id: id,
            request,
          }),
        [404],
      );
    }
    return ids.length > 0
      ? { outcome: 'revoked', details: { authorizations: ids.length } }
      : { outcome: 'already_revoked', details: { authorizations: 0 } };
  },
  async verify(task, io) {
    const [org, login] = orgAnd(task, 'org:login');
    const left = (await authorizationsOf(io, org, login)).length;
    return { liveness: left === 0 ? 'dead' : 'alive', details: { authorizations: left } };
  },
};

async function authorizationsOf(io: Parameters<GithubRoute['verify']>[1], org: string, login: string) {
  const sent = await io.send('GET /orgs/{org}/credential-authorizations', (request) =>
    io.clients
      .admin()
      .paginate<{ credential_id: number; login: string }>('GET /orgs/{org}/credential-authorizations', {
        org,
        login,
        per_page: 100,
        request,
      }),
  );
  const all = sent.gone ? [] : sent.value;
  // The `login` filter is GitHub's; the check here keeps a server that ignores it from widening the cut.
  return all.filter((a) => a.login.toLowerCase() === login.toLowerCase()).map((a) => a.credential_id);
}

export const sshKey: GithubRoute = {
  needsSecret: false,
  uses: 'user',
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
