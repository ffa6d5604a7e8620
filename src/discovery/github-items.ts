/**
 * What the GitHub discoverer reads of each listed item (zod: only the fields we use, GitHub's extra
 * fields dropped) and the credential or identity it becomes. The kinds and providerId formats are
 * exactly what the revoking adapter acts on (src/providers/github-actions.ts, github-org-actions.ts):
 * `org:login` (members, outside collaborators), `org:patId` (fine-grained PAT grants),
 * `org:credentialId` (SAML SSO authorizations), `owner/repo:keyId` (deploy keys).
 *
 * No field read here holds a secret: GitHub lists no token values. `token_last_eight` of an SSO
 * authorization is kept as a label because GitHub shows it to owners to tell tokens apart; eight
 * characters of a 40-character token cannot be used as the token.
 */
import { z } from 'zod';
import type { DiscoveredCredential } from './port.js';

const Login = z.string().min(1).max(100);
const When = z.string().nullish();

export const GithubUser = z.object({ login: Login, type: z.string().optional() });

export const PatGrant = z.object({
  id: z.number().int(),
  owner: GithubUser,
  repository_selection: z.string(),
  permissions: z
    .object({
      organization: z.record(z.string(), z.string()).optional(),
      repository: z.record(z.string(), z.string()).optional(),
      other: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  access_granted_at: When,
  token_id: z.number().int().optional(),
  token_name: z.string().optional(),
  token_expired: z.boolean().optional(),
  token_expires_at: When,
  token_last_used_at: When,
});

export const SamlAuthorization = z.object({
  login: Login,
  credential_id: z.number().int(),
  credential_type: z.string(),
  token_last_eight: z.string().max(8).optional(),
  credential_authorized_at: When,
  credential_accessed_at: When,
  scopes: z.array(z.string()).optional(),
  fingerprint: z.string().optional(),
  authorized_credential_id: z.number().int().nullish(),
  authorized_credential_expires_at: When,
});

export const Repository = z.object({
  name: z.string().min(1),
  owner: z.object({ login: Login }),
  archived: z.boolean().optional(),
});

export const DeployKey = z.object({
  id: z.number().int(),
  title: z.string().optional(),
  read_only: z.boolean(),
  created_at: When,
  last_used: When,
  added_by: z.string().nullish(),
  enabled: z.boolean().optional(),
});

export const GITHUB_DISCOVERED_KINDS = {
  member: 'github.org_member',
  collaborator: 'github.outside_collaborator',
  pat: 'github.fine_grained_pat',
  saml: 'github.saml_authorization',
  deployKey: 'github.deploy_key',
} as const;

function iso(v: string | null | undefined): string | undefined {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Optional fields present only when GitHub said something. */
function dates(issued?: string | null, lastUsed?: string | null, expires?: string | null) {
  const issuedAt = iso(issued);
  const lastUsedAt = iso(lastUsed);
  const expiresAt = iso(expires);
  return {
    ...(issuedAt ? { issuedAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/** A membership: what `github.org_member` / `github.outside_collaborator` remove. */
export function membership(
  org: string,
  kind: typeof GITHUB_DISCOVERED_KINDS.member | typeof GITHUB_DISCOVERED_KINDS.collaborator,
  login: string,
  role: string,
): DiscoveredCredential {
  return {
    kind,
    providerId: `${org}:${login}`,
    ownerIdentity: login,
    scopes: [`org:${role}`],
    labels: { org, role },
  };
}

/** Fine-grained PAT permissions (`{repository: {contents: 'read'}}`) as `repository:contents:read`. */
export function patScopes(p: z.infer<typeof PatGrant>['permissions']): string[] {
  return (['organization', 'repository', 'other'] as const).flatMap((group) =>
    Object.entries(p?.[group] ?? {}).map(([name, level]) => `${group}:${name}:${level}`.slice(0, 200)),
  );
}

export function patGrant(org: string, g: z.infer<typeof PatGrant>): DiscoveredCredential {
  return {
    kind: GITHUB_DISCOVERED_KINDS.pat,
    providerId: `${org}:${g.id}`,
    ownerIdentity: g.owner.login,
    scopes: patScopes(g.permissions),
    ...dates(g.access_granted_at, g.token_last_used_at, g.token_expires_at),
    status: g.token_expired ? 'disabled' : 'active',
    labels: {
      org,
      repositorySelection: g.repository_selection,
      ...(g.token_id === undefined ? {} : { tokenId: String(g.token_id) }),
      ...(g.token_name ? { tokenName: g.token_name.slice(0, 200) } : {}),
    },
  };
}

export function samlAuthorization(org: string, a: z.infer<typeof SamlAuthorization>): DiscoveredCredential {
  return {
    kind: GITHUB_DISCOVERED_KINDS.saml,
    providerId: `${org}:${a.credential_id}`,
    ownerIdentity: a.login,
    ...(a.scopes ? { scopes: a.scopes.map((s) => s.slice(0, 200)) } : {}),
    ...dates(a.credential_authorized_at, a.credential_accessed_at, a.authorized_credential_expires_at),
    labels: {
      org,
      credentialType: a.credential_type.slice(0, 100),
      ...(a.authorized_credential_id == null ? {} : { credentialId: String(a.authorized_credential_id) }),
      ...(a.token_last_eight ? { tokenLastEight: a.token_last_eight } : {}),
      ...(a.fingerprint ? { fingerprint: a.fingerprint.slice(0, 200) } : {}),
    },
  };
}

export function deployKey(
  repo: z.infer<typeof Repository>,
  k: z.infer<typeof DeployKey>,
): DiscoveredCredential {
  const owner = repo.owner.login;
  return {
    kind: GITHUB_DISCOVERED_KINDS.deployKey,
    providerId: `${owner}/${repo.name}:${k.id}`,
    // A deploy key belongs to the repository, not to a person; `added_by` is who put it there.
    ...(k.added_by ? { ownerIdentity: k.added_by } : {}),
    scopes: k.read_only ? ['contents:read'] : ['contents:read', 'contents:write'],
    ...dates(k.created_at, k.last_used, undefined),
    status: k.enabled === false ? 'disabled' : 'active',
    labels: {
      repository: `${owner}/${repo.name}`,
      ...(k.title ? { title: k.title.slice(0, 200) } : {}),
      ...(repo.archived ? { archived: 'true' } : {}),
    },
  };
}
