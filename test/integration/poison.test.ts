/**
 * Poison is bounded (issue 12) on the embedded default: a message that fails deterministically goes
 * to the DLQ with its reason and attempt history, and the messages behind it are handled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Topic } from '../../src/bus/port.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

interface DeadLetterJson {
  code: string;
  reason: string;
  attempts: { code: string; kind: string }[];
  source: { topic: string; offset: string };
}

describe('poison messages on the embedded bus', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger });
    await runtime.startWorkers();
  });

  after(async () => {
    await runtime?.stop();
    await dir?.remove();
  });

  const deadLetters = async (topic: Topic) =>
    (await runtime.deps.bus.read!('dlq', 0, Number.MAX_SAFE_INTEGER))
      .map((m) => JSON.parse(m.value) as DeadLetterJson)
      .filter((d) => d.source.topic === topic);

  it('dead-letters an offboarding whose person holds U+0000, and plans the next one', async () => {
    const produce = (person: string) =>
      runtime.deps.bus.publish('offboarding', [
        // One key: the good offboarding queues behind the poison one, as on one Kafka partition.
        { key: 'hr', value: JSON.stringify({ kind: 'offboarding', source: 'hr', subject: { person } }) },
      ]);
    await produce('mallory\u0000@example.com');
    await produce('erin@example.com');

    const planned = await waitFor(
      'the good offboarding to be planned',
      async () => (await runtime.deps.store.listTriggers({})).filter((t) => t.kind === 'offboarding'),
      (ts) => ts.length > 0,
      30_000,
    );
    assert.deepEqual(
      planned.map((t) => t.kind === 'offboarding' && t.subject.person),
      ['erin@example.com'],
    );
    assert.equal((await runtime.deps.store.listPlans({ triggerId: planned[0]!.id })).length, 1);
    const [dead] = await waitFor(
      'the dead letter',
      () => deadLetters('offboarding'),
      (d) => d.length > 0,
    );
    assert.equal(dead!.code, 'INVALID_INPUT');
    assert.equal(dead!.source.offset, '0');
  });

  it('dead-letters an offboarding whose rejection reason quotes U+0000 (an evidence key)', async () => {
    const before = (await deadLetters('offboarding')).length;
    await runtime.deps.bus.publish('offboarding', [
      {
        key: 'hr2',
        value: JSON.stringify({
          kind: 'offboarding',
          subject: { person: 'frank@example.com' },
          evidence: { 'k\u0000': 1 },
        }),
      },
      {
        key: 'hr2',
        value: JSON.stringify({
          kind: 'offboarding',
          source: 'hr',
          subject: { person: 'grace@example.com' },
        }),
      },
    ]);
    await waitFor(
      'the good offboarding behind it to be planned',
      async () =>
        (await runtime.deps.store.listTriggers({})).filter(
          (t) => t.kind === 'offboarding' && t.subject.person === 'grace@example.com',
        ),
      (ts) => ts.length === 1,
      30_000,
    );
    const dead = await deadLetters('offboarding');
    assert.equal(dead.length, before + 1);
    assert.equal(dead.at(-1)!.code, 'INVALID_INPUT');
  });

  it('dead-letters a task message the store rejects, with its attempt history, and runs the next', async () => {
    // A task id the store cannot hold: before the bound, retried in place forever.
    await runtime.deps.bus.publish('tasks', [
      { key: 'c1', value: JSON.stringify({ taskId: 'task\u0000x' }) },
      { key: 'c1', value: JSON.stringify({ taskId: 'no-such-task' }) },
    ]);
    const [dead] = await waitFor(
      'the dead letter',
      () => deadLetters('tasks'),
      (d) => d.length > 0,
      30_000,
    );
    assert.equal(dead!.source.offset, '0');
    assert.equal(dead!.attempts.length, 1, 'a deterministic failure is not retried');
    assert.equal(dead!.attempts[0]!.kind, 'deterministic');
    // The message behind it was handled: the topic's cursor passed both.
    await waitFor(
      'the task topic to drain',
      () => runtime.deps.bus.health(),
      (h) => h.lag.tasks === 0,
    );
    const audit = await runtime.deps.store.listAudit({ limit: 1000 });
    assert.ok(audit.some((r) => r.type === 'message.dead_lettered' && r.data.topic === 'tasks'));
    assert.equal((await runtime.health()).stalled, undefined, 'a poison message is no stall');
  });
});
