/**
 * KafkaBus.read (replay --origin log) against a real broker: exactly the messages appended in
 * [fromTs, toTs), across partitions, while the live consumer group's offsets stay as they were.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, KafkaBus, waitForBroker } from '../../src/bus/kafka.js';
import { getKafka, kafkaTopics } from '../support/kafka.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('read returns one time range of a topic and leaves the live group untouched', async (t) => {
  const k = await getKafka(t);
  if (!k) return;
  await waitForBroker(k.brokers, 60_000);
  const topics = kafkaTopics(k.topicPrefix);
  await createTopics({ brokers: k.brokers }, topics, 3, { replicationFactor: 1 });
  const admin = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const bus = new KafkaBus({
    brokers: k.brokers,
    clientId: `${k.topicPrefix}.read-test`,
    topics,
    partitions: 3,
    consumer: { maxWaitTimeInMs: 250 },
  });
  t.after(() => bus.stop());

  const seen = new Set<string>();
  const group = `${k.topicPrefix}.live`;
  await bus.subscribe({ topics: ['leak'], group, handler: async (m) => void seen.add(m.value) });
  await bus.start();
  const batch = (tag: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ key: `${tag}-${i}`, value: `${tag}-${i}`, headers: { tag } }));

  await bus.publish('leak', batch('before', 10));
  await sleep(30);
  const from = Date.now();
  await bus.publish('leak', batch('inside', 20));
  await sleep(30);
  const to = Date.now();
  await sleep(30);
  await bus.publish('leak', batch('after', 10));
  for (let i = 0; i < 300 && seen.size < 40; i++) await sleep(50);
  assert.equal(seen.size, 40, 'the live group consumed everything');
  const committed = () => admin.fetchOffsets({ groupId: group, topics: [topics.leak] });
  const before = await committed();

  const got = await bus.read('leak', from, to);
  assert.deepEqual(
    got.map((m) => m.value).sort(),
    batch('inside', 20)
      .map((m) => m.value)
      .sort(),
  );
  assert.ok(got.every((m) => m.topic === 'leak' && m.headers['tag'] === 'inside'));
  assert.ok(got.every((m) => m.timestamp >= from && m.timestamp < to));
  assert.deepEqual(await bus.read('leak', to + 60_000, to + 120_000), [], 'an empty range reads nothing');

  assert.deepEqual(await committed(), before, "the live group's offsets did not move");
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  // This test's own read groups only: other suites on the same broker read too.
  const ours = `${k.topicPrefix}.read-test.read-`;
  assert.ok(!groups.some((g) => g.startsWith(ours)), 'the throwaway read group was deleted');
  // The live group still flows after a read.
  await bus.publish('leak', [{ key: 'later', value: 'later' }]);
  for (let i = 0; i < 200 && !seen.has('later'); i++) await sleep(50);
  assert.ok(seen.has('later'));
});
