/**
 * `npm run fuzz [-- --runs N] [--target name] [--seed S]`: runs every fuzz target (test/fuzz/targets.ts)
 * with N inputs each (default 10,000) and prints inputs and time per target. Exit 1 on the first
 * counterexample (fast-check prints it with its seed, for replay with --seed).
 */
import { parseArgs } from 'node:util';
import { TARGETS } from './targets.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    target: { type: 'string' },
    seed: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
const chosen = TARGETS.filter((t) => !values.target || t.name === values.target);
if (chosen.length === 0) {
  console.error(`no target ${values.target}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
for (const t of chosen) {
  const t0 = performance.now();
  try {
    await t.run(runs, seed);
  } catch (e) {
    console.error(`${t.name}: FAILED\n${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  console.log(`${t.name.padEnd(20)} ${runs} inputs  ok  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
