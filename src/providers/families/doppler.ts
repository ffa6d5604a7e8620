/**
 * Doppler tokens: personal (`dp.pt.`), service (`dp.st.`), CLI (`dp.ct.`), service account (`dp.sa.`).
 * Docs: https://docs.doppler.com/reference/auth-revoke (`POST /v3/auth/revoke` `{"token"}`),
 * https://docs.doppler.com/reference/auth-me (`GET /v3/me`: 401 `{"messages":["Invalid Auth
 * token"],"success":false}`), https://docs.doppler.com/reference/api#rate-limits (429 with
 * `Retry-After`, `X-RateLimit-Reset` Unix time).
 */
import type { FamilyRequestInput, FamilyVerifyInput } from '../../../schemas/providers/family.js';
import { defineFamily } from './define.js';

const revoke: FamilyRequestInput = {
  method: 'POST',
  path: '/v3/auth/revoke',
  auth: 'token',
  json: { token: '{secret}' },
  gone: [{ status: 401 }],
};
const verify: FamilyVerifyInput = { method: 'GET', path: '/v3/me', auth: 'token', dead: [{ status: 401 }] };

export default defineFamily({
  name: 'doppler',
  title: 'Doppler',
  docs: ['https://docs.doppler.com/reference/auth-revoke', 'https://docs.doppler.com/reference/auth-me'],
  baseUrls: { api: 'https://api.doppler.com' },
  kinds: ['personal_token', 'service_token', 'cli_token', 'service_account_token'].map((k) => ({
    kind: `doppler.${k}`,
    byValue: revoke,
    verifyByValue: verify,
  })),
  rateLimit: { resetEpoch: ['x-ratelimit-reset'] },
  propagationMs: 5_000,
  rateBudget: { perSecond: 4, burst: 10, concurrency: 2 },
});
