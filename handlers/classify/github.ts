/**
 * GitHub token formats (github.blog 2021-04-05): `<prefix>_` + a base62 body whose last 6 characters
 * are base62(CRC32(the rest of the body)), left-padded with `0`. Bodies are 36 characters today and
 * GitHub reserves the right to grow them up to 255.
 */
import { base62, crc32 } from './crc32.js';

export const GITHUB_PREFIXED_TYPES = {
  ghp: 'github.pat_classic',
  gho: 'github.oauth_token',
  ghu: 'github.user_to_server_token',
  ghs: 'github.installation_token',
  ghr: 'github.refresh_token',
} as const;

const PREFIXED = /^(ghp|gho|ghu|ghs|ghr)_([A-Za-z0-9]{36,251})$/;

/** The 6-character checksum GitHub appends to `random` (the body without its checksum). */
export function githubChecksum(random: string): string {
  return base62(crc32(random), 6);
}

export function classifyGitHubPrefixed(
  value: string,
): { tokenType: string; checksumValid: boolean } | undefined {
  const m = PREFIXED.exec(value);
  if (!m) return undefined;
  const prefix = m[1] as keyof typeof GITHUB_PREFIXED_TYPES;
  const body = m[2] as string;
  const random = body.slice(0, -6);
  // The checksum is public information derived from the token, so a plain comparison leaks nothing.
  return {
    tokenType: GITHUB_PREFIXED_TYPES[prefix],
    checksumValid: githubChecksum(random) === body.slice(-6),
  };
}
