/**
 * A worker process for the multi-process admission test (admission-postgres.test.ts): several loops
 * that take a grant of one lane from the PostgreSQL adapter as fast as the adapter allows, make one
 * real HTTP call per grant to the test's counting server, and release with the call's result. Long
 * calls renew their slot, as an attempt's lease keeper would.
 *
 * Environment: DATABASE_URL, LANE, LIMITS (JSON LaneLimits), HOLD_MS, TARGET (URL), NAME, LOOPS;
 * ADAPTER=memory gives each process its own in-process budget (today's per-process gates): the
 * control case, which the counting server must catch.
 */
import type { LaneLimits } from '../../src/pipeline/admission/port.js';
import { MemoryAdmission } from '../../src/pipeline/admission/memory.js';
import { openAdmission } from '../../src/store/admission-open.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`admission worker: ${k} is not set`);
  return v;
};
const lane = env('LANE');
const limits = JSON.parse(env('LIMITS')) as LaneLimits;
const holdMs = Number(env('HOLD_MS'));
const target = env('TARGET');
const name = env('NAME');
const loops = Number(env('LOOPS'));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const admission =
  process.env.ADAPTER === 'memory'
    ? new MemoryAdmission()
    : await openAdmission({ databaseUrl: env('DATABASE_URL') }, { poolSize: loops + 2 });

async function loop(): Promise<never> {
  for (;;) {
    const g = await admission.tryAcquire(lane, limits, name, holdMs);
    if (!g.ok) {
      // Ask again sooner than the horizon: hammering is the point of this test.
      await sleep(Math.min(g.retryInMs, 10));
      continue;
    }
    const keeper = setInterval(() => void admission.renew(lane, g.slot, holdMs), holdMs / 3);
    let result: 'success' | 'retriable' = 'retriable';
    try {
      const res = await fetch(target, { headers: { 'x-holder': name } });
      await res.text();
      if (res.ok) result = 'success';
    } catch (e) {
      process.stderr.write(`call failed: ${(e as Error).message}\n`);
    } finally {
      clearInterval(keeper);
    }
    await admission.record(lane, result);
    await admission.release(lane, g.slot);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: loops }, loop));
