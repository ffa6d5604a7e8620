/**
 * classifyToken: which provider and token type a secret's format names, offline and without I/O.
 * Used by intake to label a leaked value (SecretRef.tokenType/providerType) and by the resolver to
 * pick a revoke-by-value provider. Unknown formats are labelled `unknown`, never dropped.
 */
import { serviceAccountKeyRef } from './gcp.js';
import { classifyGitHubPrefixed } from './github.js';
import { normaliseSecret } from './normalise.js';
import { TOKEN_RULES } from './rules.js';

export interface TokenClass {
  /** `<provider>.<kind>` as named by the value's format, or `unknown`. */
  tokenType: string;
  /** Provider type (`github`, `slack`, `aws`, …); null when the format is unknown. */
  providerType: string | null;
  /** For formats with a built-in checksum (GitHub, npm): whether it holds. A failing checksum = not a real token. */
  checksumValid?: boolean;
  /** False for recognised values that grant nothing (AWS unique ids, Stripe publishable keys). */
  credential: boolean;
}

export const UNKNOWN_TOKEN: Readonly<TokenClass> = Object.freeze({
  tokenType: 'unknown',
  providerType: null,
  credential: true,
});

/** Longer than any format above; also keeps regex work bounded for hostile input. */
const MAX_TOKEN_LENGTH = 4096;

export function classifyToken(value: string): TokenClass {
  // Scanners sometimes keep a trailing newline or CRLF endings; the format is the normalised value.
  const v = normaliseSecret(value);
  if (v.length === 0 || v.length > MAX_TOKEN_LENGTH) return { ...UNKNOWN_TOKEN };
  const github = classifyGitHubPrefixed(v);
  if (github) {
    return {
      tokenType: github.tokenType,
      providerType: 'github',
      checksumValid: github.checksumValid,
      credential: true,
    };
  }
  if (serviceAccountKeyRef(v)) {
    // A key file, not a token: the gcp_iam adapter disables/deletes it by its private_key_id.
    return { tokenType: 'gcp.service_account_key', providerType: 'gcp_iam', credential: true };
  }
  for (const rule of TOKEN_RULES) {
    if (rule.pattern.test(v) && (rule.also === undefined || rule.also(v))) {
      return {
        tokenType: rule.tokenType,
        providerType: rule.providerType,
        ...(rule.checksum ? { checksumValid: rule.checksum(v) } : {}),
        credential: rule.credential ?? true,
      };
    }
  }
  return { ...UNKNOWN_TOKEN };
}

/** True for AWS access key ids (the public half of a key pair), which resolve by providerKeyId. */
export function isAwsAccessKeyId(value: string): boolean {
  const t = classifyToken(value).tokenType;
  return (
    t === 'aws.access_key' ||
    t === 'aws.temporary_access_key' ||
    t === 'aws.sts_service_bearer_key' ||
    t === 'aws.context_specific_key'
  );
}

export { githubChecksum, GITHUB_PREFIXED_TYPES } from './github.js';
export { crc32, base62 } from './crc32.js';
