import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RetryConfig } from '../../../schemas/config.js';
import { sealer } from '../../../src/crypto/seal.js';
import { isTourniquetError } from '../../../src/errors.js';
import { nextRetry } from '../../../src/pipeline/retry.js';

describe('nextRetry', () => {
  const policy = RetryConfig.parse({ maxAttempts: 5, baseMs: 1000, capMs: 8000, maxAgeMs: 60_000 });
  it('full jitter under an exponential cap', () => {
    assert.deepEqual(
      nextRetry(policy, 1, 0, undefined, () => 0.999),
      { retry: true, delayMs: 999 },
    );
    assert.deepEqual(
      nextRetry(policy, 3, 0, undefined, () => 0.5),
      { retry: true, delayMs: 2000 },
    );
    assert.deepEqual(
      nextRetry(policy, 4, 0, undefined, () => 1),
      { retry: true, delayMs: 8000 },
      'capped',
    );
    assert.deepEqual(
      nextRetry(policy, 2, 0, undefined, () => 0),
      { retry: true, delayMs: 0 },
    );
  });
  it('a provider delay takes precedence over backoff', () => {
    assert.deepEqual(
      nextRetry(policy, 1, 0, 2000, () => 0),
      { retry: true, delayMs: 2000 },
    );
  });
  it('stops at max attempts or max age', () => {
    assert.deepEqual(nextRetry(policy, 5, 0, undefined), { retry: false, reason: 'max_attempts' });
    assert.deepEqual(nextRetry(policy, 1, 59_000, 5000), { retry: false, reason: 'max_age' });
  });
});

describe('sealer', () => {
  const s = sealer(randomBytes(32));
  it('round-trips and binds the envelope to its associated data', () => {
    const env = s.seal('ghp_secret', 'fp-1');
    assert.ok(!env.includes('ghp_secret'));
    assert.equal(s.open(env, 'fp-1'), 'ghp_secret');
    assert.throws(
      () => s.open(env, 'fp-2'),
      (e: unknown) => isTourniquetError(e) && e.code === 'SEAL_FAILED',
    );
    assert.throws(
      () => sealer(randomBytes(32)).open(env, 'fp-1'),
      (e: unknown) => isTourniquetError(e) && e.code === 'SEAL_FAILED',
    );
    const tampered = env.slice(0, -2) + (env.endsWith('A') ? 'BB' : 'AA');
    assert.throws(
      () => s.open(tampered, 'fp-1'),
      (e: unknown) => isTourniquetError(e) && e.code === 'SEAL_FAILED',
    );
  });
});
