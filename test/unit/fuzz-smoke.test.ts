/** A short run of every fuzz target (test/fuzz/targets.ts); `npm run fuzz` runs them long. */
import { test } from 'node:test';
import { TARGETS } from '../fuzz/targets.js';

const RUNS = Number(process.env.TOURNIQUET_FUZZ_RUNS ?? 200);

for (const t of TARGETS) {
  test(`fuzz target ${t.name} (${RUNS} inputs)`, async () => {
    await t.run(RUNS);
  });
}
