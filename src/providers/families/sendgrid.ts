/**
 * SendGrid API keys (`SG.<key id>.<secret>`: the middle part is the key's id).
 * Docs: https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys (`DELETE
 * /v3/api_keys/{api_key_id}`, 204; 404 `{"errors":[{"field":null,"message":"…"}]}`),
 * https://www.twilio.com/docs/sendgrid/api-reference/api-keys/retrieve-an-existing-api-key,
 * https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits
 * (429, `X-RateLimit-Reset`: Unix time).
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'sendgrid',
  title: 'SendGrid',
  docs: [
    'https://www.twilio.com/docs/sendgrid/api-reference/api-keys/retrieve-all-api-keys-belonging-to-the-authenticated-user',
    'https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys',
    'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits',
  ],
  baseUrls: { api: 'https://api.sendgrid.com' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'apiKey' }],
  secrets: { apiKey: 'an API key with the api_keys scope' },
  kinds: [
    {
      kind: 'sendgrid.api_key',
      idFromSecret: { split: '.', index: 1 },
      byValue: { method: 'DELETE', path: '/v3/api_keys/{secretId}', auth: 'admin', gone: [{ status: 404 }] },
      verifyByValue: {
        method: 'GET',
        path: '/v3/api_keys/{secretId}',
        auth: 'admin',
        dead: [{ status: 404 }],
      },
      byId: { method: 'DELETE', path: '/v3/api_keys/{id}', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: { method: 'GET', path: '/v3/api_keys/{id}', auth: 'admin', dead: [{ status: 404 }] },
      providerId: 'API key id',
      // One answer holds every key (no paging is documented).
      list: {
        path: '/v3/api_keys',
        items: 'result',
        providerId: '{api_key_id}',
        labels: { name: 'name' },
        permission: 'api_keys.read',
      },
    },
  ],
  rateLimit: { resetEpoch: ['x-ratelimit-reset'] },
  propagationMs: 10_000,
  rateBudget: { perSecond: 5, burst: 10, concurrency: 2 },
});
