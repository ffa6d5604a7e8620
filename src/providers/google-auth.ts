/**
 * Google service-account auth: a JWT assertion signed with the account's private key (RS256, `kid`
 * = private_key_id), exchanged at the token endpoint for an access token (OAuth 2.0 JWT bearer
 * grant, RFC 7523). With `subject` the service account acts as that user (Workspace domain-wide
 * delegation). https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
import { importPKCS8, SignJWT } from 'jose';
import type { SecretSetting } from '../../schemas/common.js';
import { resolveSecret } from '../config.js';
import { TourniquetError } from '../errors.js';
import { bearerCache, bearerCall } from './bearer-cache.js';
import { childLogger, type IdpDeps } from './idp-common.js';
import { restCall, unexpectedShape, type RestClient } from './rest-call.js';

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string;
  tokenUri: string;
}

/** Parses a JSON key file; the message never quotes it (it holds the private key). */
export function parseServiceAccountKey(json: string, name: string): ServiceAccountKey {
  let k: Record<string, unknown>;
  try {
    k = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new TourniquetError('INVALID_CONFIG', `${name}: serviceAccountKey is not JSON`);
  }
  const str = (f: string) => (typeof k[f] === 'string' && k[f] !== '' ? k[f] : undefined);
  const clientEmail = str('client_email');
  const privateKey = str('private_key');
  const privateKeyId = str('private_key_id');
  if (k.type !== 'service_account' || !clientEmail || !privateKey || !privateKeyId) {
    throw new TourniquetError(
      'INVALID_CONFIG',
      `${name}: serviceAccountKey must be a service_account key with client_email, private_key and private_key_id`,
    );
  }
  return {
    clientEmail,
    privateKey,
    privateKeyId,
    tokenUri: str('token_uri') ?? 'https://oauth2.googleapis.com/token',
  };
}

export function serviceAccountTokens(
  key: ServiceAccountKey,
  opts: { scopes: readonly string[]; subject?: string; tokenUrl?: string | undefined; client: RestClient },
) {
  const aud = opts.tokenUrl ?? key.tokenUri;
  let signing: ReturnType<typeof importPKCS8> | undefined;
  return bearerCache(async (signal) => {
    signing ??= importPKCS8(key.privateKey, 'RS256').catch(() => {
      signing = undefined;
      throw new TourniquetError(
        'INVALID_CONFIG',
        `${opts.client.provider}: the service account private key does not load`,
      );
    });
    const nowS = Math.floor(opts.client.now() / 1000);
    const assertion = await new SignJWT({ scope: opts.scopes.join(' ') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.privateKeyId })
      .setIssuer(key.clientEmail)
      .setAudience(aud)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 3600)
      .setSubject(opts.subject ?? key.clientEmail)
      .sign(await signing);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    });
    let got;
    try {
      got = await restCall(
        opts.client,
        { op: 'token', method: 'POST', url: aud, headers: {}, body: form },
        signal,
      );
    } catch (e) {
      // invalid_grant / unauthorized_client (400/401): the key, or the delegation, is refused.
      if (e instanceof TourniquetError && ['PROVIDER_REJECTED', 'PROVIDER_FORBIDDEN'].includes(e.code))
        throw new TourniquetError(
          'PROVIDER_AUTH_FAILED',
          `${opts.client.provider} token: service account refused`,
          {
            details: e.details,
          },
        );
      throw e;
    }
    const b = got.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof b?.access_token !== 'string') throw unexpectedShape(opts.client.provider, 'token');
    return { token: b.access_token, expiresInS: typeof b.expires_in === 'number' ? b.expires_in : 300 };
  }, opts.client.now);
}

/** Google API errors: `{error:{code, status, errors:[{reason}]}}`, or the token endpoint's `{error:"invalid_grant"}`. */
export function googleReason(body: unknown): string | undefined {
  const e = (body as { error?: unknown } | undefined)?.error;
  if (typeof e === 'string') return /^[a-z_]{1,60}$/.test(e) ? e : undefined;
  const o = e as { status?: unknown; errors?: { reason?: unknown }[] } | undefined;
  const r = o?.errors?.[0]?.reason ?? o?.status;
  return typeof r === 'string' && /^[A-Za-z_]{1,60}$/.test(r) ? r : undefined;
}

/** Google signals quota exhaustion with 403 (userRateLimitExceeded, rateLimitExceeded) as well as 429. */
export function googleRateLimited(status: number, body: unknown): boolean {
  const r = googleReason(body);
  return (
    status === 403 && (r === 'userRateLimitExceeded' || r === 'rateLimitExceeded' || r === 'quotaExceeded')
  );
}

/**
 * Calls to one Google API as a service account (GCP IAM, the Workspace Directory): the instance's
 * key, its REST client with Google's error reasons and rate-limit answers, and the cached token.
 */
export function googleApiCall(
  config: {
    name: string;
    serviceAccountKey: SecretSetting;
    tokenUrl?: string | undefined;
    timeoutMs: number;
  },
  deps: IdpDeps,
  type: string,
  apiUrl: string,
  auth: { scopes: readonly string[]; subject?: string },
) {
  const key = parseServiceAccountKey(
    resolveSecret(config.serviceAccountKey, deps.env ?? process.env),
    config.name,
  );
  const client: RestClient = {
    provider: config.name,
    timeoutMs: config.timeoutMs,
    log: childLogger(deps, config.name, type),
    now: deps.now ?? Date.now,
    reasonOf: googleReason,
    isRateLimited: googleRateLimited,
  };
  const tokens = serviceAccountTokens(key, { ...auth, tokenUrl: config.tokenUrl, client });
  return bearerCall(client, apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`, tokens);
}
