/**
 * SET verification with real keys. One test serves the JWKS over real HTTP from a FAKE transmitter
 * (a node:http server on 127.0.0.1 that only answers GET /jwks with a fixed key set).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { isTourniquetError, type ErrorCode } from '../../../src/errors.js';
import { verifySecurityEventToken, type SsfOptions } from '../../../src/intake/verify/index.js';
import { normalizeSsf } from '../../../handlers/sources/ssf.js';
import { SSF_EVENT_TYPES } from '../../../schemas/sources/ssf.js';

const ISS = 'https://idp.acme.example/';
const AUD = 'https://tourniquet.acme.example/ssf';
const NOW = Date.parse('2025-03-04T18:00:00Z');

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const signer = await generateKeyPair('ES256');
const stranger = await generateKeyPair('ES256');
const jwks: JSONWebKeySet = {
  keys: [{ ...(await exportJWK(signer.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }],
};

async function makeSet(
  opts: {
    typ?: string;
    iss?: string;
    aud?: string;
    iat?: number;
    kid?: string;
    key?: SigningKey;
    claims?: JWTPayload;
  } = {},
): Promise<string> {
  const claims: JWTPayload = {
    jti: 'set-1',
    sub_id: { format: 'email', email: 'ada@acme.example' },
    events: { [SSF_EVENT_TYPES.accountDisabled]: { reason: 'hijacking' } },
    ...opts.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1', typ: opts.typ ?? 'secevent+jwt' })
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt(opts.iat ?? Math.floor(NOW / 1000) - 5)
    .sign(opts.key ?? signer.privateKey);
}

const options: SsfOptions = { keys: jwks, issuer: ISS, audience: AUD, now: () => NOW };

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, err?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    if (!isTourniquetError(e) || e.code !== code) return false;
    return err === undefined || (e.details as { err?: string } | undefined)?.err === err;
  });
}

describe('verifySecurityEventToken', () => {
  it('returns the claims of a valid SET, which normalize to an offboarding trigger', async () => {
    const token = await makeSet();
    const v = await verifySecurityEventToken(token, { 'content-type': 'application/secevent+jwt' }, options);
    assert.equal(v.scheme, 'ssf.set');
    assert.equal(v.keyId, 'k1');
    assert.equal(v.claims.iss, ISS);
    const r = normalizeSsf(v.claims);
    assert.ok(r.ok && r.triggers[0]?.kind === 'offboarding');
    await verifySecurityEventToken(Buffer.from(`${token}\n`), {}, options);
  });

  it('requires typ secevent+jwt (application/ prefix allowed)', async () => {
    await verifySecurityEventToken(await makeSet({ typ: 'application/secevent+jwt' }), {}, options);
    await rejectsWith(
      verifySecurityEventToken(await makeSet({ typ: 'JWT' }), {}, options),
      'INVALID_SIGNATURE',
      'invalid_request',
    );
  });

  it('checks issuer and audience, with RFC 8935 error codes', async () => {
    await rejectsWith(
      verifySecurityEventToken(await makeSet({ iss: 'https://evil.example/' }), {}, options),
      'INVALID_SIGNATURE',
      'invalid_issuer',
    );
    await rejectsWith(
      verifySecurityEventToken(await makeSet({ aud: 'https://other.example/' }), {}, options),
      'INVALID_SIGNATURE',
      'invalid_audience',
    );
  });

  it('rejects a foreign key, an unknown kid, a tampered payload and garbage', async () => {
    await rejectsWith(
      verifySecurityEventToken(await makeSet({ key: stranger.privateKey }), {}, options),
      'INVALID_SIGNATURE',
      'authentication_failed',
    );
    await rejectsWith(
      verifySecurityEventToken(await makeSet({ kid: 'k9' }), {}, options),
      'INVALID_SIGNATURE',
      'invalid_key',
    );
    const [h, , s] = (await makeSet()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, iat: 1, jti: 'x', events: {} })).toString(
      'base64url',
    );
    await rejectsWith(
      verifySecurityEventToken(`${h}.${forged}.${s}`, {}, options),
      'INVALID_SIGNATURE',
      'authentication_failed',
    );
    await rejectsWith(
      verifySecurityEventToken('not-a-jwt', {}, options),
      'INVALID_SIGNATURE',
      'invalid_request',
    );
  });

  it('requires the SET claims (events, jti)', async () => {
    const noEvents = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt(Math.floor(NOW / 1000))
      .sign(signer.privateKey);
    await rejectsWith(
      verifySecurityEventToken(noEvents, {}, options),
      'INVALID_SIGNATURE',
      'invalid_request',
    );
  });

  it('an old SET is STALE_TIMESTAMP when a maximum age is configured', async () => {
    const old = await makeSet({ iat: Math.floor(NOW / 1000) - 3600 });
    await verifySecurityEventToken(old, {}, options);
    await rejectsWith(
      verifySecurityEventToken(old, {}, { ...options, maxAgeSeconds: 600 }),
      'STALE_TIMESTAMP',
    );
  });

  it('fetches keys from a remote JWKS over HTTP; an unreachable JWKS is a retriable infrastructure error', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const keys = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/jwks`));
      const v = await verifySecurityEventToken(await makeSet(), {}, { ...options, keys });
      assert.equal(v.claims.jti, 'set-1');
      const missing = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/nope`));
      await assert.rejects(
        verifySecurityEventToken(await makeSet(), {}, { ...options, keys: missing }),
        (e: unknown) => isTourniquetError(e) && e.code === 'SERVICE_UNREACHABLE' && e.retriable,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
