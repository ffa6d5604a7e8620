/**
 * Vercel access tokens.
 * Docs: https://vercel.com/docs/rest-api/reference/endpoints/authentication/invalidate-an-auth-token
 * (`DELETE /v3/user/tokens/{tokenId}`; the id `current` invalidates the token the request is
 * authenticated with), https://vercel.com/docs/rest-api/reference/endpoints/authentication/get-auth-token-metadata
 * (`GET /v5/user/tokens/{tokenId}`), https://vercel.com/docs/rest-api#errors (an invalid token gets
 * 403 `{"error":{"code":"forbidden","invalidToken":true}}`), https://vercel.com/docs/limits/rate-limits
 * (`X-RateLimit-Reset`: Unix time).
 */
import { defineFamily } from './define.js';

const invalidToken = [{ status: 403, field: 'error.invalidToken', equals: true }, { status: 401 }];

export default defineFamily({
  name: 'vercel',
  title: 'Vercel',
  docs: [
    'https://vercel.com/docs/rest-api/authentication/list-auth-tokens',
    'https://vercel.com/docs/rest-api/reference/endpoints/authentication/invalidate-an-auth-token',
    'https://vercel.com/docs/rest-api#errors',
  ],
  baseUrls: { api: 'https://api.vercel.com' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'token' }],
  secrets: { token: "a token of the tokens' owner, to invalidate by token id" },
  kinds: [
    {
      kind: 'vercel.access_token',
      byValue: { method: 'DELETE', path: '/v3/user/tokens/current', auth: 'token', gone: invalidToken },
      verifyByValue: { method: 'GET', path: '/v2/user', auth: 'token', dead: invalidToken },
      byId: { method: 'DELETE', path: '/v3/user/tokens/{id}', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: { method: 'GET', path: '/v5/user/tokens/{id}', auth: 'admin', dead: [{ status: 404 }] },
      providerId: 'token id',
      // Times are Unix milliseconds; `pagination.next` is sent back as `until`.
      list: {
        path: '/v6/user/tokens',
        items: 'tokens',
        paging: { type: 'cursor', param: 'until', field: 'pagination.next' },
        providerId: '{id}',
        issuedAt: 'createdAt',
        lastUsedAt: 'activeAt',
        expiresAt: 'expiresAt',
        labels: { name: 'name', type: 'type' },
        permission: "a token of the tokens' owner",
      },
    },
  ],
  rateLimit: { resetEpoch: ['x-ratelimit-reset'] },
  propagationMs: 10_000,
  rateBudget: { perSecond: 2, burst: 10, concurrency: 2 },
});
