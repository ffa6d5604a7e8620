/** The replay diff's "then" column: a task that ended without killing its credential says so. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { thenOf } from '../../../src/pipeline/replay.js';

it('a dead letter or a failed verification reads as still alive; a success as what it did', () => {
  assert.equal(thenOf({ status: 'dead_lettered', outcome: null }), 'still alive (dead-lettered)');
  assert.equal(thenOf({ status: 'failed', outcome: 'revoked' }), 'still alive (failed)');
  assert.equal(thenOf({ status: 'succeeded', outcome: 'revoked' }), 'succeeded (revoked)');
  assert.equal(thenOf({ status: 'planned', outcome: null }), 'planned');
});
