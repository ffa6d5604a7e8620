/**
 * GitHub webhook deliveries (`secret_scanning_alert` and any other event):
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. GitHub signs no timestamp, so
 * replays are caught by trigger-id deduplication (`X-GitHub-Delivery` is logged, not trusted).
 */
import {
  bodyBytes,
  hmacMatches,
  invalidSignature,
  prefixedHex,
  requireHeader,
  secretList,
  type HttpHeaders,
  type RawBody,
  type SecretOption,
  type Verified,
} from './common.js';

export interface GitHubWebhookOptions {
  /** The webhook secret; a list during rotation. */
  secret: SecretOption;
}

export function verifyGitHubWebhook(
  body: RawBody,
  headers: HttpHeaders,
  opts: GitHubWebhookOptions,
): Verified {
  const keys = secretList(opts.secret, 'GitHub webhook secret').map((s) => Buffer.from(s, 'utf8'));
  const provided = prefixedHex(requireHeader(headers, 'x-hub-signature-256'), 'sha256=', 32);
  if (!provided) invalidSignature('X-Hub-Signature-256 is not sha256=<64 hex digits>');
  if (!hmacMatches('sha256', keys, bodyBytes(body), provided))
    invalidSignature('GitHub webhook signature does not match');
  return { scheme: 'github.hmac-sha256' };
}
