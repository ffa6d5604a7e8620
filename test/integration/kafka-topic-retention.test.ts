/**
 * `tourniquet topics create` gives the topics that hold raw source events, and the DLQ, their
 * configured retention (README: Security model), read back from a real broker.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { getKafka, kafkaTopics } from '../support/kafka.js';
import { tempDir } from '../support/runtime.js';
import { childEnv } from '../support/service-process.js';

const BIN = join(import.meta.dirname, '../../bin/tourniquet.js');

test('topics create sets retention on the input topics and the DLQ', async (t) => {
  const k = await getKafka(t);
  if (!k) return;
  const dir = await tempDir();
  t.after(() => dir.remove());
  const topics = kafkaTopics(k.topicPrefix);
  const config = join(dir.path, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      kafka: { brokers: k.brokers, topics, partitions: 2 },
      retention: { inputTopicsMs: 3_600_000, deadLettersMs: 7_200_000, deadLettersMaxBytes: 2_000_000 },
    }),
  );
  const r = spawnSync(process.execPath, [BIN, 'topics', 'create'], {
    env: childEnv({ TOURNIQUET_CONFIG: config, TOURNIQUET_DATA_DIR: join(dir.path, 'data') }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);

  const admin = new kafkajs.Kafka({ brokers: k.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [topics.leak, topics.offboarding, topics.dlq, topics.tasks].map((name) => ({
      type: kafkajs.ConfigResourceTypes.TOPIC,
      name,
      configNames: ['retention.ms', 'retention.bytes'],
    })),
  });
  const value = (topic: string, name: string) =>
    resources.find((x) => x.resourceName === topic)?.configEntries.find((e) => e.configName === name)
      ?.configValue;
  assert.equal(value(topics.leak, 'retention.ms'), '3600000');
  assert.equal(value(topics.offboarding, 'retention.ms'), '3600000');
  assert.equal(value(topics.dlq, 'retention.ms'), '7200000');
  assert.equal(value(topics.dlq, 'retention.bytes'), '1000000', 'the byte limit split over 2 partitions');
  assert.notEqual(value(topics.tasks, 'retention.ms'), '3600000', 'other topics keep the broker default');
});
