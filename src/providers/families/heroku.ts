/**
 * Heroku API keys and OAuth authorizations (`HRKU-` keys are authorizations too).
 * Docs: https://devcenter.heroku.com/articles/platform-api-reference#oauth-authorization-delete
 * (`DELETE /oauth/authorizations/{id}`; `GET` the same → 404 `{"id":"not_found"}` once gone),
 * https://devcenter.heroku.com/articles/platform-api-reference#rate-limits (429 `rate_limit`).
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'heroku',
  title: 'Heroku',
  docs: ['https://devcenter.heroku.com/articles/platform-api-reference#oauth-authorization'],
  baseUrls: { api: 'https://api.heroku.com' },
  headers: { accept: 'application/vnd.heroku+json; version=3' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'token' }],
  secrets: { token: "an API key of the authorizations' owner" },
  kinds: [
    {
      kind: 'heroku.oauth_authorization',
      byId: { method: 'DELETE', path: '/oauth/authorizations/{id}', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: {
        method: 'GET',
        path: '/oauth/authorizations/{id}',
        auth: 'admin',
        dead: [{ status: 404 }],
      },
      providerId: 'authorization id',
    },
  ],
  propagationMs: 10_000,
  // 4,500 requests/hour per account.
  rateBudget: { perSecond: 1, burst: 10, concurrency: 2 },
});
