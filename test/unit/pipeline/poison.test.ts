/**
 * The poison bound (src/pipeline/poison.ts) over the real local-log bus: which failures are
 * dead-lettered, after how many deliveries, and which are retried in place as a stall.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalLogBus } from '../../../src/bus/local.js';
import type { InMessage, MessageHandler } from '../../../src/bus/port.js';
import { TourniquetError } from '../../../src/errors.js';
import { classifyFailure, PoisonGuard, type Attempt } from '../../../src/pipeline/poison.js';
import { tempDir } from '../../support/runtime.js';
import { waitFor } from '../../support/wait.js';

async function run(
  handler: MessageHandler,
  opts: { maxAttempts?: number; probe?: () => Promise<unknown> } = {},
) {
  const dir = await tempDir();
  const bus = new LocalLogBus({ dir: dir.path });
  const dead: { offset: string; err: TourniquetError; attempts: readonly Attempt[] }[] = [];
  const guard = new PoisonGuard({
    maxAttempts: opts.maxAttempts ?? 5,
    deadLetter: async (msg, err, attempts) => void dead.push({ offset: msg.offset, err, attempts }),
    ...(opts.probe ? { probe: opts.probe } : {}),
  });
  await bus.subscribe({ topics: ['leak'], group: 'g', handler: guard.wrap(handler) });
  await bus.start();
  return {
    bus,
    guard,
    dead,
    async close() {
      await bus.stop();
      await dir.remove();
    },
  };
}

describe('PoisonGuard', () => {
  it('dead-letters a message that keeps failing after maxAttempts deliveries; the next one runs', async () => {
    const calls: string[] = [];
    const ctx = await run(
      async (m: InMessage) => {
        calls.push(m.value);
        if (m.value === 'bad') throw new TypeError('a bug this message trips');
      },
      { maxAttempts: 3 },
    );
    await ctx.bus.publish('leak', [
      { key: 'k', value: 'bad' },
      { key: 'k', value: 'good' },
    ]);
    await ctx.bus.idle();
    assert.deepEqual(calls, ['bad', 'bad', 'bad', 'good']);
    assert.equal(ctx.dead.length, 1);
    assert.equal(ctx.dead[0]!.offset, '0');
    assert.equal(ctx.dead[0]!.err.code, 'INTERNAL');
    assert.deepEqual(
      ctx.dead[0]!.attempts.map((a) => a.kind),
      ['transient', 'transient', 'transient'],
    );
    await ctx.close();
  });

  it('dead-letters a deterministic failure at once', async () => {
    let calls = 0;
    const ctx = await run(async () => {
      calls++;
      throw Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    });
    await ctx.bus.publish('leak', [{ key: 'k', value: 'x' }]);
    await ctx.bus.idle();
    assert.equal(calls, 1);
    assert.equal(ctx.dead[0]!.attempts.length, 1);
    assert.doesNotMatch(ctx.dead[0]!.err.message, /invalid byte sequence/, 'driver messages stay out');
    await ctx.close();
  });

  it('retries an infrastructure failure in place, reports the stall, and clears it on success', async () => {
    let down = true;
    let calls = 0;
    const ctx = await run(
      async () => {
        calls++;
        if (down) throw new TourniquetError('STORE_UNAVAILABLE', 'store down', { retriable: true });
      },
      { maxAttempts: 2 },
    );
    await ctx.bus.publish('leak', [{ key: 'k', value: 'x' }]);
    await waitFor(
      'more deliveries than maxAttempts',
      async () => calls,
      (n) => n > 3,
    );
    assert.equal(ctx.dead.length, 0, 'never dead-lettered while the store is down');
    assert.equal(ctx.guard.stalled()?.code, 'STORE_UNAVAILABLE');
    down = false;
    await ctx.bus.idle();
    assert.equal(ctx.guard.stalled(), undefined);
    await ctx.close();
  });

  it('treats an unexplained failure as infrastructure while the store does not answer', async () => {
    let calls = 0;
    let storeUp = false;
    const ctx = await run(
      async () => {
        calls++;
        if (!storeUp) throw new Error('connection lost');
      },
      {
        maxAttempts: 2,
        probe: () => (storeUp ? Promise.resolve() : Promise.reject(new Error('no answer'))),
      },
    );
    await ctx.bus.publish('leak', [{ key: 'k', value: 'x' }]);
    await waitFor(
      'several deliveries',
      async () => calls,
      (n) => n > 3,
    );
    assert.equal(ctx.dead.length, 0);
    assert.ok(ctx.guard.stalled());
    storeUp = true;
    await ctx.bus.idle();
    assert.equal(ctx.dead.length, 0, 'handled once the store was back');
    await ctx.close();
  });

  it('falls back to a bare dead letter when the store refuses the first one', async () => {
    const dir = await tempDir();
    const bus = new LocalLogBus({ dir: dir.path });
    const written: string[] = [];
    const guard = new PoisonGuard({
      maxAttempts: 5,
      deadLetter: async (_msg, err) => {
        // The store refuses a reason holding U+0000, as PostgreSQL does (SQLSTATE 22P05).
        if (err.message.includes('\u0000')) throw Object.assign(new Error('refused'), { code: '22P05' });
        written.push(err.code);
      },
    });
    await bus.subscribe({
      topics: ['leak'],
      group: 'g',
      handler: guard.wrap(async () => {
        throw new TourniquetError('INVALID_INPUT', 'Unrecognized key: "x\u0000"');
      }),
    });
    await bus.start();
    await bus.publish('leak', [{ key: 'k', value: 'x' }]);
    await bus.idle();
    assert.deepEqual(written, ['INTERNAL'], 'dead-lettered once, without the refused reason');
    await bus.stop();
    await dir.remove();
  });

  it('classifies errors by code', () => {
    const withCode = (code: string) => Object.assign(new Error('x'), { code });
    assert.equal(classifyFailure(withCode('ECONNREFUSED')), 'infrastructure');
    assert.equal(classifyFailure(withCode('08006')), 'infrastructure');
    assert.equal(classifyFailure(withCode('23505')), 'deterministic');
    assert.equal(classifyFailure(withCode('40001')), 'transient');
    assert.equal(classifyFailure(new TourniquetError('INVALID_INPUT', 'x')), 'deterministic');
    assert.equal(classifyFailure(new TourniquetError('BUS_UNAVAILABLE', 'x')), 'infrastructure');
    assert.equal(
      classifyFailure(new TourniquetError('PROVIDER_TIMEOUT', 'x', { retriable: true })),
      'transient',
    );
  });
});
