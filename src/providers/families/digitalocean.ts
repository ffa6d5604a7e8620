/**
 * DigitalOcean personal access tokens (`dop_v1_`) and OAuth tokens (`doo_v1_`).
 * Docs: https://docs.digitalocean.com/reference/api/oauth/ (revoke: `POST
 * https://cloud.digitalocean.com/v1/oauth/revoke` with `token`, authenticated as the token),
 * https://docs.digitalocean.com/reference/api/digitalocean/ (`GET /v2/account`: 401
 * `{"id":"unauthorized"}`; rate limits: `ratelimit-reset` is a Unix time, 429 `too_many_requests`).
 */
import type { FamilyRequestInput, FamilyVerifyInput } from '../../../schemas/providers/family.js';
import { defineFamily } from './define.js';

const revoke: FamilyRequestInput = {
  method: 'POST',
  base: 'oauth',
  path: '/v1/oauth/revoke',
  auth: 'token',
  form: { token: '{secret}' },
  gone: [{ status: 401 }],
};
const verify: FamilyVerifyInput = {
  method: 'GET',
  path: '/v2/account',
  auth: 'token',
  dead: [{ status: 401 }],
};

export default defineFamily({
  name: 'digitalocean',
  title: 'DigitalOcean',
  docs: [
    'https://docs.digitalocean.com/reference/api/oauth/',
    'https://docs.digitalocean.com/reference/api/digitalocean/',
  ],
  baseUrls: { api: 'https://api.digitalocean.com', oauth: 'https://cloud.digitalocean.com' },
  kinds: [
    { kind: 'digitalocean.personal_access_token', byValue: revoke, verifyByValue: verify },
    { kind: 'digitalocean.oauth_token', byValue: revoke, verifyByValue: verify },
  ],
  rateLimit: { resetEpoch: ['ratelimit-reset'] },
  propagationMs: 10_000,
  // 5,000 requests/hour, 250/minute.
  rateBudget: { perSecond: 1, burst: 10, concurrency: 2 },
});
