/**
 * Shared pieces of the delivery verifiers. Every verifier takes the raw body exactly as received
 * (re-serialising a parsed object changes bytes and breaks signatures) and the request headers, and
 * either returns a `Verified` record or throws TourniquetError `INVALID_SIGNATURE` (not authentic),
 * `STALE_TIMESTAMP` (authentic but outside the freshness window: a replay or a skewed clock) or
 * `INVALID_CONFIG` (our own settings are unusable). Messages never contain a secret or a signature.
 *
 * Comparisons of secret-derived values go through `timingSafeEqual` on equal-length buffers only;
 * a length mismatch is decided before any secret-dependent work, and it reveals nothing secret.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TourniquetError } from '../../errors.js';
import { isoTime } from '../../../handlers/sources/time.js';

export type RawBody = string | Uint8Array;
/** Node's IncomingHttpHeaders shape; names are matched case-insensitively. */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type VerifierScheme =
  | 'github.hmac-sha256'
  | 'github.partner-ecdsa-p256'
  | 'gitguardian.hmac-sha256'
  | 'bamboohr.hmac-sha256'
  | 'terraform.hmac-sha512'
  | 'okta.shared-secret'
  | 'ssf.set';

export interface Verified {
  scheme: VerifierScheme;
  /** Key id the delivery named (GitHub partner key identifier, JWS `kid`). */
  keyId?: string;
  /** The signed timestamp, as ISO, for schemes that sign one. */
  signedAt?: string;
}

/** A secret may be a list during rotation: the delivery is accepted when any one matches. */
export type SecretOption = string | readonly string[];

export const DEFAULT_MAX_AGE_SECONDS = 300;

export function invalidSignature(message: string, details?: unknown): never {
  throw new TourniquetError('INVALID_SIGNATURE', message, details === undefined ? {} : { details });
}

/** One header value, or undefined. Repeated signature headers are ambiguous and rejected. */
export function header(headers: HttpHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') return value;
    if (value.length === 1) return value[0];
    invalidSignature(`header ${name} is repeated`);
  }
  return undefined;
}

export function requireHeader(headers: HttpHeaders, name: string): string {
  const value = header(headers, name);
  if (value === undefined || value.trim() === '') invalidSignature(`header ${name} is missing`);
  return value.trim();
}

export function bodyBytes(body: RawBody): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function secretList(option: SecretOption, what: string): string[] {
  const list = (typeof option === 'string' ? [option] : [...option]).filter((s) => s.length > 0);
  if (list.length === 0) throw new TourniquetError('INVALID_CONFIG', `${what} is not configured`);
  return list;
}

/** Lower-case hex of the expected length, else undefined (the caller rejects). */
export function parseHex(value: string, bytes: number): Buffer | undefined {
  const re = new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`);
  return re.test(value) ? Buffer.from(value, 'hex') : undefined;
}

/**
 * True when `provided` equals HMAC(key, message) for one of the keys. Every key is tried (no early
 * exit), and each comparison is constant-time over the digest length.
 */
export function hmacMatches(
  algorithm: 'sha256' | 'sha512',
  keys: readonly Buffer[],
  message: Buffer,
  provided: Buffer,
): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = createHmac(algorithm, key).update(message).digest();
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) matched = true;
  }
  return matched;
}

/** Constant-time equality of two strings of any length, via their SHA-256 digests. */
export function secretEquals(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export interface Freshness {
  /** Largest accepted distance between the signed time and now, either way. Default 300 s. */
  maxAgeSeconds?: number;
  /** Clock, in epoch milliseconds (tests inject one). */
  now?: () => number;
}

/**
 * Checks a signed timestamp header (epoch seconds or an ISO time) against the clock. Call it after
 * the signature holds, so STALE_TIMESTAMP always means "authentic but replayed or skewed".
 */
export function checkFresh(timestamp: string, opts: Freshness): string {
  const iso = isoTime(timestamp);
  if (iso === undefined) invalidSignature('signed timestamp is not a time');
  const maxAge = opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const now = (opts.now ?? Date.now)();
  const skewSeconds = Math.abs(now - Date.parse(iso)) / 1000;
  if (skewSeconds > maxAge) {
    throw new TourniquetError('STALE_TIMESTAMP', `signed timestamp is outside the ${maxAge} s window`, {
      details: { skewSeconds: Math.round(skewSeconds) },
    });
  }
  return iso;
}

/** `sha256=<hex>` (GitHub, GitGuardian) → digest bytes; undefined when the prefix or hex is wrong. */
export function prefixedHex(value: string, prefix: string, bytes: number): Buffer | undefined {
  return value.startsWith(prefix) ? parseHex(value.slice(prefix.length), bytes) : undefined;
}
