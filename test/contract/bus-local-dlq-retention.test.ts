/**
 * Retention of the embedded dead-letter topic (`dlq*.jsonl`): no consumer group reads it, so it is
 * pruned by age and by size alone (src/main.ts marks it `readerless`); other cursor-less topics
 * still never are.
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalLogBus } from '../../src/bus/local.js';
import { tempDir } from '../support/runtime.js';

const letters = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `d${from + i}`, value: 'x'.repeat(200) + (from + i) }));

async function dlqBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir))
    if (/^dlq(\.\d+)?\.jsonl$/.test(f)) total += (await stat(join(dir, f))).size;
  return total;
}

describe('embedded dead-letter retention', () => {
  it('keeps the dead-letter topic under its size limit, dropping the oldest first', async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    const bus = new LocalLogBus({
      dir: dir.path,
      readerless: ['dlq'],
      topicOptions: { dlq: { segmentBytes: 2048, maxBytes: 8192 } },
    });
    for (let i = 0; i < 200; i += 5) await bus.publish('dlq', letters(i, 5));
    await bus.start();
    const kept = await bus.read('dlq');
    await bus.stop();
    assert.ok((await dlqBytes(dir.path)) <= 8192 + 2048, 'at most the limit plus the open segment');
    assert.ok(kept.length > 0 && kept.length < 200);
    assert.equal(kept.at(-1)?.key, 'd199', 'the newest are kept');
    assert.deepEqual(
      kept.map((m) => Number(m.offset)),
      kept.map((_, i) => 200 - kept.length + i),
    );
  });

  it('drops dead letters past their age, even when the topic is rarely written', async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    const opts = { dir: dir.path, readerless: ['dlq' as const], topicOptions: { dlq: { retentionMs: 50 } } };
    const a = new LocalLogBus(opts);
    await a.publish('dlq', letters(0, 3));
    await a.stop();
    await new Promise((r) => setTimeout(r, 100));
    // The next dead letter closes the expired segment; retention then removes it.
    const b = new LocalLogBus(opts);
    await b.publish('dlq', letters(3, 1));
    await b.start();
    const kept = await b.read('dlq');
    await b.stop();
    assert.deepEqual(
      kept.map((m) => m.key),
      ['d3'],
    );
  });
});
