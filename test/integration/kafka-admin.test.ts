/**
 * Topic administration against a real broker (test/support/kafka.ts): `createTopics` returns only
 * when every partition serves requests, grows topics that have fewer partitions than configured,
 * leaves larger ones alone, and tells a refusal (permanent) from an absent broker (retriable).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics } from '../../src/bus/kafka.js';
import { TourniquetError } from '../../src/errors.js';
import { busSetup } from '../support/kafka.js';

test('createTopics: ready on return, grows smaller topics, keeps larger ones, fails fast when refused', async (t) => {
  const c = await busSetup(t, 1);
  if (!c) return;
  const conn = { brokers: c.k.brokers };
  const rf1 = { replicationFactor: 1 };
  const [a, b, d] = ['a', 'b', 'd'].map((n) => `${c.k.topicPrefix}.ct.${n}`) as [string, string, string];
  // Without kafkajs retries: every partition's leader must answer on the first request.
  const strict = new Kafka({
    brokers: c.k.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  await strict.connect();
  t.after(() => strict.disconnect());
  const partitionCounts = async (names: string[]) => {
    await Promise.all(names.map((n) => strict.fetchTopicOffsets(n)));
    const { topics } = await strict.fetchTopicMetadata({ topics: names });
    return Object.fromEntries(topics.map((x) => [x.name, x.partitions.length]));
  };

  assert.deepEqual(await createTopics(conn, [a, b], 2, rf1), { created: [a, b], existing: [], grown: [] });
  assert.deepEqual(await partitionCounts([a, b]), { [a]: 2, [b]: 2 });
  assert.deepEqual(await createTopics(conn, [a, b, d], 4, rf1), {
    created: [d],
    existing: [a, b],
    grown: [a, b],
  });
  assert.deepEqual(await partitionCounts([a, b, d]), { [a]: 4, [b]: 4, [d]: 4 });
  // Again: nothing to do. Fewer partitions than a topic has: left alone (Kafka cannot shrink one).
  assert.deepEqual(await createTopics(conn, [a, b, d], 4, rf1), {
    created: [],
    existing: [a, b, d],
    grown: [],
  });
  assert.deepEqual(await createTopics(conn, [a], 3, rf1), { created: [], existing: [a], grown: [] });
  assert.deepEqual(await partitionCounts([a]), { [a]: 4 });

  const refusedAt = Date.now();
  await assert.rejects(
    createTopics(conn, [`${c.k.topicPrefix}.ct.rf3`], 1, { replicationFactor: 3 }),
    (e: unknown) => e instanceof TourniquetError && e.code === 'BUS_UNAVAILABLE' && !e.retriable,
  );
  assert.ok(Date.now() - refusedAt < 10_000, 'a refusal is not retried until the deadline');
  const noBrokerAt = Date.now();
  await assert.rejects(
    createTopics({ brokers: ['127.0.0.1:1'] }, [a], 1, { timeoutMs: 1_500 }),
    (e: unknown) => e instanceof TourniquetError && e.code === 'BUS_UNAVAILABLE' && e.retriable,
  );
  assert.ok(Date.now() - noBrokerAt < 5_000, 'no broker: retried until the deadline only');
});
