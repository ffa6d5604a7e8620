/**
 * The local log refuses to lose data silently (issue 12): a cursor past the end, a corrupt record
 * and a gap are found at start (LOG_DAMAGED); `acceptLoss` starts anyway, reports what is skipped,
 * and new messages are delivered. A torn tail (a crash mid-write, never acknowledged) is still cut
 * off quietly.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalLogBus } from '../../src/bus/local.js';
import type { LogDamage } from '../../src/bus/local-log.js';
import { isTourniquetError } from '../../src/errors.js';
import { tempDir } from '../support/runtime.js';

/** Publishes `n` messages, handles them all, and stops; returns the leak topic's file. */
async function handled(dir: string, n: number): Promise<string> {
  const bus = new LocalLogBus({ dir });
  await bus.subscribe({ topics: ['leak'], group: 'g', handler: async () => undefined });
  await bus.start();
  await bus.publish(
    'leak',
    Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  );
  await bus.idle();
  await bus.stop();
  return join(dir, 'leak.jsonl');
}

async function restart(dir: string, acceptLoss = false) {
  const seen: string[] = [];
  const reported: LogDamage[] = [];
  const bus = new LocalLogBus({
    dir,
    acceptLoss,
    onLossAccepted: async (d) => void reported.push(...d),
  });
  await bus.subscribe({ topics: ['leak'], group: 'g', handler: async (m) => void seen.push(m.value) });
  return { bus, seen, reported, start: () => bus.start() };
}

const damaged = (kind: LogDamage['kind']) => (e: unknown) => {
  assert.ok(isTourniquetError(e), String(e));
  assert.equal(e.code, 'LOG_DAMAGED');
  assert.ok(
    (e.details as LogDamage[]).some((d) => d.kind === kind),
    JSON.stringify(e.details),
  );
  return true;
};

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);

describe('local log damage at start', () => {
  it('refuses a log truncated behind its cursor; accepting the loss delivers new messages', async () => {
    const dir = await tempDir();
    const file = await handled(dir.path, 5);
    // The log loses its last three entries (a restore from an older copy, a lost tail).
    await writeFile(file, (await lines(file)).slice(0, 2).join('\n') + '\n');

    const refused = await restart(dir.path);
    await assert.rejects(refused.start(), damaged('cursor_past_end'));
    await refused.bus.stop();

    const accepted = await restart(dir.path, true);
    await accepted.start();
    assert.deepEqual(
      accepted.reported.map((d) => [d.kind, d.from, d.to]),
      [['cursor_past_end', 2, 5]],
    );
    await accepted.bus.publish('leak', [{ key: 'new', value: 'after the loss' }]);
    await accepted.bus.idle();
    assert.deepEqual(accepted.seen, ['after the loss'], 'a new message is not swallowed');
    await accepted.bus.stop();

    // The loss was accepted once; the next start is clean.
    const next = await restart(dir.path);
    await next.start();
    await next.bus.stop();
    await dir.remove();
  });

  it('refuses a corrupt record in the middle of a segment', async () => {
    const dir = await tempDir();
    const file = await handled(dir.path, 3);
    const ls = await lines(file);
    ls[1] = '{"offset":1,"key":"k1","val';
    await writeFile(file, ls.join('\n') + '\n');
    const r = await restart(dir.path);
    await assert.rejects(r.start(), damaged('corrupt'));
    await r.bus.stop();
    await dir.remove();
  });

  it('refuses a gap in the offsets', async () => {
    const dir = await tempDir();
    const file = await handled(dir.path, 4);
    const ls = await lines(file);
    await writeFile(file, [ls[0], ls[2], ls[3]].join('\n') + '\n');
    const r = await restart(dir.path);
    await assert.rejects(r.start(), damaged('gap'));
    await r.bus.stop();
    await dir.remove();
  });

  it('cuts off a torn tail quietly and delivers what was acknowledged', async () => {
    const dir = await tempDir();
    const bus = new LocalLogBus({ dir: dir.path });
    await bus.publish('leak', [{ key: 'a', value: 'one' }]);
    await bus.stop();
    await appendFile(join(dir.path, 'leak.jsonl'), '{"offset":1,"key":"b","va');
    const r = await restart(dir.path);
    await r.start();
    await r.bus.idle();
    assert.deepEqual(r.seen, ['one']);
    await r.bus.publish('leak', [{ key: 'b', value: 'two' }]);
    await r.bus.idle();
    assert.deepEqual(r.seen, ['one', 'two']);
    await r.bus.stop();
    await dir.remove();
  });
});
