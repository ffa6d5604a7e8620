import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isTourniquetError, type ErrorCode } from '../../../src/errors.js';
import {
  verifyBambooHr,
  verifyGitGuardian,
  verifyGitHubWebhook,
  verifyOkta,
  verifyTerraform,
} from '../../../src/intake/verify/index.js';

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isTourniquetError(e) && e.code === code);
}

const BODY = '{"action":"created","alert":{"number":42}}';
const NOW = Date.parse('2025-03-04T12:00:00Z');
const nowSeconds = String(Math.floor(NOW / 1000));

describe('verifyGitHubWebhook (X-Hub-Signature-256)', () => {
  const secret = "It's a Secret to Everybody";
  const vector = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('accepts the documented test vector, as text or bytes, whatever the header case', () => {
    assert.deepEqual(verifyGitHubWebhook('Hello, World!', { 'x-hub-signature-256': vector }, { secret }), {
      scheme: 'github.hmac-sha256',
    });
    verifyGitHubWebhook(Buffer.from('Hello, World!'), { 'X-Hub-Signature-256': vector }, { secret });
  });

  it('accepts any secret of a rotation list', () => {
    verifyGitHubWebhook(
      'Hello, World!',
      { 'x-hub-signature-256': vector },
      { secret: ['new-secret', secret] },
    );
  });

  it('rejects a changed body, a wrong secret, a missing or malformed header', () => {
    throwsCode(
      () => verifyGitHubWebhook('Hello, World?', { 'x-hub-signature-256': vector }, { secret }),
      'INVALID_SIGNATURE',
    );
    throwsCode(
      () => verifyGitHubWebhook('Hello, World!', { 'x-hub-signature-256': vector }, { secret: 'x' }),
      'INVALID_SIGNATURE',
    );
    throwsCode(() => verifyGitHubWebhook('Hello, World!', {}, { secret }), 'INVALID_SIGNATURE');
    for (const bad of [
      vector.slice(7),
      `sha1=${vector.slice(7)}`,
      `${vector}00`,
      vector.slice(0, -2),
      [vector, vector],
    ]) {
      throwsCode(
        () => verifyGitHubWebhook('Hello, World!', { 'x-hub-signature-256': bad }, { secret }),
        'INVALID_SIGNATURE',
      );
    }
  });

  it('refuses to run without a secret', () => {
    throwsCode(
      () => verifyGitHubWebhook('x', { 'x-hub-signature-256': vector }, { secret: '' }),
      'INVALID_CONFIG',
    );
    throwsCode(
      () => verifyGitHubWebhook('x', { 'x-hub-signature-256': vector }, { secret: [] }),
      'INVALID_CONFIG',
    );
  });
});

describe('verifyGitGuardian (HMAC keyed on Timestamp + token)', () => {
  const token = 'gg-signature-token-FAKE';
  const sign = (body: string, ts: string, key = token) =>
    `sha256=${createHmac('sha256', ts + key)
      .update(body)
      .digest('hex')}`;
  const headers = (ts: string, sig = sign(BODY, ts)) => ({ timestamp: ts, 'gitguardian-signature': sig });
  const opts = { token, now: () => NOW };

  it('accepts a fresh, correctly signed delivery and reports when it was signed', () => {
    const v = verifyGitGuardian(BODY, headers(nowSeconds), opts);
    assert.equal(v.signedAt, '2025-03-04T12:00:00.000Z');
  });

  it('rejects a bad signature, and a signature made without the timestamp in the key', () => {
    throwsCode(
      () => verifyGitGuardian(BODY, headers(nowSeconds, sign(BODY, nowSeconds, 'other')), opts),
      'INVALID_SIGNATURE',
    );
    const noTs = `sha256=${createHmac('sha256', token).update(BODY).digest('hex')}`;
    throwsCode(() => verifyGitGuardian(BODY, headers(nowSeconds, noTs), opts), 'INVALID_SIGNATURE');
    throwsCode(
      () => verifyGitGuardian(BODY, { 'gitguardian-signature': sign(BODY, nowSeconds) }, opts),
      'INVALID_SIGNATURE',
    );
  });

  it('an authentic but stale (or future) timestamp is STALE_TIMESTAMP', () => {
    const old = String(Number(nowSeconds) - 301);
    throwsCode(() => verifyGitGuardian(BODY, headers(old), opts), 'STALE_TIMESTAMP');
    const future = String(Number(nowSeconds) + 301);
    throwsCode(() => verifyGitGuardian(BODY, headers(future), opts), 'STALE_TIMESTAMP');
    verifyGitGuardian(BODY, headers(old), { ...opts, maxAgeSeconds: 600 });
  });

  it('a timestamp that is not a time is an invalid signature', () => {
    throwsCode(() => verifyGitGuardian(BODY, headers('yesterday'), opts), 'INVALID_SIGNATURE');
  });
});

describe('verifyBambooHr (HMAC over body + timestamp)', () => {
  const privateKey = 'bamboo-private-key-FAKE';
  const sign = (body: string, ts: string, key = privateKey) =>
    createHmac('sha256', key)
      .update(body + ts)
      .digest('hex');
  const headers = (ts: string, sig = sign(BODY, ts)) => ({
    'x-bamboohr-timestamp': ts,
    'x-bamboohr-signature': sig,
  });
  const opts = { privateKey, now: () => NOW };

  it('accepts epoch-second and ISO timestamps', () => {
    verifyBambooHr(BODY, headers(nowSeconds), opts);
    verifyBambooHr(BODY, headers('2025-03-04T11:59:00+0000'), opts);
  });

  it('rejects a bad signature, a tampered body and missing headers', () => {
    throwsCode(
      () => verifyBambooHr(BODY, headers(nowSeconds, sign(BODY, nowSeconds, 'wrong')), opts),
      'INVALID_SIGNATURE',
    );
    throwsCode(() => verifyBambooHr(`${BODY} `, headers(nowSeconds), opts), 'INVALID_SIGNATURE');
    throwsCode(
      () => verifyBambooHr(BODY, { 'x-bamboohr-signature': sign(BODY, nowSeconds) }, opts),
      'INVALID_SIGNATURE',
    );
  });

  it('rejects a stale timestamp with STALE_TIMESTAMP', () => {
    const old = '2025-03-04T11:50:00+0000';
    throwsCode(() => verifyBambooHr(BODY, headers(old), opts), 'STALE_TIMESTAMP');
  });
});

describe('verifyTerraform (hex HMAC-SHA512)', () => {
  const token = 'tfc-notification-token-FAKE';
  const sig = (body: string, key = token) => createHmac('sha512', key).update(body).digest('hex');

  it('accepts a correct signature and rejects a wrong one or a SHA-256 one', () => {
    verifyTerraform(BODY, { 'x-tfe-notification-signature': sig(BODY) }, { token });
    throwsCode(
      () => verifyTerraform(BODY, { 'x-tfe-notification-signature': sig(BODY, 'x') }, { token }),
      'INVALID_SIGNATURE',
    );
    const sha256 = createHmac('sha256', token).update(BODY).digest('hex');
    throwsCode(
      () => verifyTerraform(BODY, { 'x-tfe-notification-signature': sha256 }, { token }),
      'INVALID_SIGNATURE',
    );
    throwsCode(() => verifyTerraform(BODY, {}, { token }), 'INVALID_SIGNATURE');
  });
});

describe('verifyOkta (static header secret)', () => {
  const secret = 'okta-hook-secret-FAKE';

  it('accepts the configured secret in the configured header', () => {
    verifyOkta(BODY, { authorization: secret }, { secret });
    verifyOkta(BODY, { 'X-Hook-Auth': secret }, { secret, headerName: 'x-hook-auth' });
  });

  it('rejects a different secret, a prefix of it, and a missing header', () => {
    throwsCode(() => verifyOkta(BODY, { authorization: 'nope' }, { secret }), 'INVALID_SIGNATURE');
    throwsCode(
      () => verifyOkta(BODY, { authorization: secret.slice(0, -1) }, { secret }),
      'INVALID_SIGNATURE',
    );
    throwsCode(() => verifyOkta(BODY, { authorization: `${secret}x` }, { secret }), 'INVALID_SIGNATURE');
    throwsCode(() => verifyOkta(BODY, {}, { secret }), 'INVALID_SIGNATURE');
  });

  it('never puts the presented value in the error', () => {
    const presented = 'presented-value-PLANTED';
    assert.throws(
      () => verifyOkta(BODY, { authorization: presented }, { secret }),
      (e: unknown) =>
        isTourniquetError(e) && !JSON.stringify({ m: e.message, d: e.details }).includes(presented),
    );
  });
});
