/**
 * `ingest` publishes a burst grouped by kind and in chunks (src/ops/local.ts): input order holds
 * within each kind on the real embedded log, the caller gets every id back, and when the transport
 * fails part-way the error names exactly the triggers that were not accepted, over the operator
 * API too. Workers are not started: this is about acceptance, not processing.
 *
 * On Kafka, a burst several times the broker's default request limit (1 MiB per partition batch)
 * is accepted: the chunks keep each produce request under it.
 *
 * The failure is injected at the bus port: a wrapper around the real LocalLogBus refuses one chosen
 * publish call (what a full disk or a broker outage looks like to `ingest`). What is asserted is
 * the real log's content and the error `ingest` reports, never the wrapper.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, KafkaBus, waitForBroker } from '../../src/bus/kafka.js';
import type { Bus, Topic } from '../../src/bus/port.js';
import { TourniquetError, isTourniquetError } from '../../src/errors.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { PUBLISH_CHUNK, localOps } from '../../src/ops/local.js';
import { getKafka, kafkaTopics } from '../support/kafka.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

type Brief = { id: string; kind: string };

/** A real bus whose `failAt`-th publish to `topic` (1-based) throws BUS_UNAVAILABLE. */
function failingOn(bus: Bus, topic: Topic, failAt: number): Bus {
  let calls = 0;
  return {
    ...bus,
    publish: async (t, msgs) => {
      if (t === topic && ++calls === failAt)
        throw new TourniquetError('BUS_UNAVAILABLE', 'injected: disk full', { retriable: true });
      return bus.publish(t, msgs);
    },
    read: bus.read!.bind(bus),
  };
}

/** `n` leaks with one offboarding and one decommission every 100 inputs, interleaved. */
function mixedBurst(n: number, tag: string): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    i % 100 === 7
      ? { kind: 'offboarding', source: 'test', subject: { person: `p${i}-${tag}@example.com` } }
      : i % 100 === 8
        ? { kind: 'decommission', source: 'test', subject: { workload: `w${i}-${tag}` } }
        : { kind: 'leak', source: 'test', subject: { token: `tok_${tag}_${i}_abcdefghijklmnopqrstuvwxyz` } },
  );
}

describe('ingest of a burst', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger('warn');

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: dir.path, providers: [] }), { logger: log.logger });
  });
  after(async () => {
    await runtime.stop();
    await dir.remove();
  });

  /** A start time strictly after everything logged so far (read ranges are by append time). */
  async function mark(): Promise<number> {
    await new Promise((r) => setTimeout(r, 5));
    return Date.now();
  }

  async function logged(kind: Topic, since: number): Promise<string[]> {
    const msgs = await runtime.deps.bus.read!(kind, since, Date.now() + 1);
    return msgs.map((m) => m.key);
  }

  it('accepts a burst larger than one publish chunk, in input order within each kind', async () => {
    const since = await mark();
    const n = PUBLISH_CHUNK.messages * 2 + 137;
    const res = await localOps(runtime.deps).ingest(mixedBurst(n, 'ok'));
    assert.equal(res.accepted.length, n);
    for (const kind of ['leak', 'offboarding', 'decommission'] as const) {
      const expected = res.accepted.filter((a) => a.kind === kind).map((a) => a.id);
      assert.ok(expected.length > 0);
      assert.deepEqual(await logged(kind, since), expected, `${kind} topic holds the burst in input order`);
    }
  });

  it('a publish failing part-way names the triggers not accepted; the log holds exactly the others', async () => {
    const since = await mark();
    const n = PUBLISH_CHUNK.messages * 3;
    const ops = localOps({ ...runtime.deps, bus: failingOn(runtime.deps.bus, 'leak', 2) });
    const err = await ops.ingest(mixedBurst(n, 'fail')).then(
      () => assert.fail('ingest must reject'),
      (e: unknown) => e,
    );
    assert.ok(isTourniquetError(err));
    assert.equal(err.code, 'BUS_UNAVAILABLE');
    assert.equal(err.retriable, true);
    const { accepted, notAccepted } = err.details as { accepted: Brief[]; notAccepted: Brief[] };
    assert.equal(accepted.length + notAccepted.length, n);
    // The first leak chunk went out; the second failed and stopped the rest of that kind only.
    assert.ok(notAccepted.length > 0 && notAccepted.every((t) => t.kind === 'leak'));
    assert.ok(accepted.some((t) => t.kind === 'leak'));
    for (const kind of ['leak', 'offboarding', 'decommission'] as const) {
      assert.deepEqual(
        await logged(kind, since),
        accepted.filter((a) => a.kind === kind).map((a) => a.id),
        `${kind}: the log holds exactly what was reported accepted`,
      );
    }
    // What failed is a suffix of the leaks, so resubmitting does not reorder accepted work.
    const leaks = [...accepted, ...notAccepted].filter((t) => t.kind === 'leak').map((t) => t.id);
    const firstFailed = leaks.indexOf(notAccepted[0]!.id);
    assert.deepEqual(
      notAccepted.map((t) => t.id),
      leaks.slice(firstFailed),
    );

    // Resubmitting the same input is safe: same ids (the trigger stage deduplicates them).
    const again = await localOps(runtime.deps).ingest(mixedBurst(n, 'fail'));
    assert.deepEqual(
      again.accepted.filter((a) => notAccepted.some((x) => x.id === a.id)),
      notAccepted,
    );
  });

  it('over the operator API the failure is a 503 whose issues list the triggers not accepted', async () => {
    const ops = localOps({ ...runtime.deps, bus: failingOn(runtime.deps.bus, 'offboarding', 1) });
    const app = buildApp({
      ops,
      logger: log.logger,
      bodyLimitBytes: 1 << 20,
      adminToken: 'admin-token',
      health: () => runtime.deps.bus.health(),
    });
    try {
      const op = await ops.addOperator('rui', 'responder');
      const res = await app.inject({
        method: 'POST',
        url: '/v1/triggers',
        headers: { authorization: `Bearer ${op.token}` },
        payload: mixedBurst(20, 'http'),
      });
      assert.equal(res.statusCode, 503);
      const body = res.json() as { error: string; issues: { accepted: Brief[]; notAccepted: Brief[] } };
      assert.equal(body.error, 'BUS_UNAVAILABLE');
      assert.deepEqual(
        body.issues.notAccepted.map((t) => t.kind),
        ['offboarding'],
      );
      assert.equal(body.issues.accepted.length, 19);
    } finally {
      await app.close();
    }
  });

  /**
   * A bus on topics of one partition whose `leak` and `tasks` topics keep Kafka's default batch
   * limit (the test broker raises its own default to 8 MiB): every message of a publish call lands
   * in one record batch, so an unchunked multi-MiB publish is MESSAGE_TOO_LARGE.
   */
  async function onePartitionBus(t: TestContext) {
    const k = await getKafka(t);
    if (!k) return undefined;
    await waitForBroker(k.brokers, 60_000);
    const topics = kafkaTopics(k.topicPrefix);
    const admin = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [topics.leak, topics.tasks].map((topic) => ({
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(1024 * 1024 + 12) }],
        })),
      });
    } finally {
      await admin.disconnect();
    }
    await createTopics({ brokers: k.brokers }, topics, 1, { replicationFactor: 1 });
    const bus = new KafkaBus({
      brokers: k.brokers,
      clientId: `${k.topicPrefix}.ingest`,
      topics,
      partitions: 1,
    });
    t.after(() => bus.stop());
    await bus.start();
    return { bus, k };
  }

  it('on Kafka, one publish far above the 1 MiB batch limit (a 10k-task plan) is sent in order', async (t) => {
    const c = await onePartitionBus(t);
    if (!c) return;
    const from = Date.now();
    const messages = Array.from({ length: 10_000 }, (_, i) => ({
      key: `credential-${i}`,
      value: JSON.stringify({ taskId: `${String(i).padStart(32, '0')}`, pad: 'p'.repeat(300) }),
    }));
    await c.bus.publish('tasks', messages);
    const got = await c.bus.read('tasks', from, Date.now() + 1);
    assert.deepEqual(
      got.map((m) => m.key),
      messages.map((m) => m.key),
    );
  });

  it('on Kafka, a burst far above the 1 MiB request limit goes out in accepted chunks', async (t) => {
    const c = await onePartitionBus(t);
    if (!c) return;
    const { bus, k } = c;
    const n = 3000;
    const pad = 'e'.repeat(1500);
    const docs = Array.from({ length: n }, (_, i) => ({
      kind: 'leak',
      source: 'test',
      subject: { token: `tok_kafka_${k.topicPrefix}_${i}_abcdefghijklmnop` },
      evidence: { note: pad },
    }));
    const from = Date.now();
    const res = await localOps({ ...runtime.deps, bus }).ingest(docs);
    assert.equal(res.accepted.length, n);
    const got = await bus.read('leak', from, Date.now() + 1);
    assert.deepEqual(
      got.map((m) => m.key),
      res.accepted.map((a) => a.id),
      'every trigger on the topic, in input order',
    );
    const bytes = got.reduce((sum, m) => sum + m.value.length, 0);
    assert.ok(bytes > 4 * 1024 * 1024, `the burst is several MiB (${bytes} bytes)`);
  });
});
