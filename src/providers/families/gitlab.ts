/**
 * GitLab (gitlab.com or self-hosted: override `baseUrls.api` with `https://<host>/api/v4`).
 * Docs: https://docs.gitlab.com/api/personal_access_tokens/ (revoke self: `DELETE
 * /personal_access_tokens/self` with the token itself, 204; a revoked token gets 401),
 * https://docs.gitlab.com/api/project_access_tokens/, https://docs.gitlab.com/api/group_access_tokens/,
 * https://docs.gitlab.com/api/deploy_tokens/, https://docs.gitlab.com/api/admin/token/ (revoke any
 * token by value, administrators, GitLab 17.7+), https://docs.gitlab.com/security/rate_limits/
 * (`RateLimit-Reset` is a Unix time, plus `Retry-After`). Errors: `{"message":"404 Not Found"}`.
 * ◦ What a by-id DELETE or the admin token API answers for a token that is already revoked (404
 * assumed) is not documented; the pipeline verifies every re-attempt first (GET by id: `active`
 * false = dead), so a revoked token is recorded already_revoked either way.
 */
import { defineFamily } from './define.js';

const active = [{ status: 404 }, { status: 200, field: 'active', equals: false }];

export default defineFamily({
  name: 'gitlab',
  title: 'GitLab',
  docs: [
    'https://docs.gitlab.com/api/personal_access_tokens/',
    'https://docs.gitlab.com/api/project_access_tokens/',
    'https://docs.gitlab.com/api/group_access_tokens/',
    'https://docs.gitlab.com/api/deploy_tokens/',
    'https://docs.gitlab.com/api/admin/token/',
  ],
  baseUrls: { api: 'https://gitlab.com/api/v4' },
  auth: [{ type: 'header', header: 'PRIVATE-TOKEN', format: '{}', secret: 'token' }],
  tokenAuth: { header: 'PRIVATE-TOKEN', format: '{}' },
  secrets: {
    token: 'an administrator (or owner) token with the api scope: revokes by id, and deploy tokens by value',
  },
  kinds: [
    {
      kind: 'gitlab.personal_access_token',
      byValue: {
        method: 'DELETE',
        path: '/personal_access_tokens/self',
        auth: 'token',
        gone: [{ status: 401 }],
      },
      verifyByValue: {
        method: 'GET',
        path: '/personal_access_tokens/self',
        auth: 'token',
        dead: [{ status: 401 }],
      },
      byId: {
        method: 'DELETE',
        path: '/personal_access_tokens/{id}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: { method: 'GET', path: '/personal_access_tokens/{id}', auth: 'admin', dead: active },
      providerId: 'token_id',
      // An administrator lists every user's tokens, revoked and expired ones too (`active` false).
      list: {
        path: '/personal_access_tokens',
        query: { per_page: '100' },
        paging: { type: 'link' },
        providerId: '{id}',
        ownerIdentity: 'user_id',
        scopes: 'scopes',
        issuedAt: 'created_at',
        lastUsedAt: 'last_used_at',
        expiresAt: 'expires_at',
        activeWhen: { field: 'active', equals: true },
        labels: { name: 'name' },
        permission: 'an administrator token with read_api (others list only their own tokens)',
      },
    },
    {
      kind: 'gitlab.project_access_token',
      byValue: {
        method: 'DELETE',
        path: '/personal_access_tokens/self',
        auth: 'token',
        gone: [{ status: 401 }],
      },
      verifyByValue: {
        method: 'GET',
        path: '/personal_access_tokens/self',
        auth: 'token',
        dead: [{ status: 401 }],
      },
      byId: {
        method: 'DELETE',
        path: '/projects/{id.0}/access_tokens/{id.1}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: {
        method: 'GET',
        path: '/projects/{id.0}/access_tokens/{id.1}',
        auth: 'admin',
        dead: active,
      },
      providerId: 'project_id:token_id',
    },
    {
      kind: 'gitlab.group_access_token',
      byValue: {
        method: 'DELETE',
        path: '/personal_access_tokens/self',
        auth: 'token',
        gone: [{ status: 401 }],
      },
      verifyByValue: {
        method: 'GET',
        path: '/personal_access_tokens/self',
        auth: 'token',
        dead: [{ status: 401 }],
      },
      byId: {
        method: 'DELETE',
        path: '/groups/{id.0}/access_tokens/{id.1}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: { method: 'GET', path: '/groups/{id.0}/access_tokens/{id.1}', auth: 'admin', dead: active },
      providerId: 'group_id:token_id',
    },
    {
      kind: 'gitlab.deploy_token',
      // A deploy token cannot authenticate to the REST API, so by value needs the admin token API.
      byValue: {
        method: 'DELETE',
        path: '/admin/token',
        auth: 'admin',
        json: { token: '{secret}' },
        gone: [{ status: 404 }],
      },
      verifyByValue: {
        method: 'POST',
        path: '/admin/token',
        auth: 'admin',
        json: { token: '{secret}' },
        dead: [{ status: 404 }, { status: 200, field: 'revoked', equals: true }],
      },
      byId: {
        method: 'DELETE',
        path: '/projects/{id.0}/deploy_tokens/{id.1}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: {
        method: 'GET',
        path: '/projects/{id.0}/deploy_tokens/{id.1}',
        auth: 'admin',
        dead: [{ status: 404 }, { status: 200, field: 'revoked', equals: true }],
      },
      providerId: 'project_id:deploy_token_id',
    },
  ],
  rateLimit: { resetEpoch: ['ratelimit-reset'] },
  propagationMs: 5_000,
  // gitlab.com: authenticated API traffic 2,000 requests/min per user.
  rateBudget: { perSecond: 10, burst: 20, concurrency: 4 },
});
