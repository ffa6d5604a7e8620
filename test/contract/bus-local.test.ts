/** The embedded local-log bus: durability across restarts, per-key order, redelivery on failure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalLogBus } from '../../src/bus/local.js';
import type { InMessage } from '../../src/bus/port.js';
import { tempDir } from '../support/runtime.js';

describe('LocalLogBus', () => {
  it('keeps accepted messages across a restart and redelivers what was not handled', async () => {
    const dir = await tempDir();
    const a = new LocalLogBus({ dir: dir.path });
    await a.publish('leak', [
      { key: 'k1', value: 'one' },
      { key: 'k2', value: 'two' },
    ]);
    const seenA: string[] = [];
    await a.subscribe({ topics: ['leak'], group: 'g', handler: async (m) => void seenA.push(m.value) });
    await a.start();
    await a.idle();
    await a.publish('leak', [{ key: 'k3', value: 'three' }]);
    await a.idle();
    await a.stop();
    assert.deepEqual(seenA, ['one', 'two', 'three']);

    // Published while no consumer runs, then a new process starts: delivered exactly from the cursor.
    const b = new LocalLogBus({ dir: dir.path });
    await b.publish('leak', [{ key: 'k4', value: 'four' }]);
    await b.stop();
    const c = new LocalLogBus({ dir: dir.path });
    const seenC: string[] = [];
    await c.subscribe({ topics: ['leak'], group: 'g', handler: async (m) => void seenC.push(m.value) });
    await c.start();
    await c.idle();
    await c.stop();
    assert.deepEqual(seenC, ['four']);
    await dir.remove();
  });

  it('runs one key in order while other keys proceed, and retries a throwing handler in place', async () => {
    const dir = await tempDir();
    const bus = new LocalLogBus({ dir: dir.path, concurrency: 4 });
    const order: string[] = [];
    let failures = 1;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({
      topics: ['tasks'],
      group: 'g',
      handler: async (m: InMessage) => {
        if (m.value === 'a1') await gate; // a slow first message for key a
        if (m.value === 'b1' && failures-- > 0) throw new Error('store down');
        order.push(m.value);
        if (m.value === 'b2') release();
      },
    });
    await bus.publish('tasks', [
      { key: 'a', value: 'a1' },
      { key: 'a', value: 'a2' },
      { key: 'b', value: 'b1' },
      { key: 'b', value: 'b2' },
    ]);
    await bus.start();
    await bus.idle();
    await bus.stop();
    assert.deepEqual(
      order,
      ['b1', 'b2', 'a1', 'a2'],
      'b is not blocked by slow a; a stays in order; b1 retried',
    );
    await dir.remove();
  });
});
