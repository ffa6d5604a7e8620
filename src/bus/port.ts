/**
 * The bus port: what the pipeline needs from a transport. Two adapters implement it — the embedded
 * local log (src/bus/local.ts) and Kafka (src/bus/kafka.ts) — and both pass test/contract/bus.
 *
 * Semantics every adapter guarantees:
 * - `publish` resolves only once the messages are durable (fsynced / acknowledged by the broker).
 * - A subscription hands messages of one key to its handler in publish order; messages with
 *   different keys may run concurrently (Kafka: across partitions).
 * - At-least-once: a message is marked consumed (offset committed) only after its handler resolved.
 *   A handler that throws signals an *infrastructure* failure; the message is redelivered after a
 *   backoff. Bad input is never thrown: handlers dead-letter it themselves and resolve.
 *
 * Deliberately left out: transactions across topics, exactly-once production, message deletion.
 * Effectively-once comes from idempotent handlers on top of at-least-once delivery.
 */

/** Logical topics. Adapters map them to real names (config `kafka.topics`). */
export type Topic = 'leak' | 'offboarding' | 'decommission' | 'tasks' | 'dlq' | 'audit';
export const INPUT_TOPICS = ['leak', 'offboarding', 'decommission'] as const satisfies readonly Topic[];

export interface OutMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface InMessage {
  topic: Topic;
  key: string;
  value: string;
  headers: Record<string, string>;
  /** Where the message came from, for dead-letter records: partition and offset as strings. */
  partition: number;
  offset: string;
  /** Broker or log append time, ms since epoch. */
  timestamp: number;
}

export type MessageHandler = (msg: InMessage) => Promise<void>;

export interface Subscription {
  topics: readonly Topic[];
  handler: MessageHandler;
  /** Consumer group (Kafka) or cursor name (local log). */
  group: string;
}

export interface BusHealth {
  connected: boolean;
  /** Group membership / assigned partitions; true for the local log once started. */
  member: boolean;
  /** Messages published but not yet consumed, per topic, when the adapter can tell. */
  lag: Partial<Record<Topic, number>>;
}

export interface Bus {
  publish(topic: Topic, messages: readonly OutMessage[]): Promise<void>;
  subscribe(sub: Subscription): Promise<void>;
  /** Starts consuming for every subscription registered so far. */
  start(): Promise<void>;
  /** Drains: stop fetching, let in-flight handlers finish, commit, disconnect. */
  stop(): Promise<void>;
  /**
   * The first half of `stop`: stop fetching and let in-flight handlers finish, but keep publishing
   * (the last audit checkpoint still goes out). `stop` afterwards completes the shutdown.
   */
  stopConsuming?(): Promise<void>;
  health(): Promise<BusHealth>;
  /**
   * Replay support: the messages of a topic appended in [fromTs, toTs) (ms since epoch). The Kafka
   * adapter reads with a fresh consumer group seeking by timestamp, so the live group's offsets are
   * untouched. Optional: an adapter without it cannot replay from the transport.
   */
  read?(topic: Topic, fromTs: number, toTs: number): Promise<InMessage[]>;
}
