/** The one backoff (src/util/backoff.ts): full jitter within [0, ceiling], a cap, Retry-After wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCeilingMs, backoffMs } from '../../src/util/backoff.js';
import { nextRetry } from '../../src/pipeline/retry.js';

const policy = { baseMs: 100, capMs: 5_000 };

test('the ceiling doubles from the base and stops at the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 50, 10_000].map((a) => backoffCeilingMs(a, policy)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000],
  );
  assert.equal(backoffCeilingMs(0, policy), 100, 'attempt 0 counts as the first');
  assert.equal(backoffCeilingMs(-3, policy), 100);
});

test('full jitter: the extremes of the random draw map to 0 and the ceiling', () => {
  assert.equal(backoffMs(3, policy, { random: () => 0 }), 0);
  assert.equal(backoffMs(3, policy, { random: () => 0.999999 }), 399);
  assert.equal(backoffMs(30, policy, { random: () => 0.999999 }), 4999, 'never past the cap');
  assert.equal(backoffMs(3, policy, { random: () => 0.5 }), 200);
  // A broken random source cannot push the delay out of bounds.
  assert.equal(backoffMs(3, policy, { random: () => 7 }), 400);
  assert.equal(backoffMs(3, policy, { random: () => -1 }), 0);
});

test('with the real random source every delay lies within [0, ceiling] and the draws spread', () => {
  const seen = new Set<number>();
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = backoffCeilingMs(attempt, policy);
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(attempt, policy);
      assert.ok(
        Number.isInteger(d) && d >= 0 && d <= ceiling,
        `attempt ${attempt}: ${d} within [0, ${ceiling}]`,
      );
      if (attempt === 12) seen.add(d);
    }
  }
  assert.ok(seen.size > 50, 'jittered, not a fixed delay');
});

test('a floor keeps the draw within [floor, ceiling]', () => {
  const p = { ...policy, minMs: 50 };
  assert.equal(backoffMs(1, p, { random: () => 0 }), 50);
  assert.equal(backoffMs(1, p, { random: () => 0.999999 }), 99);
  assert.equal(
    backoffMs(1, { baseMs: 100, capMs: 100, minMs: 500 }, { random: () => 0 }),
    100,
    'floor ≤ ceiling',
  );
});

test('Retry-After wins, even past the cap; a negative one means now', () => {
  assert.equal(backoffMs(1, policy, { retryAfterMs: 30_000, random: () => 0 }), 30_000);
  assert.equal(backoffMs(9, policy, { retryAfterMs: 1_234.4, random: () => 1 }), 1_234);
  assert.equal(backoffMs(9, policy, { retryAfterMs: -5 }), 0);
  assert.equal(backoffMs(2, policy, { retryAfterMs: Number.NaN, random: () => 0 }), 0, 'unparseable: jitter');
});

test('the task retry policy uses it: bounds, Retry-After, then max attempts and max age', () => {
  const retry = { baseMs: 1_000, capMs: 60_000, maxAttempts: 5, maxAgeMs: 120_000, leaseMs: 60_000 };
  const r = retry as Parameters<typeof nextRetry>[0];
  assert.deepEqual(
    nextRetry(r, 3, 0, undefined, () => 0.999999),
    { retry: true, delayMs: 3_999 },
  );
  assert.deepEqual(
    nextRetry(r, 3, 0, 7_000, () => 0),
    { retry: true, delayMs: 7_000 },
  );
  assert.deepEqual(nextRetry(r, 5, 0, undefined), { retry: false, reason: 'max_attempts' });
  assert.deepEqual(nextRetry(r, 1, 119_000, 5_000), { retry: false, reason: 'max_age' });
});
