/**
 * Hugging Face user access tokens (`hf_`).
 * Docs: https://huggingface.co/docs/hub/security-tokens (tokens, leak handling),
 * https://huggingface.co/docs/huggingface_hub/package_reference/hf_api (`whoami` = `GET
 * /api/whoami-v2`, 401 for an invalid token).
 * ◦ UNCONFIRMED: no revoke endpoint is in the public docs we could reach (searched the Hub and
 * huggingface_hub references). The path below is a placeholder to be checked against Hugging Face
 * before production use; if it is wrong the call answers 404, which is a permanent PROVIDER_REJECTED
 * (never read as "already gone"), so the task fails loudly rather than passing as revoked.
 */
import { defineFamily } from './define.js';

export default defineFamily({
  name: 'huggingface',
  title: 'Hugging Face',
  docs: [
    'https://huggingface.co/docs/hub/security-tokens',
    'https://huggingface.co/docs/huggingface_hub/package_reference/hf_api',
  ],
  baseUrls: { api: 'https://huggingface.co' },
  kinds: [
    {
      kind: 'huggingface.access_token',
      byValue: {
        method: 'DELETE',
        path: '/api/settings/tokens/self',
        auth: 'token',
        gone: [{ status: 401 }],
      },
      verifyByValue: { method: 'GET', path: '/api/whoami-v2', auth: 'token', dead: [{ status: 401 }] },
    },
  ],
  propagationMs: 5_000,
  rateBudget: { perSecond: 2, burst: 5, concurrency: 2 },
});
