/**
 * npm registry access tokens (`npm_`).
 * Docs: https://docs.npmjs.com/revoking-access-tokens and the registry's token API used by `npm
 * token revoke` (https://github.com/npm/cli/blob/latest/lib/commands/token.js →
 * `DELETE /-/npm/v1/tokens/token/<key or token>`, which accepts the token itself),
 * https://docs.npmjs.com/cli/commands/npm-whoami (`GET /-/whoami`, 401 once revoked).
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'npm',
  title: 'npm registry',
  docs: ['https://docs.npmjs.com/revoking-access-tokens', 'https://docs.npmjs.com/cli/commands/npm-token'],
  baseUrls: { api: 'https://registry.npmjs.org' },
  auth: [{ type: 'header', header: 'authorization', format: 'Bearer {}', secret: 'token' }],
  secrets: { token: "a token of the tokens' owner, to revoke by token key (id)" },
  kinds: [
    {
      kind: 'npm.access_token',
      // The token authenticates its own deletion; once dead it can only get 401.
      byValue: {
        method: 'DELETE',
        path: '/-/npm/v1/tokens/token/{secret}',
        auth: 'token',
        gone: [{ status: 401 }],
      },
      verifyByValue: { method: 'GET', path: '/-/whoami', auth: 'token', dead: [{ status: 401 }] },
      byId: { method: 'DELETE', path: '/-/npm/v1/tokens/token/{id}', auth: 'admin', gone: [{ status: 404 }] },
      providerId: 'token key',
      // Lists its owner's tokens only, each by key (the value itself is never listed whole).
      list: {
        path: '/-/npm/v1/tokens',
        items: 'objects',
        paging: { type: 'next', field: 'urls.next' },
        providerId: '{key}',
        issuedAt: 'created',
        labels: { readonly: 'readonly', automation: 'automation' },
        permission: "a token of the tokens' owner",
      },
    },
  ],
  propagationMs: 10_000,
  rateBudget: { perSecond: 2, burst: 5, concurrency: 2 },
});
