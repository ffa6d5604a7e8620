/**
 * Poison is bounded on Kafka (issue 12): an offboarding whose person holds U+0000 and a task
 * message the store rejects both land in the DLQ topic, and the messages behind them on the same
 * partition are handled. Before the bound, each was retried in place forever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineSetup } from '../support/kafka-pipeline.js';
import { waitFor } from '../support/wait.js';

interface DeadLetterJson {
  code: string;
  attempts: { kind: string }[];
  source: { topic: string; offset: string };
}

test('poison on the offboarding and task topics is dead-lettered; the partition moves on', async (t) => {
  const ctx = await pipelineSetup(t, { partitions: 1 });
  if (!ctx) return;
  const svc = await ctx.start('poison-bound');
  const offboarding = (person: string) => ({
    key: 'hr',
    value: JSON.stringify({ kind: 'offboarding', source: 'hr', subject: { person } }),
  });
  await ctx.produce('offboarding', [
    offboarding('mallory\u0000@example.com'),
    offboarding('erin@example.com'),
  ]);
  await ctx.produce('tasks', [
    { key: 'c1', value: JSON.stringify({ taskId: 'task\u0000x' }) },
    { key: 'c1', value: JSON.stringify({ taskId: 'no-such-task' }) },
  ]);

  const triggers = await waitFor(
    'the good offboarding to be planned',
    () =>
      ctx.query<{ id: string }>(
        "SELECT p.id FROM plans p JOIN triggers t ON t.id = p.trigger_id WHERE t.kind = 'offboarding'",
      ),
    (rows) => rows.length > 0,
    60_000,
  );
  assert.equal(triggers.length, 1);
  const dlq = await ctx.collect('dlq', (rs) => rs.length >= 2, 60_000);
  const records = dlq.map((r) => r.json as DeadLetterJson);
  const off = records.find((r) => r.source.topic === 'offboarding');
  const task = records.find((r) => r.source.topic === 'tasks');
  assert.equal(off?.code, 'INVALID_INPUT');
  assert.equal(off?.source.offset, '0');
  assert.equal(task?.source.offset, '0');
  assert.equal(task?.attempts[0]?.kind, 'deterministic');
  assert.equal(await svc.stop('SIGTERM'), 0);
});
