/**
 * BambooHR webhooks: `X-BambooHR-Signature` = hex HMAC-SHA256, keyed with the webhook's private key,
 * over the raw body followed by the `X-BambooHR-Timestamp` value (the order BambooHR's PHP example
 * uses, `hash_hmac('sha256', $body . $timestamp, $key)` ◦ — check against a real delivery).
 */
import {
  bodyBytes,
  checkFresh,
  hmacMatches,
  invalidSignature,
  parseHex,
  requireHeader,
  secretList,
  type Freshness,
  type HttpHeaders,
  type RawBody,
  type SecretOption,
  type Verified,
} from './common.js';

export interface BambooHrOptions extends Freshness {
  /** The webhook's private key; a list during rotation. */
  privateKey: SecretOption;
}

export function verifyBambooHr(body: RawBody, headers: HttpHeaders, opts: BambooHrOptions): Verified {
  const keys = secretList(opts.privateKey, 'BambooHR webhook private key').map((k) => Buffer.from(k, 'utf8'));
  const timestamp = requireHeader(headers, 'x-bamboohr-timestamp');
  const provided = parseHex(requireHeader(headers, 'x-bamboohr-signature'), 32);
  if (!provided) invalidSignature('X-BambooHR-Signature is not 64 hex digits');
  const message = Buffer.concat([bodyBytes(body), Buffer.from(timestamp, 'utf8')]);
  if (!hmacMatches('sha256', keys, message, provided)) invalidSignature('BambooHR signature does not match');
  return { scheme: 'bamboohr.hmac-sha256', signedAt: checkFresh(timestamp, opts) };
}
