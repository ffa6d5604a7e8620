/**
 * Scale-out under one provider budget (issue 11 item 4), tourniquet as two child processes on Kafka
 * and PostgreSQL: both draw from the budget in the database, so their combined call rate at the
 * provider (counted by the real OAuth server, per second) never exceeds it; one is killed mid-run
 * and the other, once the dead one has missed its heartbeats, takes over its leases, admission
 * slots and queue and finishes every task, revoking each credential exactly once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leakInput, pipelineSetup, waitForFinalTasks } from '../support/kafka-pipeline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most calls in any window of `windowMs` (sliding, anchored at each call). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

test('two workers share one provider budget; killing one mid-run loses nothing and revokes nothing twice', async (t) => {
  const N = 120;
  const budget = { perSecond: 10, burst: 5, concurrency: 4 };
  const ctx = await pipelineSetup(t, {
    partitions: 4,
    rateBudget: budget,
    // Leases, admission slots and the lost-message repair would all take ten minutes to give the
    // killed worker's tasks back: within this test's time only its missed heartbeat can.
    retry: { leaseMs: 600_000, republishAfterMs: 600_000, workerDeadAfterMs: 2_000 },
  });
  if (!ctx) return;
  const a = await ctx.start('a');
  const b = await ctx.start('b');
  const tokens = await ctx.importTokens(a, N);
  await ctx.produce(
    'leak',
    tokens.map((token, i) => ({ key: `scanner-${i}`, value: leakInput(token, 'budget-test') })),
  );
  // Half way through (a leak costs two calls: the revocation and its proof), one worker dies.
  const deadline = Date.now() + 120_000;
  while (ctx.oauth.revocationCalls() < N / 2 && Date.now() < deadline) await sleep(100);
  await b.stop('SIGKILL');

  const statuses = await waitForFinalTasks(ctx, N, 180_000);
  assert.deepEqual(statuses, { succeeded: N }, 'every task final after the kill');
  assert.ok(
    a.logCount('workers stopped beating: their leases and slots are taken over') >= 1,
    'the survivor reaped the killed worker',
  );
  assert.equal(ctx.oauth.revocationCalls(), N, 'every credential revoked exactly once');
  const times = ctx.oauth.callTimes();
  const busiest = busiestWindow(times, 1_000);
  t.diagnostic(
    `calls ${times.length}, busiest second ${busiest}, budget ${budget.perSecond}/s + ${budget.burst}`,
  );
  // A token bucket lets through at most its burst plus one second's refill in any second; calls
  // granted just outside a window can arrive inside it, at most one per slot in flight. Two
  // budgets (one per worker) would allow twice the bucket: 30 here.
  const bound = budget.burst + budget.perSecond + budget.concurrency;
  assert.ok(busiest <= bound, `at most ${bound} calls in any second across both workers, saw ${busiest}`);
  assert.equal(await a.stop('SIGTERM'), 0);
});
