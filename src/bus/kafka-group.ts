/**
 * One consumer group of the Kafka bus: a kafkajs consumer plus the supervision kafkajs leaves to us.
 *
 * Delivery (at-least-once, per-partition order):
 * - autoCommit is off. After a handler resolves, the offset after its message is committed, then
 *   the next message of that partition is handed over. Partitions run concurrently
 *   (`partitionsConsumedConcurrently`); one key maps to one partition, so one key runs in order.
 * - A handler that throws is never thrown into kafkajs (that would crash and rejoin the group).
 *   Instead the partition is paused with its position left on the failed message, and resumed
 *   after a jittered, growing backoff: the same message is delivered again, nothing after it runs
 *   first, and nothing is committed past it. Other partitions keep flowing.
 *
 * Supervision: kafkajs' own restart-on-crash is turned off (`restartOnFailure` → false) so that
 * exactly one policy restarts consumers: on a crash this class builds a fresh consumer after a
 * jittered backoff, for as long as the bus is not stopping. A restarted consumer resumes from the
 * committed offsets, so an uncommitted message is delivered again.
 */
import type { Batch, Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import type { InMessage, MessageHandler, Topic } from './port.js';
import {
  busUnavailable,
  CLIENT_RETRY,
  createKafkaClient,
  describeKafkaError,
  SocketTracker,
  jitteredDelay,
  type Backoff,
  type BusLogger,
  type KafkaConnection,
} from './kafka-client.js';
import { disconnectQuietly } from './kafka-admin.js';

export interface ConsumerTuning {
  /** Broker drops a member that has not heartbeated for this long (kafkajs default 30000). */
  sessionTimeout?: number;
  /** kafkajs default 3000; keep it about a third of sessionTimeout. */
  heartbeatInterval?: number;
  /** Longest a fetch waits on the broker for data; also bounds how long stop() waits for it. */
  maxWaitTimeInMs?: number;
  /** kafkajs default 60000. */
  rebalanceTimeout?: number;
}

export interface Route {
  topic: Topic;
  handler: MessageHandler;
}

export interface GroupOptions {
  conn: KafkaConnection;
  groupId: string;
  /** Real topic name → logical topic and handler. */
  routes: ReadonlyMap<string, Route>;
  concurrency: number;
  handlerRetry: Backoff;
  restartBackoff: Backoff;
  tuning: ConsumerTuning;
}

const DEFAULT_HEARTBEAT_MS = 3_000;

export class GroupConsumer {
  private consumer: Consumer | undefined;
  /** Each consumer gets its own client and socket tracker, so a crashed one can be cleaned up. */
  private readonly sockets = new Map<Consumer, SocketTracker>();
  private assignment: Record<string, number[]> = {};
  private member = false;
  private stopping = false;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The launch in progress, so stop() never races a consumer that is still joining. */
  private launching: Promise<void> | undefined;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Consecutive handler failures per "topic|partition", for the backoff exponent. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly opts: GroupOptions) {}

  get groupId(): string {
    return this.opts.groupId;
  }

  get realTopics(): string[] {
    return [...this.opts.routes.keys()];
  }

  /** Joined, with at least one partition assigned. */
  isMember(): boolean {
    return this.member && Object.values(this.assignment).some((p) => p.length > 0);
  }

  /**
   * Connects, subscribes and joins. Fails (BUS_UNAVAILABLE) if connecting or subscribing fails —
   * typically a missing topic or no broker at start-up. Later failures are handled by restarts.
   */
  async start(): Promise<void> {
    await this.launchTracked();
  }

  /** Drains: no new fetches, in-flight handlers finish and commit, the group is left. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
    // kafkajs' stop() is a no-op while run() is still joining, which would leave a consumer
    // running after disconnect; let the launch finish (it checks `stopping`) first.
    await this.launching?.catch((e: unknown) =>
      this.log('debug', { error: describeKafkaError(e) }, 'kafka consumer launch failed during stop'),
    );
    const consumer = this.consumer;
    this.consumer = undefined;
    this.member = false;
    // consumer.disconnect() stops the runner, which waits for the batches being handled; our batch
    // loop sees isRunning() false after the current message, commits it and returns.
    if (consumer) await this.dispose(consumer, true);
  }

  /** Disconnects (unless kafkajs already did) and closes any socket kafkajs left open. */
  private async dispose(consumer: Consumer, disconnect: boolean): Promise<void> {
    if (disconnect) await disconnectQuietly(consumer, this.opts.conn);
    const tracker = this.sockets.get(consumer);
    this.sockets.delete(consumer);
    const orphans = (await tracker?.closeAll()) ?? 0;
    if (orphans > 0) this.log('debug', { sockets: orphans }, 'closed connections kafkajs left open');
  }

  private launchTracked(): Promise<void> {
    const run = this.launch();
    this.launching = run;
    return run.finally(() => {
      if (this.launching === run) this.launching = undefined;
    });
  }

  private async launch(): Promise<void> {
    const { conn, groupId, tuning, concurrency } = this.opts;
    const sockets = new SocketTracker();
    const consumer = createKafkaClient(conn, CLIENT_RETRY, sockets).consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs ?? 1_000,
      ...(tuning.sessionTimeout === undefined ? {} : { sessionTimeout: tuning.sessionTimeout }),
      ...(tuning.heartbeatInterval === undefined ? {} : { heartbeatInterval: tuning.heartbeatInterval }),
      ...(tuning.rebalanceTimeout === undefined ? {} : { rebalanceTimeout: tuning.rebalanceTimeout }),
      // Request retries stay with kafkajs; restarting a crashed consumer is ours (see header).
      retry: { restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    this.sockets.set(consumer, sockets);
    this.watch(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.realTopics, fromBeginning: true });
    } catch (e) {
      this.consumer = undefined;
      await this.dispose(consumer, true);
      throw busUnavailable(`kafka consumer group ${groupId} could not subscribe`, e);
    }
    if (this.stopping) return; // stop() disconnects this.consumer once this launch settles
    // run() resolves once the group is joined; a failed join surfaces as a CRASH event.
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.onBatch(consumer, payload),
    });
  }

  private watch(consumer: Consumer): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.consumer) return;
      this.assignment = payload.memberAssignment;
      this.member = true;
      this.crashes = 0;
      this.log('info', { assignment: payload.memberAssignment }, 'kafka consumer joined group');
    });
    consumer.on(events.REBALANCING, () => {
      if (consumer === this.consumer) this.log('debug', {}, 'kafka consumer group rebalancing');
    });
    const lost = () => {
      if (consumer !== this.consumer) return;
      this.member = false;
      this.assignment = {};
    };
    consumer.on(events.STOP, lost);
    consumer.on(events.DISCONNECT, lost);
    consumer.on(events.CRASH, ({ payload }) => {
      if (consumer !== this.consumer) return;
      lost();
      if (this.stopping) return;
      // kafkajs has already disconnected this consumer; replace it.
      this.consumer = undefined;
      void this.dispose(consumer, false);
      for (const t of this.resumeTimers) clearTimeout(t);
      this.resumeTimers.clear();
      this.crashes += 1;
      const delay = jitteredDelay(this.crashes, this.opts.restartBackoff);
      this.log(
        'error',
        { error: describeKafkaError(payload.error), restartInMs: delay },
        'kafka consumer crashed',
      );
      this.restartTimer = setTimeout(() => this.restart(), delay);
    });
  }

  private restart(): void {
    if (this.stopping) return;
    this.launchTracked().catch((e: unknown) => {
      this.crashes += 1;
      const delay = jitteredDelay(this.crashes, this.opts.restartBackoff);
      this.log(
        'error',
        { error: describeKafkaError(e), restartInMs: delay },
        'kafka consumer restart failed',
      );
      if (!this.stopping) this.restartTimer = setTimeout(() => this.restart(), delay);
    });
  }

  private async onBatch(consumer: Consumer, p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const route = this.opts.routes.get(batch.topic);
    if (!route) {
      // Unreachable: the consumer subscribes to routed topics only. Do not resolve anything.
      this.log('error', { topic: batch.topic }, 'kafka batch for a topic without a handler');
      return;
    }
    const key = `${batch.topic}|${batch.partition}`;
    for (const m of batch.messages) {
      // Stopping, or a seek/rebalance made the rest of this batch stale: refetched later if needed.
      if (!p.isRunning() || p.isStale()) return;
      const failed = await this.handle(route, batch, m, p);
      if (failed !== undefined) {
        this.retryLater(consumer, p, batch, m, key, failed);
        return;
      }
      this.failures.delete(key);
      p.resolveOffset(m.offset);
      // Commit errors (rebalance, coordinator moved) go to kafkajs, which rejoins or crashes; the
      // handled-but-uncommitted message is then delivered again.
      await p.commitOffsetsIfNecessary({
        topics: [
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(m.offset) }] },
        ],
      });
      await p.heartbeat();
    }
  }

  /** Runs the handler, heartbeating meanwhile; returns the error if it threw. */
  private async handle(route: Route, batch: Batch, m: KafkaMessage, p: EachBatchPayload): Promise<unknown> {
    const msg: InMessage = {
      topic: route.topic,
      key: m.key?.toString('utf8') ?? '',
      value: m.value?.toString('utf8') ?? '',
      headers: headersToStrings(m.headers),
      partition: batch.partition,
      offset: m.offset,
      timestamp: Number(m.timestamp),
    };
    // A slow handler (a provider call under backoff) must not cost the group membership.
    const beat = setInterval(
      () =>
        p.heartbeat().catch((e: unknown) => {
          // A rebalance shows up again in the heartbeat after the handler; nothing to do here.
          this.log('debug', { error: describeKafkaError(e) }, 'kafka heartbeat during handler failed');
        }),
      this.opts.tuning.heartbeatInterval ?? DEFAULT_HEARTBEAT_MS,
    );
    try {
      await route.handler(msg);
      return undefined;
    } catch (e) {
      return e ?? new Error('handler threw a nullish value');
    } finally {
      clearInterval(beat);
    }
  }

  private retryLater(
    consumer: Consumer,
    p: EachBatchPayload,
    batch: Batch,
    m: KafkaMessage,
    key: string,
    err: unknown,
  ): void {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delay = jitteredDelay(attempt, this.opts.handlerRetry);
    // The failed offset was not resolved, so the next fetch of this partition starts at it; the
    // explicit seek states that and also covers a concurrent resolve of a later offset.
    consumer.seek({ topic: batch.topic, partition: batch.partition, offset: m.offset });
    const resume = p.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
    this.log(
      'warn',
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        attempt,
        retryInMs: delay,
        error: describeHandlerError(err),
      },
      'bus handler failed; message will be redelivered',
    );
  }

  private log(level: keyof BusLogger, fields: Record<string, unknown>, msg: string): void {
    this.opts.conn.logger?.[level]({ groupId: this.opts.groupId, ...fields }, msg);
  }
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** Code and message only: our errors are secret-free by rule, and no message data is added. */
function describeHandlerError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${typeof code === 'string' ? code : e.name}: ${e.message}`;
  }
  return typeof e;
}
