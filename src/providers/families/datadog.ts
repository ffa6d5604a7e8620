/**
 * Datadog API and application keys (site-specific: override `baseUrls.api`, e.g.
 * `https://api.datadoghq.eu`).
 * Docs: https://docs.datadoghq.com/api/latest/key-management/ (`DELETE /api/v2/api_keys/{api_key_id}`,
 * `DELETE /api/v2/application_keys/{app_key_id}`, 204; `GET` the same → 404 `{"errors":[…]}`),
 * https://docs.datadoghq.com/api/latest/rate-limits/ (`X-RateLimit-Reset`: seconds until reset).
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'datadog',
  title: 'Datadog',
  docs: [
    'https://docs.datadoghq.com/api/latest/key-management/',
    'https://docs.datadoghq.com/api/latest/key-management/',
    'https://docs.datadoghq.com/api/latest/rate-limits/',
  ],
  baseUrls: { api: 'https://api.datadoghq.com' },
  auth: [
    { type: 'header', header: 'DD-API-KEY', format: '{}', secret: 'apiKey' },
    { type: 'header', header: 'DD-APPLICATION-KEY', format: '{}', secret: 'appKey' },
  ],
  secrets: {
    apiKey: 'an API key of the org',
    appKey: 'an application key with api_keys_delete / user_app_keys',
  },
  kinds: [
    {
      kind: 'datadog.api_key',
      byId: { method: 'DELETE', path: '/api/v2/api_keys/{id}', auth: 'admin', gone: [{ status: 404 }] },
      verifyById: { method: 'GET', path: '/api/v2/api_keys/{id}', auth: 'admin', dead: [{ status: 404 }] },
      providerId: 'API key id',
      list: {
        path: '/api/v2/api_keys',
        items: 'data',
        paging: { type: 'page', param: 'page[number]', first: 0, sizeParam: 'page[size]', size: 100 },
        providerId: '{id}',
        ownerIdentity: 'relationships.created_by.data.id',
        issuedAt: 'attributes.created_at',
        labels: { name: 'attributes.name' },
        permission: 'api_keys_read',
      },
    },
    {
      kind: 'datadog.application_key',
      byId: {
        method: 'DELETE',
        path: '/api/v2/application_keys/{id}',
        auth: 'admin',
        gone: [{ status: 404 }],
      },
      verifyById: {
        method: 'GET',
        path: '/api/v2/application_keys/{id}',
        auth: 'admin',
        dead: [{ status: 404 }],
      },
      providerId: 'application key id',
      list: {
        path: '/api/v2/application_keys',
        items: 'data',
        paging: { type: 'page', param: 'page[number]', first: 0, sizeParam: 'page[size]', size: 100 },
        providerId: '{id}',
        ownerIdentity: 'relationships.owned_by.data.id',
        scopes: 'attributes.scopes',
        issuedAt: 'attributes.created_at',
        labels: { name: 'attributes.name' },
        permission: 'org_app_keys_read',
      },
    },
  ],
  rateLimit: { resetSeconds: ['x-ratelimit-reset'] },
  propagationMs: 30_000,
  rateBudget: { perSecond: 1, burst: 10, concurrency: 2 },
});
