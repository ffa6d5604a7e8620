/**
 * GitHub secret-scanning partner deliveries: ECDSA P-256 with SHA-256 over the raw body, signature
 * in `Github-Public-Key-Signature` (base64 DER), key named by `Github-Public-Key-Identifier`.
 * Keys come from `GET https://api.github.com/meta/public_keys/secret_scanning`; fetching and caching
 * them is the caller's job, through `lookupKey` (key id → PEM, or undefined when unknown).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { TourniquetError } from '../../errors.js';
import {
  bodyBytes,
  invalidSignature,
  requireHeader,
  type HttpHeaders,
  type RawBody,
  type Verified,
} from './common.js';

export type PublicKeyLookup = (keyId: string) => string | undefined | Promise<string | undefined>;

export interface GitHubPartnerOptions {
  lookupKey: PublicKeyLookup;
}

const KEY_ID = /^[A-Za-z0-9._:=+/-]{1,200}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function p256Key(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e: unknown) {
    throw new TourniquetError('INVALID_CONFIG', 'GitHub partner public key is not a valid PEM key', {
      cause: e,
    });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TourniquetError('INVALID_CONFIG', 'GitHub partner public key is not an ECDSA P-256 key');
  }
  return key;
}

export async function verifyGitHubPartner(
  body: RawBody,
  headers: HttpHeaders,
  opts: GitHubPartnerOptions,
): Promise<Verified> {
  const keyId = requireHeader(headers, 'github-public-key-identifier');
  const signature = requireHeader(headers, 'github-public-key-signature');
  if (!KEY_ID.test(keyId)) invalidSignature('Github-Public-Key-Identifier is malformed');
  if (!BASE64.test(signature)) invalidSignature('Github-Public-Key-Signature is not base64');
  const pem = await opts.lookupKey(keyId);
  if (pem === undefined) invalidSignature('GitHub partner key identifier is unknown', { keyId });
  const key = p256Key(pem);
  let ok: boolean;
  try {
    ok = verify('sha256', bodyBytes(body), { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch (e: unknown) {
    // OpenSSL rejects a malformed DER signature by throwing: that is a bad signature, not our fault.
    throw new TourniquetError('INVALID_SIGNATURE', 'GitHub partner signature is malformed', { cause: e });
  }
  if (!ok) invalidSignature('GitHub partner signature does not match', { keyId });
  return { scheme: 'github.partner-ecdsa-p256', keyId };
}
