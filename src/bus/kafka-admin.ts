/**
 * Kafka administration the service needs around the bus: creating its topics (`tourniquet topics
 * create`), waiting for a broker to come up, and measuring consumer lag for health().
 */
import type { Admin } from 'kafkajs';
import { TourniquetError } from '../errors.js';
import {
  busUnavailable,
  createKafkaClient,
  describeKafkaError,
  type BusLogger,
  type KafkaConnection,
} from './kafka-client.js';

export interface CreateTopicsOptions {
  /** Defaults to min(3, number of brokers). */
  replicationFactor?: number;
  /** Topic-level configs for every created topic, e.g. { 'retention.ms': '86400000' }. */
  configEntries?: Record<string, string>;
}

export interface CreateTopicsResult {
  created: string[];
  /** Topics that were already there; they are left untouched, even with another partition count. */
  existing: string[];
}

/**
 * Creates the topics that do not exist yet, with `partitions` partitions each. Idempotent: existing
 * topics are fine, and a topic created concurrently by someone else counts as existing.
 */
export async function createTopics(
  conn: KafkaConnection,
  topics: readonly string[] | Readonly<Record<string, string>>,
  partitions: number,
  opts: CreateTopicsOptions = {},
): Promise<CreateTopicsResult> {
  const names = [...new Set(Array.isArray(topics) ? topics : Object.values(topics))];
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new TourniquetError('INVALID_CONFIG', `partitions must be a positive integer, got ${partitions}`);
  }
  const admin = createKafkaClient(conn).admin();
  try {
    await admin.connect();
    const present = new Set(await admin.listTopics());
    const missing = names.filter((n) => !present.has(n));
    if (missing.length > 0) {
      const replicationFactor =
        opts.replicationFactor ?? Math.min(3, (await admin.describeCluster()).brokers.length);
      const configEntries = Object.entries(opts.configEntries ?? {}).map(([name, value]) => ({
        name,
        value,
      }));
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor,
            configEntries,
          })),
        })
        .catch((e: unknown) => {
          // A concurrent creator wins the race for some topics; re-check below instead of failing.
          if (!isAlreadyExists(e)) throw e;
        });
    }
    const after = new Set(await admin.listTopics());
    const notCreated = missing.filter((n) => !after.has(n));
    if (notCreated.length > 0) {
      throw new TourniquetError('BUS_UNAVAILABLE', `topics not created: ${notCreated.join(', ')}`, {
        retriable: true,
      });
    }
    if (conn.logger && names.length > missing.length) {
      conn.logger.info({ existing: names.filter((n) => present.has(n)) }, 'kafka topics already exist');
    }
    return { created: missing, existing: names.filter((n) => present.has(n)) };
  } catch (e) {
    if (e instanceof TourniquetError) throw e;
    throw busUnavailable('creating Kafka topics failed', e);
  } finally {
    await disconnectQuietly(admin, conn);
  }
}

function isAlreadyExists(e: unknown): boolean {
  const err = e as { type?: unknown; errors?: unknown } | null;
  if (err?.type === 'TOPIC_ALREADY_EXISTS') return true;
  // KafkaJSAggregateError: one entry per topic that failed.
  return (
    Array.isArray(err?.errors) &&
    err.errors.length > 0 &&
    err.errors.every((x: { type?: unknown }) => x?.type === 'TOPIC_ALREADY_EXISTS')
  );
}

/**
 * Resolves once a broker answers a metadata request; rejects with BUS_UNAVAILABLE after
 * `timeoutMs`. For start-up ordering (compose, CI), not for liveness.
 */
export async function waitForBroker(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    // No kafkajs retries: this loop is the retry, and each attempt must end quickly.
    const admin = createKafkaClient({ brokers, clientId: 'tourniquet-wait' }, { retries: 0 }).admin();
    try {
      await admin.connect();
      const { brokers: live } = await admin.describeCluster();
      if (live.length > 0) return;
    } catch (e) {
      last = e;
    } finally {
      await disconnectQuietly(admin, {});
    }
    if (Date.now() + 500 > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new TourniquetError(
    'BUS_UNAVAILABLE',
    `no Kafka broker reachable at ${brokers.join(',')} within ${timeoutMs} ms` +
      (last === undefined ? '' : `: ${describeKafkaError(last)}`),
    { retriable: true, cause: last },
  );
}

/**
 * Unconsumed messages of `groupId` per real topic: high watermark minus committed offset, summed
 * over partitions. A partition the group never committed counts from its low watermark, because
 * the bus's consumers start from the beginning.
 */
export async function fetchLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((t) => admin.fetchTopicOffsets(t)),
  ]);
  const lag = new Map<string, number>();
  topics.forEach((topic, i) => {
    const byPartition = new Map(
      (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [
        p.partition,
        Number(p.offset),
      ]),
    );
    let sum = 0;
    for (const p of ends[i] ?? []) {
      const done = byPartition.get(p.partition) ?? -1;
      const from = done >= 0 ? done : Number(p.low);
      sum += Math.max(0, Number(p.high) - from);
    }
    lag.set(topic, sum);
  });
  return lag;
}

export async function disconnectQuietly(
  client: { disconnect(): Promise<void> },
  conn: { logger?: BusLogger | undefined },
): Promise<void> {
  try {
    await client.disconnect();
  } catch (e) {
    // Disconnecting is best effort (the broker may be gone); report and move on.
    conn.logger?.debug({ error: describeKafkaError(e) }, 'kafka disconnect failed');
  }
}
