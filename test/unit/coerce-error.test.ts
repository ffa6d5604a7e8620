/** coerceError (src/errors.ts): anything thrown → a coded TourniquetError that keeps no secret. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coerceError, TourniquetError } from '../../src/errors.js';

const SECRET = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

test('our own errors pass through unchanged', () => {
  const e = new TourniquetError('PROVIDER_RATE_LIMITED', 'x', { retriable: true, retryAfterMs: 5 });
  assert.equal(coerceError(e), e);
});

test('a bug (TypeError) is INTERNAL, not retriable, and keeps a scrubbed cause with its stack', () => {
  let thrown: unknown;
  try {
    const table: Record<string, Record<string, string>> = {};
    void table[SECRET]![SECRET];
  } catch (e) {
    Object.assign(e as object, { request: { body: `token=${SECRET}` } });
    thrown = e;
  }
  const err = coerceError(thrown, { during: 'provider x execute', redact: [SECRET] });
  assert.equal(err.code, 'INTERNAL');
  assert.equal(err.retriable, false);
  assert.ok(err.cause instanceof Error && err.cause !== thrown, 'the original error is not kept');
  assert.equal((err.cause as Error).name, 'TypeError');
  assert.ok((err.cause as Error).stack?.includes('coerce-error.test.ts'), 'the stack names the throw site');
  assert.ok(!('request' in (err.cause as object)), 'no property of the original (its request) is kept');
  const everything = JSON.stringify({ m: err.message, s: (err.cause as Error).stack, d: err.details });
  assert.ok(!everything.includes(SECRET));
});

test('a token-like value is scrubbed even when nobody named it', () => {
  let thrown: unknown;
  try {
    JSON.parse(`{"token": ${SECRET}}`);
  } catch (e) {
    thrown = e;
  }
  const err = coerceError(thrown);
  assert.equal(err.code, 'INTERNAL');
  assert.ok(
    !err.message.includes(SECRET.slice(4)) && !String((err.cause as Error).stack).includes(SECRET.slice(4)),
  );
});

test('a transport failure (errno, abort) is retriable, with the code the caller names', () => {
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const a = coerceError(new Error('fetch failed', { cause: reset }), { transient: 'PROVIDER_NETWORK' });
  assert.equal(a.code, 'PROVIDER_NETWORK');
  assert.equal(a.retriable, true);
  const b = coerceError(new DOMException('The operation was aborted', 'AbortError'));
  assert.equal(b.code, 'SERVICE_UNREACHABLE');
  assert.equal(b.retriable, true);
});

test('an SDK error keeps its class name only; something not an Error says so', () => {
  class RequestError extends Error {
    override name = 'HttpError';
  }
  const sdk = coerceError(new RequestError(`POST /revoke {"token":"${SECRET}"} failed`));
  assert.equal(sdk.code, 'INTERNAL');
  assert.ok(!sdk.message.includes(SECRET) && !sdk.message.includes('POST'), 'no SDK message copied');
  const odd = coerceError(SECRET);
  assert.equal(odd.code, 'INTERNAL');
  assert.ok(!odd.message.includes(SECRET));
});
