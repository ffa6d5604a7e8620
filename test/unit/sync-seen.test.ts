/** The sync's compact record of what its listing showed (src/discovery/sync-seen.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenKeys } from '../../src/discovery/sync-seen.js';

test('SeenKeys answers membership for every key added, across growth and after more adds', () => {
  const seen = new SeenKeys();
  assert.equal(seen.has('x'), false, 'empty');
  for (let i = 0; i < 5_000; i += 2) seen.add(`k\u0000${i}`);
  for (let i = 0; i < 5_000; i++) assert.equal(seen.has(`k\u0000${i}`), i % 2 === 0, `k${i}`);
  seen.add('late');
  assert.ok(seen.has('late'));
  assert.ok(seen.has('k\u00004998'));
  assert.equal(seen.has('k\u00004999'), false);
});
