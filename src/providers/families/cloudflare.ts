/**
 * Cloudflare API tokens.
 * Docs: https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/delete/
 * (`DELETE /user/tokens/{token_id}`), .../tokens/methods/get/ (`GET /user/tokens/{token_id}`),
 * https://developers.cloudflare.com/fundamentals/api/reference/limits/ (429 with `Retry-After`).
 * Errors: `{"success":false,"errors":[{"code":…,"message":…}]}`.
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'cloudflare',
  title: 'Cloudflare',
  docs: [
    'https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/list/',
    'https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/delete/',
    'https://developers.cloudflare.com/fundamentals/api/reference/limits/',
  ],
  baseUrls: { api: 'https://api.cloudflare.com/client/v4' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'token' }],
  secrets: { token: 'an API token with "API Tokens Write" of the tokens\' owner' },
  kinds: [
    {
      kind: 'cloudflare.api_token',
      byId: { method: 'DELETE', path: '/user/tokens/{id}', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: { method: 'GET', path: '/user/tokens/{id}', auth: 'admin', dead: [{ status: 404 }] },
      providerId: 'token id',
      list: {
        path: '/user/tokens',
        items: 'result',
        paging: {
          type: 'page',
          param: 'page',
          sizeParam: 'per_page',
          size: 50,
          totalPages: 'result_info.total_pages',
        },
        providerId: '{id}',
        issuedAt: 'issued_on',
        lastUsedAt: 'last_used_on',
        expiresAt: 'expires_on',
        activeWhen: { field: 'status', equals: 'active' },
        labels: { name: 'name' },
        permission: 'API Tokens Read',
      },
    },
  ],
  propagationMs: 30_000,
  // 1,200 requests per 5 minutes per user.
  rateBudget: { perSecond: 4, burst: 10, concurrency: 4 },
});
