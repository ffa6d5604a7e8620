/**
 * Okta event hooks authenticate with a static secret that Okta sends in a header you configure
 * (default `Authorization`). There is no body signature, so the body is not an input here; the
 * comparison is constant-time over SHA-256 digests, which also hides the secret's length.
 */
import {
  invalidSignature,
  requireHeader,
  secretEquals,
  secretList,
  type HttpHeaders,
  type RawBody,
  type SecretOption,
  type Verified,
} from './common.js';

export interface OktaOptions {
  /** Header carrying the secret, as configured on the event hook. Default `authorization`. */
  headerName?: string;
  secret: SecretOption;
}

export function verifyOkta(_body: RawBody, headers: HttpHeaders, opts: OktaOptions): Verified {
  const secrets = secretList(opts.secret, 'Okta event hook secret');
  const provided = requireHeader(headers, opts.headerName ?? 'authorization');
  let matched = false;
  for (const s of secrets) if (secretEquals(provided, s)) matched = true;
  if (!matched) invalidSignature('Okta event hook secret does not match');
  return { scheme: 'okta.shared-secret' };
}
