/**
 * Trigger ids for sources that give a stable, secret-free finding identity. Producer identifiers
 * that may contain characters outside the canonical `Id` set (repository names, ARNs, JWT ids) are
 * hashed with SHA-256; token-bearing leaks get no id here (intake derives it from the fingerprint).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * `<prefix>:<sha256 hex>` over the length-prefixed parts, so ("ab","c") and ("a","bc") never
 * collide whatever characters the parts contain.
 */
export function hashedId(prefix: string, ...parts: readonly string[]): string {
  const framed = parts.map((p) => `${p.length}:${p}`).join('');
  return `${prefix}:${bytesToHex(sha256(utf8ToBytes(framed)))}`;
}
