/**
 * PagerDuty: a person's sessions (offboarding; her PagerDuty user id is her identity there).
 * Docs: https://developer.pagerduty.com/api-reference/ "Delete all user sessions" (`DELETE
 * /users/{id}/sessions`, 204) and "List a user's active sessions" (`GET /users/{id}/sessions` →
 * `{"user_sessions":[…]}`), https://developer.pagerduty.com/docs/rest-api-rate-limits (429,
 * `ratelimit-reset` seconds ◦). Auth `Authorization: Token token=<key>`; errors `{"error":{"code","message"}}`.
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'pagerduty',
  title: 'PagerDuty',
  docs: [
    'https://developer.pagerduty.com/api-reference/',
    'https://developer.pagerduty.com/docs/rest-api-rate-limits',
  ],
  baseUrls: { api: 'https://api.pagerduty.com' },
  headers: { accept: 'application/vnd.pagerduty+json;version=2' },
  auth: [{ type: 'header', header: 'authorization', format: 'Token token={}', secret: 'apiKey' }],
  secrets: { apiKey: 'a full-access REST API key' },
  kinds: [
    {
      kind: 'pagerduty.user_sessions',
      byId: { method: 'DELETE', path: '/users/{id}/sessions', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: {
        method: 'GET',
        path: '/users/{id}/sessions',
        auth: 'admin',
        dead: [{ status: 404 }, { status: 200, field: 'user_sessions.length', equals: 0 }],
      },
      providerId: 'user id',
      identity: true,
      // Every user is an account whose sessions an offboarding ends.
      list: {
        path: '/users',
        items: 'users',
        paging: {
          type: 'page',
          param: 'offset',
          first: 0,
          unit: 'item',
          sizeParam: 'limit',
          size: 100,
          more: 'more',
        },
        providerId: '{id}',
        ownerIdentity: 'id',
        identity: { identity: 'id', email: 'email', displayName: 'name' },
        labels: { role: 'role' },
        permission: 'a REST API key that can read users',
      },
    },
  ],
  rateLimit: { resetSeconds: ['ratelimit-reset'] },
  propagationMs: 5_000,
  // 960 requests/minute per API key.
  rateBudget: { perSecond: 8, burst: 16, concurrency: 4 },
});
