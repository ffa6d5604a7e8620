/**
 * HCP Terraform / TFE notifications: `X-TFE-Notification-Signature` = hex HMAC-SHA512 of the raw body
 * keyed with the notification configuration's token. No timestamp is signed; replays dedup by run id.
 */
import {
  bodyBytes,
  hmacMatches,
  invalidSignature,
  parseHex,
  requireHeader,
  secretList,
  type HttpHeaders,
  type RawBody,
  type SecretOption,
  type Verified,
} from './common.js';

export interface TerraformOptions {
  /** The notification configuration's token; a list during rotation. */
  token: SecretOption;
}

export function verifyTerraform(body: RawBody, headers: HttpHeaders, opts: TerraformOptions): Verified {
  const keys = secretList(opts.token, 'Terraform notification token').map((t) => Buffer.from(t, 'utf8'));
  const provided = parseHex(requireHeader(headers, 'x-tfe-notification-signature'), 64);
  if (!provided) invalidSignature('X-TFE-Notification-Signature is not 128 hex digits');
  if (!hmacMatches('sha512', keys, bodyBytes(body), provided))
    invalidSignature('Terraform signature does not match');
  return { scheme: 'terraform.hmac-sha512' };
}
