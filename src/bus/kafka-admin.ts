/**
 * Kafka administration the service needs around the bus: creating its topics (`tourniquet topics
 * create`), waiting for a broker to come up, and measuring consumer lag for health().
 *
 * A KRaft broker acknowledges a new topic or partition before it can serve it: for a while after
 * CreateTopics / CreatePartitions returns, its metadata may not list the topic yet
 * (UNKNOWN_TOPIC_OR_PARTITION), and after it does, requests to the new partitions' leader may still
 * get NOT_LEADER_FOR_PARTITION (measured up to ~4 s for 6 topics × 12 partitions on a loaded
 * 2-core machine). So createTopics returns only once every partition answers, and lag
 * measurements retry such answers instead of calling the broker unreachable.
 */
import type { Admin } from 'kafkajs';
import { TourniquetError } from '../errors.js';
import {
  brokerAnswered,
  busUnavailable,
  createKafkaClient,
  describeKafkaError,
  jitteredDelay,
  kafkaErrorType,
  kafkaRetriable,
  sleep,
  withTimeout,
  type Backoff,
  type BusLogger,
  type KafkaConnection,
} from './kafka-client.js';

export interface CreateTopicsOptions {
  /** Defaults to min(3, number of brokers). */
  replicationFactor?: number;
  /** Topic-level configs for every created topic, e.g. { 'retention.ms': '86400000' }. */
  configEntries?: Record<string, string>;
  /** Give up (BUS_UNAVAILABLE, retriable) if the topics are not ready within this long. Default 60 s. */
  timeoutMs?: number;
}

export interface CreateTopicsResult {
  created: string[];
  /** Topics that were already there; their configs are left untouched. */
  existing: string[];
  /** Existing topics that had fewer than `partitions` partitions and were grown to that count. */
  grown: string[];
}

/** Between attempts of createTopics: from 200 ms, doubling, at most 2 s (jittered). */
const TOPICS_BACKOFF: Backoff = { initialMs: 200, maxMs: 2_000 };

/**
 * Makes every topic exist with at least `partitions` partitions, and returns once all of their
 * partitions have a leader that serves requests. Idempotent: existing topics are fine, topics
 * created or grown concurrently by someone else count as done. Topics with more partitions than
 * asked are left alone (Kafka cannot shrink a topic).
 *
 * Growing an existing topic is how a deployment picks up a larger `kafka.partitions` (consumer
 * concurrency is one handler per partition). It changes which partition a key maps to
 * (murmur2(key) mod partitions) for messages published afterwards; messages already written stay
 * where they are. So, until the old ones are consumed, one key can have messages in two partitions
 * that are handled concurrently and out of publish order. That is safe here: per-key order is
 * a convenience (one credential's tasks usually run one after another), not what makes revocation
 * correct. Every task carries an idempotency key (hash of trigger id, credential, action), the
 * executor claims the task row in the store under a lease before calling a provider, and a trigger
 * is deduplicated by its id; a task delivered twice, or two tasks of one credential at once, cannot
 * revoke twice or lose an outcome.
 *
 * Retries with a jittered backoff, for up to `timeoutMs`, whatever can heal: no broker yet, a
 * controller moving, a topic not yet in the broker's metadata, a leader not yet serving.
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
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  // kafkajs still retries requests on a dropped connection; the admin operations themselves are
  // retried by the loop below only, so that one policy bounds the whole call.
  const admin = createKafkaClient(conn).admin({ retry: { retries: 0 } });
  const look: FirstLook = {};
  let lastError: unknown;
  try {
    for (let attempt = 1; ; attempt++) {
      let waitingFor: string | undefined;
      try {
        waitingFor = await withTimeout(
          ensureOnce(admin, names, partitions, opts, look),
          // kafkajs' connection retries alone can take ~15 s: the deadline bounds each attempt too.
          Math.max(deadline - Date.now(), 1_000),
          'creating Kafka topics',
        );
        if (waitingFor === undefined && look.before) return report(conn, names, partitions, look.before);
      } catch (e) {
        if (!kafkaRetriable(e)) throw busUnavailable('creating Kafka topics failed', e);
        lastError = e;
        waitingFor = describeKafkaError(e);
      }
      const delay = jitteredDelay(attempt, TOPICS_BACKOFF);
      if (Date.now() + delay > deadline) {
        throw new TourniquetError(
          'BUS_UNAVAILABLE',
          `Kafka topics not ready within ${timeoutMs} ms: ${waitingFor ?? 'unknown'}`,
          { retriable: true, cause: lastError },
        );
      }
      conn.logger?.debug({ attempt, retryInMs: delay, waitingFor }, 'kafka topics not ready yet');
      await sleep(delay);
    }
  } finally {
    await disconnectQuietly(admin, conn);
  }
}

/** Partition counts at the first look that succeeded: what "created" and "grown" are measured against. */
interface FirstLook {
  before?: Map<string, number>;
}

/** One attempt: create what is missing, grow what is small; then why not ready, or undefined. */
async function ensureOnce(
  admin: Admin,
  names: readonly string[],
  partitions: number,
  opts: CreateTopicsOptions,
  look: FirstLook,
): Promise<string | undefined> {
  await admin.connect();
  const counts = await partitionCounts(admin, names);
  look.before ??= counts;
  const missing = names.filter((n) => !counts.has(n));
  const small = names.filter((n) => (counts.get(n) ?? partitions) < partitions);
  if (missing.length > 0) await createMissing(admin, missing, partitions, opts);
  if (small.length > 0) await grow(admin, small, partitions);
  return notReady(admin, names, partitions);
}

/** Partition count of each of `names` that the broker's metadata lists. */
async function partitionCounts(admin: Admin, names: readonly string[]): Promise<Map<string, number>> {
  const listed = new Set(await admin.listTopics());
  const present = names.filter((n) => listed.has(n));
  if (present.length === 0) return new Map();
  const { topics } = await admin.fetchTopicMetadata({ topics: present });
  return new Map(topics.map((t) => [t.name, t.partitions.length]));
}

async function createMissing(
  admin: Admin,
  missing: readonly string[],
  partitions: number,
  opts: CreateTopicsOptions,
): Promise<void> {
  const replicationFactor =
    opts.replicationFactor ?? Math.min(3, (await admin.describeCluster()).brokers.length);
  const configEntries = Object.entries(opts.configEntries ?? {}).map(([name, value]) => ({ name, value }));
  try {
    // Leaders are awaited by notReady(), which also checks that they serve requests.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor,
        configEntries,
      })),
    });
  } catch (e) {
    // KafkaJSAggregateError: one entry per topic that failed. TOPIC_ALREADY_EXISTS is a concurrent
    // creator, or our own earlier attempt that the broker's metadata did not show yet.
    const errors: unknown[] = Array.isArray((e as { errors?: unknown } | null)?.errors)
      ? (e as { errors: unknown[] }).errors
      : [e];
    const failed = errors.filter((x) => kafkaErrorType(x) !== 'TOPIC_ALREADY_EXISTS');
    if (failed.length > 0) throw failed.find((x) => !kafkaRetriable(x)) ?? failed[0];
  }
}

async function grow(admin: Admin, small: readonly string[], partitions: number): Promise<void> {
  try {
    await admin.createPartitions({ topicPartitions: small.map((topic) => ({ topic, count: partitions })) });
  } catch (e) {
    // INVALID_PARTITIONS: the topic has `partitions` already (someone grew it concurrently, or
    // the broker's metadata was behind). notReady() checks the counts either way.
    if (kafkaErrorType(e) !== 'INVALID_PARTITIONS') throw e;
  }
}

/**
 * Why the topics cannot be used yet, or undefined when they can: each has at least `partitions`
 * partitions, each partition a leader, and the leaders answer ListOffsets.
 */
async function notReady(
  admin: Admin,
  names: readonly string[],
  partitions: number,
): Promise<string | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
  for (const name of names) {
    const parts = topics.find((t) => t.name === name)?.partitions ?? [];
    if (parts.length < partitions) return `${name} has ${parts.length} of ${partitions} partitions`;
    const leaderless = parts.filter((p) => p.leader < 0 || p.partitionErrorCode !== 0);
    if (leaderless.length > 0) return `${name} partition ${leaderless[0]?.partitionId} has no leader`;
  }
  // Listing offsets goes to every partition's leader: the proof that it serves the partition.
  await Promise.all(names.map((n) => admin.fetchTopicOffsets(n)));
  return undefined;
}

function report(
  conn: KafkaConnection,
  names: readonly string[],
  partitions: number,
  before: ReadonlyMap<string, number>,
): CreateTopicsResult {
  const existing = names.filter((n) => before.has(n));
  const grown = existing.filter((n) => (before.get(n) ?? partitions) < partitions);
  if (conn.logger && existing.length > 0) conn.logger.info({ existing }, 'kafka topics already exist');
  if (conn.logger && grown.length > 0) {
    conn.logger.info(
      { grown: grown.map((n) => `${n}: ${before.get(n)} → ${partitions}`) },
      'kafka topics grown to the configured partition count; new messages of a key may go to another partition',
    );
  }
  return { created: names.filter((n) => !before.has(n)), existing, grown };
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

/** Between attempts of fetchLagPatiently: from 50 ms, doubling, at most 400 ms (jittered). */
const LAG_BACKOFF: Backoff = { initialMs: 50, maxMs: 400 };

/**
 * fetchLag, tried again while the broker answers with a retriable error (a leader not serving yet,
 * a coordinator loading or moving) and a next attempt can start before `retryUntil`. Resolves
 * undefined when the broker kept answering with errors: the lag is unknown this time, but the
 * broker is reachable. Rejects with anything that is not a broker's answer (no connection, a
 * request that timed out): the caller reports the broker unreachable.
 */
export async function fetchLagPatiently(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  retryUntil: number,
  logger?: BusLogger,
): Promise<Map<string, number> | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchLag(admin, groupId, topics);
    } catch (e) {
      if (!brokerAnswered(e)) throw e;
      const delay = jitteredDelay(attempt, LAG_BACKOFF);
      if (!kafkaRetriable(e) || Date.now() + delay > retryUntil) {
        logger?.debug({ groupId, attempt, error: describeKafkaError(e) }, 'kafka lag unknown this time');
        return undefined;
      }
      await sleep(delay);
    }
  }
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
