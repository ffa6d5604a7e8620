/**
 * The Kafka adapter of the bus port (src/bus/port.ts), on kafkajs 2.2.4.
 *
 * - publish: an idempotent producer (acks = all, one request in flight per broker) resolves after
 *   the broker acknowledged the write. Same key → same partition (Java-compatible murmur2
 *   partitioner), so one key's messages stay in publish order.
 * - subscribe/start: one kafkajs consumer per consumer group (src/bus/kafka-group.ts), committing
 *   each offset only after its handler resolved, and redelivering after a backoff when it threw.
 * - stop: drains consumers (in-flight handlers finish and commit), waits for pending publishes,
 *   then disconnects.
 * - read: a time range of one topic for replay, via a throwaway group (kafka-read.ts).
 * - health: producer and admin connected and a broker answering; group membership; lag per
 *   logical topic from committed offsets vs high watermarks, left out while the broker answers
 *   that it cannot tell (see health()).
 *
 * Topics must exist (createTopics / `tourniquet topics create`); nothing here auto-creates them.
 * Message values are opaque strings and are never logged.
 */
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { TourniquetError } from '../errors.js';
import type { Bus, BusHealth, InMessage, OutMessage, Subscription, Topic } from './port.js';
import { chunked, messageBytes } from './chunks.js';
import { disconnectQuietly, fetchLagPatiently } from './kafka-admin.js';
import {
  brokerAnswered,
  busUnavailable,
  createKafkaClient,
  describeKafkaError,
  SocketTracker,
  withTimeout,
  type Backoff,
  type BusLogger,
  type KafkaConnection,
} from './kafka-client.js';
import { GroupConsumer, type ConsumerTuning, type Route } from './kafka-group.js';
import { readRange } from './kafka-read.js';

export {
  createTopics,
  waitForBroker,
  type CreateTopicsOptions,
  type CreateTopicsResult,
} from './kafka-admin.js';
export type { BusLogger, KafkaConnection } from './kafka-client.js';
export type { ConsumerTuning } from './kafka-group.js';

export interface KafkaBusOptions {
  brokers: readonly string[];
  clientId: string;
  /** Logical topic → real topic name (config `kafka.topics`). */
  topics: Readonly<Record<Topic, string>>;
  /** Partitions per topic; also how many partitions a consumer handles concurrently. */
  partitions: number;
  logger?: BusLogger;
  /** Backoff before a message whose handler threw is delivered again. Default 500 ms … 30 s. */
  handlerRetry?: Partial<Backoff>;
  /** Backoff before a crashed consumer is rebuilt. Default 1 s … 30 s. */
  restartBackoff?: Partial<Backoff>;
  consumer?: ConsumerTuning;
  /** health() gives up on the broker after this long. Default 3000 ms. */
  healthTimeoutMs?: number;
}

interface ProducerSlot {
  producer: Producer;
  ready: Promise<void>;
  inFlight: number;
  retired: boolean;
}

export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly sockets = new SocketTracker();
  private readonly conn: KafkaConnection;
  private readonly realByTopic: ReadonlyMap<Topic, string>;
  private readonly groups = new Map<string, { routes: Map<string, Route>; consumer?: GroupConsumer }>();
  private slot: ProducerSlot | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private admin: Admin | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: KafkaBusOptions) {
    if (opts.brokers.length === 0)
      throw new TourniquetError('INVALID_CONFIG', 'kafka: no brokers configured');
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) {
      throw new TourniquetError('INVALID_CONFIG', 'kafka: partitions must be a positive integer');
    }
    const real = Object.values(opts.topics);
    if (new Set(real).size !== real.length) {
      throw new TourniquetError('INVALID_CONFIG', 'kafka: two logical topics map to the same real topic');
    }
    this.conn = {
      brokers: opts.brokers,
      clientId: opts.clientId,
      ...(opts.logger ? { logger: opts.logger } : {}),
    };
    this.kafka = createKafkaClient(this.conn, undefined, this.sockets);
    this.realByTopic = new Map(Object.entries(opts.topics) as [Topic, string][]);
  }

  async publish(topic: Topic, messages: readonly OutMessage[]): Promise<void> {
    if (this.state === 'stopped' || this.stopping) {
      throw new TourniquetError('BUS_UNAVAILABLE', 'kafka bus is stopped', { retriable: false });
    }
    const real = this.real(topic);
    if (messages.length === 0) return;
    const slot = this.producerSlot();
    slot.inFlight += 1;
    const send = (async () => {
      try {
        await slot.ready;
        // In order, one chunk at a time: a 10k-task plan must not become one produce request over
        // the broker's per-batch size limit, and per-key order must hold across chunks.
        for (const chunk of chunked(messages, messageBytes)) {
          await slot.producer.send({
            topic: real,
            acks: -1,
            messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
          });
        }
      } catch (e) {
        // After a failed send the idempotent producer's sequence numbers may no longer match what
        // the broker holds (the write may have landed); a fresh producer id makes the next
        // publish safe. The caller's retry may then duplicate: consumers are idempotent.
        this.retire(slot);
        throw busUnavailable(`publish to ${real} failed`, e);
      } finally {
        slot.inFlight -= 1;
        if (slot.retired && slot.inFlight === 0) void disconnectQuietly(slot.producer, this.conn);
      }
    })();
    this.track(send);
    await send;
  }

  async subscribe(sub: Subscription): Promise<void> {
    if (this.state === 'stopped' || this.stopping) {
      throw new TourniquetError('CONFLICT', 'kafka bus is stopped');
    }
    if (sub.topics.length === 0 || sub.group.length === 0) {
      throw new TourniquetError('INVALID_CONFIG', 'a subscription needs a group and at least one topic');
    }
    let group = this.groups.get(sub.group);
    if (group?.consumer) {
      throw new TourniquetError('CONFLICT', `consumer group ${sub.group} is already running`);
    }
    const routes = group?.routes ?? new Map<string, Route>();
    for (const topic of sub.topics) {
      const real = this.real(topic);
      if (routes.has(real)) {
        throw new TourniquetError('CONFLICT', `group ${sub.group} already has a handler for ${topic}`);
      }
      routes.set(real, { topic, handler: sub.handler });
    }
    if (!group) {
      group = { routes };
      this.groups.set(sub.group, group);
    }
    if (this.state === 'started') await this.startGroup(sub.group, group);
  }

  async start(): Promise<void> {
    if (this.state === 'stopped' || this.stopping) {
      throw new TourniquetError('CONFLICT', 'kafka bus is stopped');
    }
    if (this.state === 'started') return;
    this.state = 'started';
    // health() retries the admin's error answers itself, within its timeout (kafka-admin.ts).
    const admin = this.kafka.admin({ retry: { retries: 0 } });
    this.admin = admin;
    try {
      await Promise.all([this.producerSlot().ready, admin.connect()]);
    } catch (e) {
      // Back to 'new' so that a later start() tries again.
      this.state = 'new';
      this.admin = undefined;
      await disconnectQuietly(admin, this.conn);
      throw busUnavailable('kafka bus could not connect', e);
    }
    await this.checkPartitionCounts(admin);
    for (const [groupId, group] of this.groups) await this.startGroup(groupId, group);
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  async stopConsuming(): Promise<void> {
    // Each group's stop is idempotent: drain() stops them again, as a no-op.
    await Promise.all([...this.groups.values()].map((g) => g.consumer?.stop()));
  }

  /**
   * connected: the producer is connected and a broker answers within the health timeout. A broker
   * that answers with an error (a new partition's leader not serving yet, a group coordinator
   * loading) is reachable: then connected stays true and the topics whose lag could not be measured
   * are left out of `lag`, so a readiness probe does not flap on a transient metadata error.
   */
  async health(): Promise<BusHealth> {
    const admin = this.admin;
    if (this.state !== 'started' || this.stopping || !admin)
      return { connected: false, member: false, lag: {} };
    const groups = [...this.groups.values()].map((g) => g.consumer).filter((c) => c !== undefined);
    // Every group joined with partitions assigned (true when there are no subscriptions at all).
    const member = groups.length === this.groups.size && groups.every((g) => g.isMember());
    const timeoutMs = this.opts.healthTimeoutMs ?? 3_000;
    // Error answers are retried for half the time; the rest is for the last attempt to come back.
    const retryUntil = Date.now() + timeoutMs / 2;
    try {
      const lag = await withTimeout(this.measure(admin, groups, retryUntil), timeoutMs, 'kafka health check');
      return { connected: true, member, lag };
    } catch (e) {
      this.conn.logger?.debug({ error: describeKafkaError(e) }, 'kafka health check failed');
      return { connected: false, member, lag: {} };
    }
  }

  /** Replay: [fromTs, toTs) of one topic through a throwaway group (src/bus/kafka-read.ts). */
  async read(topic: Topic, fromTs: number, toTs: number): Promise<InMessage[]> {
    if (this.state === 'stopped' || this.stopping) {
      throw new TourniquetError('BUS_UNAVAILABLE', 'kafka bus is stopped', { retriable: false });
    }
    return readRange(this.kafka, this.conn, topic, this.real(topic), fromTs, toTs);
  }

  /**
   * A group handles `partitions` partitions at once, but only as many as its topics have: topics
   * created with fewer (an older default) cap the throughput. Advice only, hence a warning.
   */
  private async checkPartitionCounts(admin: Admin): Promise<void> {
    const real = [...new Set([...this.groups.values()].flatMap((g) => [...g.routes.keys()]))];
    if (real.length === 0) return;
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: real });
      const fewer = topics
        .filter((t) => t.partitions.length < this.opts.partitions)
        .map((t) => `${t.name}: ${t.partitions.length}`);
      if (fewer.length > 0) {
        this.conn.logger?.warn(
          { fewer, configured: this.opts.partitions },
          'kafka topics have fewer partitions than configured, which caps consumer concurrency; `tourniquet topics create` grows them',
        );
      }
    } catch (e) {
      // A missing topic fails the consumer's subscribe right after, with its own error.
      this.conn.logger?.debug({ error: describeKafkaError(e) }, 'kafka partition count check failed');
    }
  }

  /** Lag per logical topic; throws when the broker does not answer. */
  private async measure(
    admin: Admin,
    groups: readonly GroupConsumer[],
    retryUntil: number,
  ): Promise<Partial<Record<Topic, number>>> {
    // Connecting the producer here also replaces one retired by a failed publish.
    await this.producerSlot().ready;
    if (groups.length === 0) {
      await admin.describeCluster().catch((e: unknown) => {
        if (!brokerAnswered(e)) throw e;
      });
      return {};
    }
    const lag: Partial<Record<Topic, number>> = {};
    const unknown = new Set<Topic>();
    for (const g of groups) {
      const byReal = await fetchLagPatiently(admin, g.groupId, g.realTopics, retryUntil, this.conn.logger);
      for (const real of g.realTopics) {
        const topic = this.logical(real);
        if (!topic) continue;
        const n = byReal?.get(real);
        // Several groups may read one topic: report the one furthest behind.
        if (n === undefined) unknown.add(topic);
        else lag[topic] = Math.max(lag[topic] ?? 0, n);
      }
    }
    // A topic that one of its groups could not measure is unknown: another group's lag may understate it.
    for (const topic of unknown) delete lag[topic];
    return lag;
  }

  private async startGroup(
    groupId: string,
    group: { routes: Map<string, Route>; consumer?: GroupConsumer },
  ): Promise<void> {
    const consumer = new GroupConsumer({
      conn: this.conn,
      groupId,
      routes: group.routes,
      concurrency: this.opts.partitions,
      handlerRetry: { initialMs: 500, maxMs: 30_000, ...this.opts.handlerRetry },
      restartBackoff: { initialMs: 1_000, maxMs: 30_000, ...this.opts.restartBackoff },
      tuning: this.opts.consumer ?? {},
    });
    group.consumer = consumer;
    await consumer.start();
  }

  private async drain(): Promise<void> {
    this.state = 'stopped';
    await Promise.all([...this.groups.values()].map((g) => g.consumer?.stop()));
    // Pending publishes settle on their own (ack or exhausted retries) before the producer goes.
    await Promise.allSettled([...this.pending]);
    if (this.slot) await disconnectQuietly(this.slot.producer, this.conn);
    this.slot = undefined;
    if (this.admin) await disconnectQuietly(this.admin, this.conn);
    this.admin = undefined;
    // Every client is disconnected; whatever is still open was orphaned by kafkajs.
    const orphans = await this.sockets.closeAll();
    if (orphans > 0) this.conn.logger?.debug({ sockets: orphans }, 'closed connections kafkajs left open');
  }

  private producerSlot(): ProducerSlot {
    if (this.slot && !this.slot.retired) return this.slot;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const slot: ProducerSlot = { producer, ready: producer.connect(), inFlight: 0, retired: false };
    // A failed connect retires the slot, so the next publish tries a fresh producer.
    slot.ready.catch(() => this.retire(slot));
    this.slot = slot;
    return slot;
  }

  private retire(slot: ProducerSlot): void {
    slot.retired = true;
    if (this.slot === slot) this.slot = undefined;
  }

  private track(p: Promise<unknown>): void {
    const settled: Promise<void> = p.then(
      () => void this.pending.delete(settled),
      () => void this.pending.delete(settled),
    );
    this.pending.add(settled);
  }

  private real(topic: Topic): string {
    const real = this.realByTopic.get(topic);
    if (real === undefined) throw new TourniquetError('INVALID_CONFIG', `kafka: no real topic for ${topic}`);
    return real;
  }

  private logical(real: string): Topic | undefined {
    for (const [topic, name] of this.realByTopic) if (name === real) return topic;
    return undefined;
  }
}
