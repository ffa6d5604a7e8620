/**
 * Twilio API keys (`SK` + 32 hex: the key SID, which is what a leak usually shows; revoking it kills
 * its secret). Docs: https://www.twilio.com/docs/iam/api-keys/key-resource (`DELETE
 * /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`, 204; `GET` → 404 `{"code":20404,…,"status":404}`),
 * https://www.twilio.com/docs/usage/security#http-authentication (Basic, account SID + auth token or
 * API key SID + secret), https://www.twilio.com/docs/errors/20429 (429).
 */
import { defineFamily } from './define.js';

const keyPath = (sid: string) => `/2010-04-01/Accounts/{var.accountSid}/Keys/${sid}.json`;

export default defineFamily({
  name: 'twilio',
  title: 'Twilio',
  docs: [
    'https://www.twilio.com/docs/iam/api-keys/key-resource',
    'https://www.twilio.com/docs/usage/security',
  ],
  baseUrls: { api: 'https://api.twilio.com' },
  auth: [{ type: 'basic', user: 'username', password: 'password' }],
  secrets: {
    username: 'the account SID (or a main API key SID)',
    password: 'its auth token (or the key secret)',
  },
  vars: { accountSid: 'the account (AC…) the keys belong to' },
  kinds: [
    {
      kind: 'twilio.api_key',
      // The leaked "value" is the key SID: revoking it needs only our own credentials.
      byValue: { method: 'DELETE', path: keyPath('{secret}'), auth: 'admin', gone: [{ status: 404 }] },
      verifyByValue: { method: 'GET', path: keyPath('{secret}'), auth: 'admin', dead: [{ status: 404 }] },
      byId: { method: 'DELETE', path: keyPath('{id}'), auth: 'admin', gone: [{ status: 404 }] },
      verifyById: { method: 'GET', path: keyPath('{id}'), auth: 'admin', dead: [{ status: 404 }] },
      providerId: 'key SID (SK…)',
      list: {
        path: '/2010-04-01/Accounts/{var.accountSid}/Keys.json',
        query: { PageSize: '100' },
        items: 'keys',
        paging: { type: 'next', field: 'next_page_uri' },
        providerId: '{sid}',
        issuedAt: 'date_created',
        labels: { name: 'friendly_name' },
        permission: 'the account SID and auth token, or a Main API key',
      },
    },
  ],
  propagationMs: 10_000,
  rateBudget: { perSecond: 5, burst: 10, concurrency: 2 },
});
