/**
 * FAKE GitHub — response bodies shaped as GitHub's OpenAPI description requires them (the schema
 * named on each builder; github-openapi.ts checks every reply against it). Values are plausible
 * placeholders: the adapters read only a few fields, the rest is there because GitHub always sends it.
 */
const API = 'https://api.github.com';
const WEB = 'https://github.com';
/** A fixed instant: the fake has no history to report. */
const WHEN = '2025-01-01T00:00:00Z';

/** `simple-user`. */
export function simpleUser(login: string, id = idOf(login)) {
  const url = `${API}/users/${login}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
    gravatar_id: '',
    url,
    html_url: `${WEB}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}

/** `private-user` (GET /user with the user's own token). */
export function privateUser(login: string) {
  return {
    ...simpleUser(login),
    user_view_type: 'private',
    name: null,
    company: null,
    blog: null,
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: WHEN,
    updated_at: WHEN,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

export interface DeployKeyState {
  readOnly: boolean;
  lastUsed?: string | undefined;
  addedBy?: string | undefined;
}

/** `deploy-key`. */
export function deployKey(owner: string, repo: string, id: number, k: DeployKeyState = { readOnly: true }) {
  return {
    id,
    key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake',
    url: `${API}/repos/${owner}/${repo}/keys/${id}`,
    title: 'deploy',
    verified: true,
    created_at: WHEN,
    read_only: k.readOnly,
    added_by: k.addedBy ?? null,
    last_used: k.lastUsed ?? null,
    enabled: true,
  };
}

/** `minimal-repository`: every field GitHub always sends (the URL templates included). */
export function minimalRepository(owner: string, name: string) {
  const url = `${API}/repos/${owner}/${name}`;
  const id = idOf(`${owner}/${name}`);
  const templated = (path: string) => `${url}/${path}`;
  return {
    id,
    node_id: `R_${id}`,
    name,
    full_name: `${owner}/${name}`,
    owner: simpleUser(owner),
    private: true,
    html_url: `${WEB}/${owner}/${name}`,
    description: null,
    fork: false,
    url,
    archive_url: templated('{archive_format}{/ref}'),
    assignees_url: templated('assignees{/user}'),
    blobs_url: templated('git/blobs{/sha}'),
    branches_url: templated('branches{/branch}'),
    collaborators_url: templated('collaborators{/collaborator}'),
    comments_url: templated('comments{/number}'),
    commits_url: templated('commits{/sha}'),
    compare_url: templated('compare/{base}...{head}'),
    contents_url: templated('contents/{+path}'),
    contributors_url: templated('contributors'),
    deployments_url: templated('deployments'),
    downloads_url: templated('downloads'),
    events_url: templated('events'),
    forks_url: templated('forks'),
    git_commits_url: templated('git/commits{/sha}'),
    git_refs_url: templated('git/refs{/sha}'),
    git_tags_url: templated('git/tags{/sha}'),
    hooks_url: templated('hooks'),
    issue_comment_url: templated('issues/comments{/number}'),
    issue_events_url: templated('issues/events{/number}'),
    issues_url: templated('issues{/number}'),
    keys_url: templated('keys{/key_id}'),
    labels_url: templated('labels{/name}'),
    languages_url: templated('languages'),
    merges_url: templated('merges'),
    milestones_url: templated('milestones{/number}'),
    notifications_url: templated('notifications{?since,all,participating}'),
    pulls_url: templated('pulls{/number}'),
    releases_url: templated('releases{/id}'),
    stargazers_url: templated('stargazers'),
    statuses_url: templated('statuses/{sha}'),
    subscribers_url: templated('subscribers'),
    subscription_url: templated('subscription'),
    tags_url: templated('tags'),
    teams_url: templated('teams'),
    trees_url: templated('git/trees{/sha}'),
    archived: false,
    visibility: 'private',
    created_at: WHEN,
    updated_at: WHEN,
    pushed_at: WHEN,
  };
}

/** `key` (a user's SSH key). */
export function sshKey(id: number) {
  return {
    id,
    key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake',
    url: `${API}/user/keys/${id}`,
    title: 'laptop',
    created_at: WHEN,
    verified: true,
    read_only: false,
  };
}

/** `org-membership`. */
export function orgMembership(org: string, login: string, state: 'active' | 'pending') {
  return {
    url: `${API}/orgs/${org}/memberships/${login}`,
    state,
    role: 'member',
    organization_url: `${API}/orgs/${org}`,
    organization: organizationSimple(org),
    user: simpleUser(login),
  };
}

/** `organization-simple`. */
function organizationSimple(org: string) {
  const url = `${API}/orgs/${org}`;
  const id = idOf(org);
  return {
    login: org,
    id,
    node_id: `O_${id}`,
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
    description: null,
  };
}

export interface PatGrantState {
  owner: string;
  repositorySelection?: 'none' | 'all' | 'subset' | undefined;
  /** `{ repository: { contents: 'read' } }` */
  permissions?: Record<'organization' | 'repository' | 'other', Record<string, string>> | undefined;
  expiresAt?: string | undefined;
  lastUsedAt?: string | undefined;
}

/** `organization-programmatic-access-grant` (a fine-grained PAT's access to an org). */
export function patGrant(org: string, id: number, g: PatGrantState) {
  const expired = g.expiresAt !== undefined && Date.parse(g.expiresAt) < Date.now();
  return {
    id,
    owner: simpleUser(g.owner),
    repository_selection: g.repositorySelection ?? 'all',
    repositories_url: `${API}/organizations/${idOf(org)}/personal-access-tokens/${id}/repositories`,
    permissions: g.permissions ?? { organization: {}, repository: { contents: 'read' }, other: {} },
    access_granted_at: WHEN,
    token_id: id,
    token_name: 'fine-grained',
    token_expired: expired,
    token_expires_at: g.expiresAt ?? null,
    token_last_used_at: g.lastUsedAt ?? null,
  };
}

export interface SamlState {
  login: string;
  lastEight: string;
  type?: 'personal access token' | 'SSH key' | undefined;
  scopes?: string[] | undefined;
  accessedAt?: string | undefined;
  expiresAt?: string | undefined;
}

/** `credential-authorization` (SAML SSO): a token shows its last eight and scopes, a key its fingerprint. */
export function credentialAuthorization(id: number, a: SamlState) {
  const key = a.type === 'SSH key';
  return {
    login: a.login,
    credential_id: id,
    credential_type: a.type ?? 'personal access token',
    ...(key
      ? { fingerprint: `SHA256:${a.lastEight}`, authorized_credential_title: 'laptop' }
      : {
          token_last_eight: a.lastEight,
          scopes: a.scopes ?? ['repo'],
          authorized_credential_note: 'ci',
          authorized_credential_expires_at: a.expiresAt ?? null,
        }),
    credential_authorized_at: WHEN,
    credential_accessed_at: a.accessedAt ?? null,
    authorized_credential_id: id + 500_000,
  };
}

/** `authorization` (POST /applications/{client_id}/token); `token` is the checked token, as GitHub echoes it. */
export function authorization(clientId: string, token: string, login: string) {
  return {
    id: idOf(token),
    url: `${API}/authorizations/${idOf(token)}`,
    scopes: [],
    token,
    token_last_eight: token.slice(-8),
    hashed_token: null,
    app: { client_id: clientId, name: 'tourniquet-test', url: 'https://example.com' },
    note: null,
    note_url: null,
    updated_at: WHEN,
    created_at: WHEN,
    fingerprint: null,
    expires_at: null,
    user: simpleUser(login),
  };
}

/** `secret-scanning-alert`. */
export function secretScanningAlert(
  owner: string,
  repo: string,
  n: number,
  alert: { state: string; resolution: string | null; secret?: string | undefined },
) {
  const url = `${API}/repos/${owner}/${repo}/secret-scanning/alerts/${n}`;
  return {
    number: n,
    created_at: WHEN,
    updated_at: WHEN,
    url,
    html_url: `${WEB}/${owner}/${repo}/security/secret-scanning/${n}`,
    locations_url: `${url}/locations`,
    state: alert.state,
    resolution: alert.resolution,
    resolved_at: alert.state === 'resolved' ? WHEN : null,
    resolved_by: null,
    secret_type: 'github_personal_access_token',
    secret_type_display_name: 'GitHub Personal Access Token',
    ...(alert.secret === undefined ? {} : { secret: alert.secret }),
  };
}

/** A stable small positive id for a name (GitHub ids are integers). */
function idOf(name: string): number {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return h + 1;
}
