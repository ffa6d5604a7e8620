/**
 * Crash safety on Kafka (issue 3 acceptance): one consumer process is SIGKILLed in the middle of a
 * 1,000-trigger run while revocations are in flight, then restarted. Every task reaches a final
 * state, every trigger is stored, and the real OAuth server (which counts revocation requests)
 * receives exactly one revocation per credential. The embedded twin is crash-embedded.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leakInput, pipelineSetup, waitForFinalTasks } from '../support/kafka-pipeline.js';

const N = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`SIGKILL mid-run on Kafka loses no trigger and never revokes twice (${N} leaks)`, async (t) => {
  const ctx = await pipelineSetup(t, { partitions: 6 });
  if (!ctx) return;
  const first = await ctx.start('first');
  const tokens = await ctx.importTokens(first, N);
  // A slow provider: when the kill lands, calls are in flight and tasks are running under a lease.
  // The delay is on the answer (the token is already revoked), which is where a retry could
  // revoke twice; a request cut before the provider acted may rightly be sent again.
  ctx.oauth.setRevocationResponseDelay(150);
  await ctx.produce(
    'leak',
    tokens.map((token, i) => ({ key: `scanner-${i}`, value: leakInput(token, 'crash-test') })),
  );
  for (let i = 0; i < 1200 && ctx.oauth.revocationCalls() < 60; i++) await sleep(50);
  first.child.kill('SIGKILL');
  await first.exited;
  const callsAtCrash = ctx.oauth.revocationCalls();
  assert.ok(
    callsAtCrash > 0 && callsAtCrash < N,
    `killed mid-run (${callsAtCrash} of ${N} revocations before)`,
  );
  const [stored] = await ctx.query<{ n: string }>('SELECT count(*) AS n FROM triggers');
  t.diagnostic(`at the kill: ${callsAtCrash} revocations, ${stored?.n} triggers stored`);

  ctx.oauth.setRevocationResponseDelay(0);
  const started = Date.now();
  const second = await ctx.start('second');
  const statuses = await waitForFinalTasks(ctx, N, 150_000);
  t.diagnostic(`recovered in ${Date.now() - started} ms`);
  assert.equal(await second.stop('SIGTERM'), 0);

  assert.deepEqual(statuses, { succeeded: N }, 'every task reached a final state and succeeded');
  const [triggers] = await ctx.query<{ n: string }>('SELECT count(*) AS n FROM triggers');
  assert.equal(Number(triggers?.n), N, 'no trigger lost');
  const [revoked] = await ctx.query<{ n: string }>(
    "SELECT count(*) AS n FROM credentials WHERE status = 'revoked'",
  );
  assert.equal(Number(revoked?.n), N);
  assert.equal(ctx.oauth.revocationCalls(), N, 'exactly one revocation request per credential');
  for (const token of tokens.slice(0, 5)) assert.equal(await ctx.oauth.introspect(token), false);
});
