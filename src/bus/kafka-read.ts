/**
 * Reading a time range of a Kafka topic for replay (`tourniquet replay --origin log`), without
 * touching the live consumer group: a throwaway group seeks each partition to the offset for
 * `fromTs` (the broker's time index) as it starts, reads every partition up to the offset for `toTs`
 * (or the high watermark), never commits, and is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { TourniquetError } from '../errors.js';
import { disconnectQuietly } from './kafka-admin.js';
import { busUnavailable, describeKafkaError, type KafkaConnection } from './kafka-client.js';
import type { InMessage, Topic } from './port.js';

/** Gives up when the range has not been read within this long (a broker that went away). */
const READ_TIMEOUT_MS = 60_000;

export async function readRange(
  kafka: Kafka,
  conn: KafkaConnection,
  topic: Topic,
  real: string,
  fromTs: number,
  toTs: number,
): Promise<InMessage[]> {
  if (!(fromTs < toTs)) return [];
  const admin = kafka.admin();
  const groupId = `${conn.clientId ?? 'tourniquet'}.read-${randomUUID()}`;
  let joined = false;
  try {
    await admin.connect();
    const [starts, stops] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(real, fromTs),
      admin.fetchTopicOffsetsByTimestamp(real, toTs),
    ]);
    // Per partition: [offset of the first message at/after fromTs, first at/after toTs).
    const ranges = new Map<number, { start: bigint; stop: bigint }>();
    for (const s of starts) {
      const stop = BigInt(stops.find((x) => x.partition === s.partition)?.offset ?? s.offset);
      if (BigInt(s.offset) < stop) ranges.set(s.partition, { start: BigInt(s.offset), stop });
    }
    if (ranges.size === 0) return [];
    joined = true;

    const out: InMessage[] = [];
    const pending = new Set(ranges.keys());
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [real], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = ranges.get(batch.partition);
          if (!range) return;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset >= range.stop) break;
            const timestamp = Number(m.timestamp);
            // Producer timestamps need not be monotonic: the time index bounds, this filter decides.
            if (offset < range.start || timestamp < fromTs || timestamp >= toTs) continue;
            out.push({
              topic,
              key: m.key?.toString('utf8') ?? '',
              value: m.value?.toString('utf8') ?? '',
              headers: Object.fromEntries(
                Object.entries(m.headers ?? {}).flatMap(([k, v]) => {
                  const first = Array.isArray(v) ? v[0] : v;
                  return first === undefined ? [] : [[k, first.toString()]];
                }),
              ),
              partition: batch.partition,
              offset: m.offset,
              timestamp,
            });
          }
          const last = batch.messages.at(-1);
          if (last && BigInt(last.offset) + 1n >= range.stop) pending.delete(batch.partition);
          if (pending.size === 0) finish();
        },
      });
      // Seeking once running, not admin.setOffsets before joining: kafkajs sets offsets by running a
      // paused consumer until its first fetch returns, which waits out the fetch's 5-s maxWait on
      // every read (20 s of a 21-s trail write in the audit test). A message fetched before the
      // seek applies is below `start` and skipped above.
      for (const [partition, r] of ranges)
        consumer.seek({ topic: real, partition, offset: r.start.toString() });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TourniquetError('BUS_UNAVAILABLE', `reading ${real} did not finish in time`, {
                  retriable: true,
                }),
              ),
            READ_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await disconnectQuietly(consumer, conn);
    }
    // Per partition in offset order (what a live consumer would see), partitions in turn.
    return out.sort((a, b) =>
      a.partition !== b.partition ? a.partition - b.partition : Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  } catch (e) {
    if (e instanceof TourniquetError) throw e;
    throw busUnavailable(`reading ${real} by time failed`, e);
  } finally {
    if (joined) {
      await admin.deleteGroups([groupId]).catch((e: unknown) =>
        // Best effort: an empty group without offsets expires on its own.
        conn.logger?.debug({ error: describeKafkaError(e) }, 'kafka read group not deleted'),
      );
    }
    await disconnectQuietly(admin, conn);
  }
}
