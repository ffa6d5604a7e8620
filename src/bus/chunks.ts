/**
 * Publish chunking, shared by the callers that publish bursts and by the Kafka producer.
 *
 * One publish call carries at most this many messages and bytes. The embedded log then does one
 * modest write and one fdatasync per chunk, and a Kafka produce request stays far below the broker's
 * default `message.max.bytes` (1 MiB per record batch) even when the whole chunk hashes to one
 * partition.
 */
import type { OutMessage } from './port.js';

export const PUBLISH_CHUNK = { messages: 500, bytes: 512 * 1024 } as const;

export function messageBytes(m: OutMessage): number {
  let n = Buffer.byteLength(m.key) + Buffer.byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** Consecutive runs of `items` within PUBLISH_CHUNK; a single oversized message is its own chunk. */
export function chunked<T>(items: readonly T[], size: (x: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const x of items) {
    const b = size(x);
    if (cur.length > 0 && (cur.length >= PUBLISH_CHUNK.messages || bytes + b > PUBLISH_CHUNK.bytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(x);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
