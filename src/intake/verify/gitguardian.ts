/**
 * GitGuardian custom webhooks: `Gitguardian-Signature: sha256=<hex>` = HMAC-SHA256 over the raw
 * body, keyed with the `Timestamp` header value concatenated with the signature token. GitGuardian
 * advises dropping deliveries whose timestamp is more than a few seconds off: `maxAgeSeconds`.
 */
import {
  bodyBytes,
  checkFresh,
  hmacMatches,
  invalidSignature,
  prefixedHex,
  requireHeader,
  secretList,
  type Freshness,
  type HttpHeaders,
  type RawBody,
  type SecretOption,
  type Verified,
} from './common.js';

export interface GitGuardianOptions extends Freshness {
  /** The custom webhook's signature token; a list during rotation. */
  token: SecretOption;
}

export function verifyGitGuardian(body: RawBody, headers: HttpHeaders, opts: GitGuardianOptions): Verified {
  const tokens = secretList(opts.token, 'GitGuardian signature token');
  const timestamp = requireHeader(headers, 'timestamp');
  const provided = prefixedHex(requireHeader(headers, 'gitguardian-signature'), 'sha256=', 32);
  if (!provided) invalidSignature('Gitguardian-Signature is not sha256=<64 hex digits>');
  const keys = tokens.map((t) => Buffer.from(timestamp + t, 'utf8'));
  if (!hmacMatches('sha256', keys, bodyBytes(body), provided))
    invalidSignature('GitGuardian signature does not match');
  return { scheme: 'gitguardian.hmac-sha256', signedAt: checkFresh(timestamp, opts) };
}
