/**
 * Buildkite API access tokens (`bkua_`).
 * Docs: https://buildkite.com/docs/apis/rest-api/access-token (`GET /v2/access-token` describes the
 * token used; `DELETE /v2/access-token` revokes it, 204), https://buildkite.com/docs/apis/rest-api/limits
 * (429; `RateLimit-Reset` = seconds until the window resets).
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'buildkite',
  title: 'Buildkite',
  docs: [
    'https://buildkite.com/docs/apis/rest-api/access-token',
    'https://buildkite.com/docs/apis/rest-api/limits',
  ],
  baseUrls: { api: 'https://api.buildkite.com' },
  kinds: [
    {
      kind: 'buildkite.api_token',
      byValue: { method: 'DELETE', path: '/v2/access-token', auth: 'token', gone: [{ status: 401 }] },
      verifyByValue: { method: 'GET', path: '/v2/access-token', auth: 'token', dead: [{ status: 401 }] },
    },
  ],
  rateLimit: { resetSeconds: ['ratelimit-reset'] },
  propagationMs: 5_000,
  // 200 requests/minute per organization.
  rateBudget: { perSecond: 3, burst: 10, concurrency: 2 },
});
