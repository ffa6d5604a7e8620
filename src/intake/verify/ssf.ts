/**
 * OpenID SSF push deliveries (RFC 8935): the body is a compact Security Event Token. It is verified
 * with jose against the transmitter's keys (a JWKS, or a key resolver such as createRemoteJWKSet),
 * requiring header `typ: secevent+jwt`, the configured issuer and audience, and the SET claims
 * iss, iat, jti and events (RFC 8417). The verified claims go to handlers/sources/ssf.ts.
 *
 * Thrown errors carry `details.err`, the RFC 8935 error code the HTTP layer answers with
 * (400 `{ "err", "description" }`): invalid_request, invalid_key, invalid_issuer, invalid_audience,
 * authentication_failed.
 */
import {
  createLocalJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { TourniquetError } from '../../errors.js';
import type { HttpHeaders, RawBody, Verified } from './common.js';

export interface SsfOptions {
  /** The transmitter's keys: a JWKS document or a resolver (e.g. jose createRemoteJWKSet). */
  keys: JSONWebKeySet | JWTVerifyGetKey;
  issuer: string | string[];
  /** This receiver's audience value(s) as registered with the transmitter. */
  audience: string | string[];
  /** Allowed JWS algorithms. Default: asymmetric only. */
  algorithms?: string[];
  /** Reject SETs issued longer ago than this (poll deliveries may legitimately lag). */
  maxAgeSeconds?: number;
  clockToleranceSeconds?: number;
  /** Clock, in epoch milliseconds (tests inject one). */
  now?: () => number;
}

export interface VerifiedSet extends Verified {
  scheme: 'ssf.set';
  claims: JWTPayload;
}

export type Rfc8935Error =
  'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed';

const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

function rejected(err: Rfc8935Error, message: string, cause: unknown): TourniquetError {
  return new TourniquetError('INVALID_SIGNATURE', message, { details: { err }, cause });
}

/** jose's error codes → our codes. Only jose's `code`/`claim` are read: its messages stay out. */
function translate(e: unknown): TourniquetError {
  const code = (e as { code?: unknown } | null)?.code;
  const claim = (e as { claim?: unknown } | null)?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new TourniquetError('STALE_TIMESTAMP', 'SET is too old', { cause: e });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'iss') return rejected('invalid_issuer', 'SET issuer is not the configured one', e);
      if (claim === 'aud') return rejected('invalid_audience', 'SET audience is not this receiver', e);
      if (claim === 'iat' || claim === 'nbf') {
        return new TourniquetError('STALE_TIMESTAMP', 'SET is issued in the future', { cause: e });
      }
      return rejected('invalid_request', `SET claim check failed (${String(claim)})`, e);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return rejected('authentication_failed', 'SET signature does not match', e);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JWK_INVALID':
      return rejected('invalid_key', 'SET is not signed by a configured key', e);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return rejected('invalid_request', 'SET is not a valid signed JWT', e);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new TourniquetError('SERVICE_UNREACHABLE', 'transmitter JWKS could not be fetched', {
        retriable: true,
        cause: e,
      });
    default:
      // Not a jose verdict (a resolver's network failure): the delivery may be fine, retry later.
      return new TourniquetError('SERVICE_UNREACHABLE', 'SET keys could not be resolved', {
        retriable: true,
        cause: e,
      });
  }
}

export async function verifySecurityEventToken(
  body: RawBody,
  _headers: HttpHeaders,
  opts: SsfOptions,
): Promise<VerifiedSet> {
  const token = (typeof body === 'string' ? body : new TextDecoder().decode(body)).trim();
  const getKey: JWTVerifyGetKey = typeof opts.keys === 'function' ? opts.keys : createLocalJWKSet(opts.keys);
  const options: JWTVerifyOptions = {
    issuer: opts.issuer,
    audience: opts.audience,
    typ: 'secevent+jwt',
    algorithms: opts.algorithms ?? DEFAULT_ALGORITHMS,
    requiredClaims: ['iss', 'iat', 'jti', 'events'],
    ...(opts.maxAgeSeconds === undefined ? {} : { maxTokenAge: opts.maxAgeSeconds }),
    ...(opts.clockToleranceSeconds === undefined ? {} : { clockTolerance: opts.clockToleranceSeconds }),
    ...(opts.now === undefined ? {} : { currentDate: new Date(opts.now()) }),
  };
  try {
    const { payload, protectedHeader } = await jwtVerify(token, getKey, options);
    return {
      scheme: 'ssf.set',
      claims: payload,
      ...(protectedHeader.kid === undefined ? {} : { keyId: protectedHeader.kid }),
      ...(typeof payload.iat === 'number' ? { signedAt: new Date(payload.iat * 1000).toISOString() } : {}),
    };
  } catch (e: unknown) {
    throw translate(e);
  }
}
