/**
 * The embedded log's bounded memory, segments and retention (src/bus/local-log.ts), on real files:
 * consumers far behind read the files, the in-memory tail stays bounded, a torn last line does not
 * swallow the next append, concurrent publishes keep their order, and retention deletes a segment
 * only when every group committed past it and it left the retention window.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalLogBus } from '../../src/bus/local.js';
import { TopicLog } from '../../src/bus/local-log.js';
import type { InMessage, Topic } from '../../src/bus/port.js';
import { tempDir } from '../support/runtime.js';

const msgs = (from: number, n: number, pad = 0) =>
  Array.from({ length: n }, (_, i) => ({
    key: `k${(from + i) % 50}`,
    value: `m${from + i}${'.'.repeat(pad)}`,
  }));

async function segmentFiles(dir: string, topic: Topic): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith(`${topic}.`) && f.endsWith('.jsonl'));
}

/** Runs a bus with one group on `topic` until idle; returns the values it handled. */
async function drain(dir: string, group: string, topic: Topic, opts = {}): Promise<string[]> {
  const bus = new LocalLogBus({ dir, concurrency: 4, ...opts });
  const seen: string[] = [];
  await bus.subscribe({ topics: [topic], group, handler: async (m: InMessage) => void seen.push(m.value) });
  await bus.start();
  await bus.idle();
  await bus.stop();
  return seen;
}

describe('LocalLogBus: memory, segments, retention', () => {
  it('a consumer far behind reads from the files and gets every message, each key in order', async () => {
    const dir = await tempDir();
    const bus = new LocalLogBus({ dir: dir.path });
    for (let i = 0; i < 10_000; i += 100) await bus.publish('leak', msgs(i, 100));
    await bus.stop();

    const seen = await drain(dir.path, 'g', 'leak');
    assert.equal(seen.length, 10_000);
    assert.equal(new Set(seen).size, 10_000);
    const byKey = new Map<string, number[]>();
    for (const v of seen) {
      const n = Number(v.slice(1));
      byKey.set(`k${n % 50}`, [...(byKey.get(`k${n % 50}`) ?? []), n]);
    }
    for (const [key, ns] of byKey)
      assert.deepEqual(
        ns,
        [...ns].sort((a, b) => a - b),
        `${key} in order`,
      );
    await dir.remove();
  });

  it('keeps in memory only what a live reader has not fetched, and at most a bounded tail', async () => {
    const dir = await tempDir();
    const log = new TopicLog(dir.path, 'leak');
    await log.load();
    const reader = { next: 0 };
    log.readers.add(reader);
    await log.append(msgs(0, 100));
    assert.equal(log.fromMemory(0, 100)?.length, 100, 'kept for the reader behind');
    reader.next = log.end;
    log.trim();
    assert.equal(log.fromMemory(0, 1), undefined, 'dropped once fetched');

    reader.next = 0;
    for (let i = 100; i < 20_000; i += 500) await log.append(msgs(i, 500));
    assert.equal(log.fromMemory(0, 1), undefined, 'a reader far behind does not pin the whole log');
    const fromFile = await log.readFrom(10, 5);
    assert.deepEqual(
      fromFile.map((e) => [e.offset, e.value]),
      [10, 11, 12, 13, 14].map((o) => [o, `m${o}`]),
    );
    await log.close();
    await dir.remove();
  });

  it('cuts a torn last line at load, so the next acknowledged append is not lost', async () => {
    const dir = await tempDir();
    const line = (o: number) => JSON.stringify({ offset: o, key: 'k', value: `v${o}`, headers: {}, ts: 1 });
    // A crash mid-write left half a line that was never acknowledged.
    await writeFile(join(dir.path, 'leak.jsonl'), `${line(0)}\n${line(1)}\n{"offset":2,"ke`);
    const a = new LocalLogBus({ dir: dir.path });
    await a.publish('leak', [{ key: 'k', value: 'after the crash' }]);
    await a.stop();

    const b = new LocalLogBus({ dir: dir.path });
    const all = await b.read('leak');
    await b.stop();
    assert.deepEqual(
      all.map((m) => [m.offset, m.value]),
      [
        ['0', 'v0'],
        ['1', 'v1'],
        ['2', 'after the crash'],
      ],
    );
    await dir.remove();
  });

  it('concurrent publishes to one topic each become durable, in call order', async () => {
    const dir = await tempDir();
    const a = new LocalLogBus({ dir: dir.path });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => a.publish('tasks', [{ key: `k${i}`, value: `${i}` }])),
    );
    await a.stop();
    const b = new LocalLogBus({ dir: dir.path });
    const all = await b.read('tasks');
    await b.stop();
    assert.deepEqual(
      all.map((m) => [m.offset, m.value]),
      Array.from({ length: 300 }, (_, i) => [String(i), String(i)]),
    );
    await dir.remove();
  });

  it('idle() resolves promptly after a 20k-message burst', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const bus = new LocalLogBus({ dir: dir.path });
    let handled = 0;
    await bus.subscribe({ topics: ['tasks'], group: 'g', handler: async () => void handled++ });
    await bus.start();
    for (let i = 0; i < 20_000; i += 200) await bus.publish('tasks', msgs(i, 200));
    await bus.idle();
    assert.equal(handled, 20_000);
    assert.equal((await bus.health()).lag.tasks, 0);
    await bus.stop();
    await dir.remove();
  });

  it('retention deletes closed segments only once every group committed past them', async () => {
    const dir = await tempDir();
    const opts = { segmentBytes: 4096, retentionMs: 0 };
    // A group that is not running in this process, still at the beginning: it holds retention.
    await writeFile(join(dir.path, 'leak.other.cursor'), '0');
    const a = new LocalLogBus({ dir: dir.path, ...opts });
    for (let i = 0; i < 200; i += 10) {
      await a.publish('leak', msgs(i, 10, 150));
      await a.publish('dlq', msgs(i, 10, 150));
    }
    await a.stop();
    assert.equal((await drain(dir.path, 'g', 'leak', opts)).length, 200);
    const rolled = await segmentFiles(dir.path, 'leak');
    assert.ok(rolled.length >= 5, `several segments (${rolled.length})`);
    assert.deepEqual(await segmentFiles(dir.path, 'leak'), rolled, 'nothing deleted while a group lags');

    // The other group catches up: the next start deletes every closed segment.
    await writeFile(join(dir.path, 'leak.other.cursor'), '200');
    const b = new LocalLogBus({ dir: dir.path, ...opts });
    await b.subscribe({ topics: ['leak'], group: 'g', handler: async () => undefined });
    await b.start();
    const left = await segmentFiles(dir.path, 'leak');
    assert.equal(left.length, 1, 'only the segment being written remains');
    assert.ok(!left.includes('leak.jsonl'));
    const kept = await b.read('leak');
    assert.ok(kept.length > 0 && kept.length < 200);
    assert.deepEqual(
      kept.map((m) => Number(m.offset)),
      kept.map((_, i) => 200 - kept.length + i),
      'the newest messages, in order',
    );
    // Offsets continue after deleted segments; nothing is handed out twice. (This append may roll
    // the segment and so delete the one holding `kept`: every group committed it.)
    await b.publish('leak', msgs(200, 3));
    await b.idle();
    await b.stop();
    const c = new LocalLogBus({ dir: dir.path });
    const after = await c.read('leak');
    await c.stop();
    assert.deepEqual(
      after.slice(-3).map((m) => m.offset),
      ['200', '201', '202'],
    );
    // A topic no group reads (the dead-letter topic) is never pruned.
    assert.ok((await segmentFiles(dir.path, 'dlq')).length >= 5);
    // A new group starts at the oldest message still on disk.
    const fresh = await drain(dir.path, 'newcomer', 'leak', opts);
    assert.deepEqual(
      fresh,
      after.map((m) => m.value),
    );
    assert.deepEqual(fresh.slice(-3), ['m200', 'm201', 'm202']);
    await dir.remove();
  });

  it('retention keeps segments inside the retention window even when every group committed', async () => {
    const dir = await tempDir();
    const opts = { segmentBytes: 4096, retentionMs: 3_600_000 };
    const a = new LocalLogBus({ dir: dir.path, ...opts });
    for (let i = 0; i < 200; i += 10) await a.publish('leak', msgs(i, 10, 150));
    await a.stop();
    assert.equal((await drain(dir.path, 'g', 'leak', opts)).length, 200);
    assert.equal((await drain(dir.path, 'g', 'leak', opts)).length, 0, 'the group committed everything');
    const b = new LocalLogBus({ dir: dir.path, ...opts });
    assert.equal((await b.read('leak')).length, 200, 'replay still sees the last hour');
    await b.stop();
    await dir.remove();
  });
});
