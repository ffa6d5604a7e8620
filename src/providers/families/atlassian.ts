/**
 * Atlassian (cloud) API tokens of managed accounts.
 * Docs: https://developer.atlassian.com/cloud/admin/user-management/rest/api-group-users/ (`GET
 * /users/{account_id}/manage/api-tokens` lists a user's tokens; `DELETE
 * /users/{account_id}/manage/api-tokens/{tokenId}`, 204), https://developer.atlassian.com/cloud/admin/rate-limiting/
 * (429 with `Retry-After`). Auth: an organization API key, Bearer.
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'atlassian',
  title: 'Atlassian',
  docs: [
    'https://developer.atlassian.com/cloud/admin/user-management/rest/api-group-users/',
    'https://developer.atlassian.com/cloud/admin/rate-limiting/',
  ],
  baseUrls: { api: 'https://api.atlassian.com' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'apiKey' }],
  secrets: { apiKey: 'an organization admin API key' },
  kinds: [
    {
      kind: 'atlassian.api_token',
      byId: {
        method: 'DELETE',
        path: '/users/{id.0}/manage/api-tokens/{id.1}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: {
        method: 'GET',
        path: '/users/{id.0}/manage/api-tokens',
        auth: 'admin',
        dead: [{ status: 404 }, { status: 200, notListed: { key: 'id' } }],
      },
      providerId: 'account_id:token_id',
    },
  ],
  propagationMs: 30_000,
  rateBudget: { perSecond: 2, burst: 10, concurrency: 2 },
});
