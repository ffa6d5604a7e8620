/**
 * Hugging Face user access tokens (`hf_`).
 * Docs: https://huggingface.co/docs/hub/security-tokens (tokens, leak handling),
 * https://huggingface.co/docs/huggingface_hub/package_reference/hf_api (`whoami` = `GET
 * /api/whoami-v2`, 401 for an invalid token).
 * ◦ The revoke endpoint (`DELETE /api/whoami-v2`? no) is NOT in the public docs we could find: the
 * path below is the settings API the web UI uses (◦ unconfirmed). Check it before relying on it; the
 * base URL and this file are the only places to change.
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
