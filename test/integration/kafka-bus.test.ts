/**
 * KafkaBus against a real broker (test/support/kafka.ts): ordering per key, redelivery after a
 * handler failure, group takeover, draining stop, health, and a broker restart mid-stream.
 * Each test has its own topics and groups (a unique prefix), so tests never see each other's data.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Partitioners, type Admin } from 'kafkajs';
import { TourniquetError } from '../../src/errors.js';
import { KafkaBus } from '../../src/bus/kafka.js';
import type { InMessage, OutMessage } from '../../src/bus/port.js';
import { busSetup, kafkaTopics, type LogLine } from '../support/kafka.js';
import { unavailable } from '../support/services.js';

const PARTITIONS = 3;
/** Planted in every message value: it must never reach a log line. */
const PLANTED = 'ghp_PLANTEDtokenNEVERlogged0123456789';

const setup = (t: TestContext) => busSetup(t, PARTITIONS);

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function msg(key: string, n: number): OutMessage {
  return { key, value: JSON.stringify({ n, token: PLANTED }), headers: { 'x-n': String(n) } };
}

const valueN = (m: InMessage): number => (JSON.parse(m.value) as { n: number }).n;

/** Keys that the producer's partitioner sends to distinct partitions, one key per partition. */
function keysOnDistinctPartitions(count: number): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < count; i++) {
    const key = `key-${i}`;
    const p = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
    if (!byPartition.has(p)) byPartition.set(p, key);
  }
  return [...byPartition.values()];
}

async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((res?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

function assertNothingPlantedLogged(logs: LogLine[]): void {
  for (const l of logs) assert.ok(!l.line.includes(PLANTED), `a log line carries a message value: ${l.line}`);
}

test('publish → consume: per-key order, logical topic, headers, partitions run concurrently', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const bus = c.bus();
  const seen = new Map<string, number[]>();
  const partitions = new Set<number>();
  let inFlight = 0;
  let maxInFlight = 0;
  await bus.subscribe({
    group: c.group('order'),
    topics: ['tasks'],
    handler: async (m) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      assert.equal(m.topic, 'tasks');
      assert.equal(m.headers['x-n'], String(valueN(m)));
      partitions.add(m.partition);
      await sleep(15);
      seen.set(m.key, [...(seen.get(m.key) ?? []), valueN(m)]);
      inFlight -= 1;
    },
  });
  await bus.start();
  const keys = Array.from({ length: 8 }, (_, i) => `cred-${i}`);
  for (let round = 0; round < 4; round++) {
    await bus.publish(
      'tasks',
      keys.flatMap((key) => Array.from({ length: 5 }, (_, i) => msg(key, round * 5 + i))),
    );
  }
  await waitFor(() => [...seen.values()].flat().length >= 160, 30_000, '160 messages');
  for (const key of keys) {
    assert.deepEqual(
      seen.get(key),
      Array.from({ length: 20 }, (_, i) => i),
      `order of ${key}`,
    );
  }
  assert.ok(partitions.size > 1, 'keys spread over partitions');
  assert.ok(maxInFlight > 1, 'different partitions are handled concurrently');
  assertNothingPlantedLogged(c.logs);
});

test('a handler that throws gets the same message again after a backoff; nothing is skipped', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const [stuckKey, otherKey] = keysOnDistinctPartitions(2) as [string, string];
  // A long enough backoff to watch the other partition flow while this one waits.
  const bus = c.bus({ handlerRetry: { initialMs: 1_500, maxMs: 1_500 } });
  const attempts: { n: number; at: number }[] = [];
  const done: string[] = [];
  let stuckFailures = 0;
  await bus.subscribe({
    group: c.group('retry'),
    topics: ['tasks'],
    handler: async (m) => {
      const n = valueN(m);
      if (m.key === stuckKey) attempts.push({ n, at: Date.now() });
      if (m.key === stuckKey && n === 2 && stuckFailures < 2) {
        stuckFailures += 1;
        throw new TourniquetError('STORE_UNAVAILABLE', 'store down', { retriable: true });
      }
      done.push(`${m.key}:${n}`);
    },
  });
  await bus.start();
  await bus.publish(
    'tasks',
    [0, 1, 2, 3, 4].map((n) => msg(stuckKey, n)),
  );
  await waitFor(() => stuckFailures >= 1, 15_000, 'first failure');
  await bus.publish(
    'tasks',
    [0, 1, 2].map((n) => msg(otherKey, n)),
  );
  await waitFor(() => done.includes(`${stuckKey}:4`), 20_000, 'the stuck key to finish');
  await waitFor(() => done.includes(`${otherKey}:2`), 10_000, 'the other key to finish');

  assert.deepEqual(
    attempts.map((a) => a.n),
    [0, 1, 2, 2, 2, 3, 4],
    'failed message retried in place; earlier ones not redelivered; later ones wait',
  );
  const retryGaps = attempts
    .filter((a) => a.n === 2)
    .map((a, i, all) => (i === 0 ? 0 : a.at - all[i - 1]!.at));
  for (const gap of retryGaps.slice(1)) assert.ok(gap >= 700, `retry came after a backoff (${gap} ms)`);
  // The other partition was not held up by the paused one.
  assert.ok(
    done.indexOf(`${otherKey}:2`) < done.indexOf(`${stuckKey}:2`),
    'other partition processed while the failing one waited',
  );
  assert.ok(c.logs.some((l) => l.level === 'warn' && l.line.includes('STORE_UNAVAILABLE')));

  await bus.stop();
  const offsets = await committedOffsets(c.admin, c.group('retry'), c.topics.tasks!);
  const committed = [...offsets.values()].map(Number).filter((o) => o >= 0);
  assert.deepEqual(
    committed.sort((a, b) => a - b),
    [3, 5],
    'every message committed, none skipped',
  );
  assertNothingPlantedLogged(c.logs);
});

test('a second consumer in the group takes over when the first stops, without losing messages', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const group = c.group('takeover');
  const processed = new Map<number, string[]>();
  const partitionsOfB = new Set<number>();
  let bStopped = false;
  const makeHandler = (name: string) => async (m: InMessage) => {
    await sleep(10);
    const n = valueN(m);
    processed.set(n, [...(processed.get(n) ?? []), name]);
    if (name === 'b' && bStopped) partitionsOfB.add(m.partition);
  };
  const a = c.bus();
  const b = c.bus();
  await a.subscribe({ group, topics: ['tasks'], handler: makeHandler('a') });
  await b.subscribe({ group, topics: ['tasks'], handler: makeHandler('b') });
  await a.start();
  await b.start();
  await waitFor(async () => (await a.health()).member && (await b.health()).member, 20_000, 'both members');

  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
  await a.publish(
    'tasks',
    Array.from({ length: 60 }, (_, n) => msg(keys[n % keys.length]!, n)),
  );
  await waitFor(
    () => [...processed.values()].filter((w) => w.includes('a')).length >= 5,
    20_000,
    'a at work',
  );
  await a.stop();
  bStopped = true;
  await b.publish(
    'tasks',
    Array.from({ length: 30 }, (_, i) => msg(keys[i % keys.length]!, 60 + i)),
  );
  await waitFor(() => processed.size === 90, 30_000, 'all 90 messages');
  for (let n = 0; n < 90; n++) assert.ok(processed.get(n)?.length, `message ${n} processed`);
  assert.equal(partitionsOfB.size, PARTITIONS, 'b took over every partition');
  assert.ok((await b.health()).member);
});

test('stop() drains: the in-flight handler finishes and is committed, nothing new starts', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const group = c.group('drain');
  const bus = c.bus();
  const started: number[] = [];
  let finishedAt = 0;
  await bus.subscribe({
    group,
    topics: ['tasks'],
    handler: async (m) => {
      started.push(valueN(m));
      if (valueN(m) === 0) {
        await sleep(1_500);
        finishedAt = Date.now();
      }
    },
  });
  await bus.start();
  await bus.publish(
    'tasks',
    [0, 1, 2, 3].map((n) => msg('one-key', n)),
  );
  await waitFor(() => started.includes(0), 15_000, 'first handler to start');
  await bus.stop();
  const stoppedAt = Date.now();
  assert.ok(finishedAt > 0 && finishedAt <= stoppedAt, 'stop() waited for the in-flight handler');
  assert.deepEqual(started, [0], 'no new message started after stop()');
  const offsets = await committedOffsets(c.admin, group, c.topics.tasks!);
  assert.ok([...offsets.values()].includes('1'), 'the drained message was committed');

  await assert.rejects(bus.publish('tasks', [msg('one-key', 9)]), (e: unknown) => {
    assert.ok(e instanceof TourniquetError);
    assert.equal(e.code, 'BUS_UNAVAILABLE');
    assert.equal(e.retriable, false);
    return true;
  });

  // The next consumer of the group continues after the drained message.
  const next = c.bus();
  const rest: number[] = [];
  await next.subscribe({ group, topics: ['tasks'], handler: async (m) => void rest.push(valueN(m)) });
  await next.start();
  await waitFor(() => rest.length >= 3, 15_000, 'remaining messages');
  await sleep(300);
  assert.deepEqual(rest, [1, 2, 3]);
});

test('health(): connected, member, and lag per logical topic', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const bus = c.bus();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  await bus.subscribe({ group: c.group('health'), topics: ['tasks'], handler: () => gate });
  assert.deepEqual(await bus.health(), { connected: false, member: false, lag: {} });
  await bus.start();
  await waitFor(async () => (await bus.health()).member, 20_000, 'membership');
  const idle = await bus.health();
  assert.equal(idle.connected, true, c.logs.map((l) => l.line).join('\n'));
  assert.deepEqual(idle.lag, { tasks: 0 });

  await bus.publish(
    'tasks',
    Array.from({ length: 10 }, (_, n) => msg('k', n)),
  );
  // The first message is in flight (uncommitted) behind the gate: all ten count as lag.
  await waitFor(async () => (await bus.health()).lag.tasks === 10, 15_000, 'lag 10');
  release();
  await waitFor(async () => (await bus.health()).lag.tasks === 0, 15_000, 'lag 0');
  await bus.stop();
  assert.deepEqual(await bus.health(), { connected: false, member: false, lag: {} });
});

test('health(): a broker that answers with an error is connected; the lag it cannot tell is left out', async (t) => {
  const c = await setup(t);
  if (!c) return;
  // No consumer restart while the test looks: the consumer of a deleted topic may crash.
  const bus = c.bus({ restartBackoff: { initialMs: 60_000, maxMs: 60_000 } });
  await bus.subscribe({ group: c.group('gone'), topics: ['tasks'], handler: async () => undefined });
  await bus.start();
  await waitFor(async () => (await bus.health()).member, 20_000, 'membership');
  assert.deepEqual((await bus.health()).lag, { tasks: 0 });

  // From now on the broker answers UNKNOWN_TOPIC_OR_PARTITION for the subscribed topic, as it does
  // for a new topic whose metadata it has not applied yet; deterministic, unlike that window.
  await c.admin.deleteTopics({ topics: [c.topics.tasks] });
  await waitFor(async () => !(await c.admin.listTopics()).includes(c.topics.tasks), 15_000, 'deletion');
  const started = Date.now();
  const h = await bus.health();
  assert.equal(h.connected, true, 'the broker answered, so it is reachable');
  assert.deepEqual(h.lag, {}, 'the lag of that topic is unknown, not 0');
  assert.ok(Date.now() - started < 3_000, 'answered within the health timeout');
  assert.ok(
    c.logs.some((l) => l.level === 'debug' && l.line.includes('UNKNOWN_TOPIC_OR_PARTITION')),
    'the reason is logged',
  );
});

test('a consumer handles as many partitions at once as configured, up to what the topic has', async (t) => {
  const c = await setup(t);
  if (!c) return;
  await c.bus().publish(
    'tasks',
    keysOnDistinctPartitions(PARTITIONS).map((key, n) => msg(key, n)),
  );
  const maxInFlight = async (partitions: number, name: string, reach: number) => {
    const bus = c.bus({ partitions });
    let inFlight = 0;
    let max = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({
      group: c.group(name),
      topics: ['tasks'],
      handler: async () => {
        max = Math.max(max, (inFlight += 1));
        await gate;
        inFlight -= 1;
      },
    });
    await bus.start();
    await waitFor(() => inFlight >= reach, 20_000, `${reach} handlers at once`);
    await sleep(1_000); // room for one more, if the cap were wrong
    release();
    await bus.stop();
    return max;
  };
  assert.equal(await maxInFlight(2, 'cap2', 2), 2, 'two configured: never three at once');
  assert.equal(await maxInFlight(4, 'cap4', PARTITIONS), PARTITIONS, 'every partition at once');
  assert.ok(
    c.logs.some((l) => l.level === 'warn' && l.line.includes(`${c.topics.tasks}: ${PARTITIONS}`)),
    'topics with fewer partitions than configured are reported',
  );
});

test('broker restart mid-stream: the bus reconnects and every message is processed', async (t) => {
  const c = await setup(t);
  if (!c) return;
  if (!c.k.canRestart) {
    unavailable(t, 'KAFKA_BROKERS is an external cluster: the broker cannot be restarted');
    return;
  }
  const bus = c.bus();
  const processed = new Set<number>();
  await bus.subscribe({
    group: c.group('restart'),
    topics: ['tasks'],
    handler: async (m) => void processed.add(valueN(m)),
  });
  await bus.start();

  const total = 60;
  let restart: Promise<void> | undefined;
  let publishRetries = 0;
  for (let n = 0; n < total; n++) {
    if (n === 20) {
      await waitFor(() => processed.size >= 20, 15_000, 'first 20 before the restart');
      restart = c.k.restart();
    }
    // A publisher retries retriable failures, as the pipeline does.
    for (;;) {
      try {
        await bus.publish('tasks', [msg(`k${n % 6}`, n)]);
        break;
      } catch (e) {
        assert.ok(e instanceof TourniquetError && e.code === 'BUS_UNAVAILABLE' && e.retriable, String(e));
        publishRetries += 1;
        await sleep(250);
      }
    }
    await sleep(50);
  }
  await restart;
  await waitFor(() => processed.size === total, 60_000, `all ${total} messages after the restart`);
  await waitFor(async () => (await bus.health()).member, 30_000, 'membership after the restart');
  t.diagnostic(`publish retries during the restart: ${publishRetries}`);
  assertNothingPlantedLogged(c.logs);
});

test('configuration and subscription mistakes fail with codes, before any connection', async () => {
  const topics = kafkaTopics('cfg');
  const base = { brokers: ['127.0.0.1:1'], clientId: 'cfg', topics, partitions: 3 };
  const code = (fn: () => unknown, expected: string) =>
    assert.throws(fn, (e: unknown) => e instanceof TourniquetError && e.code === expected);
  code(() => new KafkaBus({ ...base, brokers: [] }), 'INVALID_CONFIG');
  code(() => new KafkaBus({ ...base, partitions: 0 }), 'INVALID_CONFIG');
  code(() => new KafkaBus({ ...base, topics: { ...topics, dlq: topics.tasks } }), 'INVALID_CONFIG');

  const bus = new KafkaBus(base);
  const handler = async () => undefined;
  await bus.subscribe({ group: 'g', topics: ['tasks'], handler });
  await bus.subscribe({ group: 'g', topics: ['dlq'], handler });
  await assert.rejects(
    bus.subscribe({ group: 'g', topics: ['tasks'], handler }),
    (e: unknown) => e instanceof TourniquetError && e.code === 'CONFLICT',
  );
  await assert.rejects(
    bus.subscribe({ group: 'g2', topics: [], handler }),
    (e: unknown) => e instanceof TourniquetError && e.code === 'INVALID_CONFIG',
  );
  assert.deepEqual(await bus.health(), { connected: false, member: false, lag: {} });
  await bus.stop();
  await assert.rejects(bus.start(), (e: unknown) => e instanceof TourniquetError && e.code === 'CONFLICT');
});
