/** The health page's numbers: nearest-rank percentiles and how audit records pair with triggers. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AuditRecord } from '../../../schemas/audit.js';
import { durations, percentile, summarize } from '../../../src/console/latency.js';

const rec = (type: AuditRecord['type'], at: string, triggerId: string | null, taskId: string, data = {}) =>
  ({
    type,
    at,
    triggerId,
    taskId,
    actor: 'pipeline',
    planId: null,
    credentialId: null,
    data,
    seq: 1,
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  }) as AuditRecord;

it('nearest rank: every percentile is a measured value', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 95), 10);
  assert.equal(percentile([7], 50), 7);
  assert.equal(percentile([7], 95), 7);
  assert.throws(() => percentile([], 50), RangeError);
});

it('summarize sorts, counts, and says nothing of nothing', () => {
  assert.deepEqual(summarize([3, 1, 2]), { count: 3, p50: 2, p95: 3 });
  assert.equal(summarize([]), null);
});

it('pairs ends with their trigger start; an unknown start is counted, not guessed', () => {
  const t0 = Date.parse('2026-12-03T18:00:00.000Z');
  const starts = new Map([['trig-a', t0]]);
  const d = durations(
    [rec('task.revoked', '2026-12-03T18:00:02.000Z', 'trig-a', 'task-1')],
    [
      rec('task.verified', '2026-12-03T18:00:05.000Z', 'trig-a', 'task-1', { liveness: 'dead' }),
      // Found dead before any call: its revocation time is its verification time.
      rec('task.verified', '2026-12-03T18:00:01.000Z', 'trig-a', 'task-2', { after: 'precheck' }),
      rec('task.verified', '2026-12-03T18:00:09.000Z', 'trig-unknown', 'task-3', {}),
    ],
    starts,
  );
  assert.deepEqual(d.revoked, [2, 1]);
  assert.deepEqual(d.verified, [5, 1]);
  assert.equal(d.unmeasured, 1);
});
