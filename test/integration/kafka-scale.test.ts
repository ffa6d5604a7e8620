/**
 * Scale-out and broker failure on Kafka (issue 3 acceptance), with tourniquet as child processes:
 * two processes in one group share the partitions and one takes over when the other stops; a broker
 * restart mid-run is ridden out. In both, every trigger is processed and every credential revoked
 * exactly once (the real OAuth server counts revocation requests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leakInput, pipelineSetup, waitForFinalTasks, type Service } from '../support/kafka-pipeline.js';
import { unavailable } from '../support/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(svc: Service): Promise<{ ready: boolean; member: boolean }> {
  return (await svc.api<{ ready: boolean; member: boolean }>('GET', '/readyz')).body;
}

async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('two processes share the partitions; stopping one hands its work to the other, nothing lost', async (t) => {
  const N = 300;
  const ctx = await pipelineSetup(t, { partitions: 4 });
  if (!ctx) return;
  const a = await ctx.start('a');
  const b = await ctx.start('b');
  const tokens = await ctx.importTokens(a, N);
  // Both are members with partitions assigned in every group (readiness says so).
  await waitUntil(
    'both processes are group members',
    async () => (await ready(a)).member && (await ready(b)).member,
    30_000,
  );

  ctx.oauth.setRevocationResponseDelay(30);
  await ctx.produce(
    'leak',
    tokens.map((token, i) => ({ key: `scanner-${i}`, value: leakInput(token, 'scale-test') })),
  );
  await waitUntil(
    'work under way in both processes',
    () => a.logCount('trigger planned') >= 20 && b.logCount('trigger planned') >= 20,
    60_000,
  );
  assert.equal(await b.stop('SIGTERM'), 0, 'b drains and exits 0');
  const plannedByB = b.logCount('trigger planned');
  assert.ok(ctx.oauth.revocationCalls() < N, 'b stopped mid-stream');
  ctx.oauth.setRevocationResponseDelay(0);

  const statuses = await waitForFinalTasks(ctx, N, 120_000);
  t.diagnostic(`triggers planned: a ${a.logCount('trigger planned')}, b ${plannedByB} before it stopped`);
  assert.deepEqual(statuses, { succeeded: N });
  const [triggers] = await ctx.query<{ n: string }>('SELECT count(*) AS n FROM triggers');
  assert.equal(Number(triggers?.n), N, 'every trigger processed');
  assert.equal(ctx.oauth.revocationCalls(), N, 'every credential revoked exactly once');
  assert.ok(a.logCount('trigger planned') > 0 && plannedByB > 0, 'both processes did part of the work');
  assert.ok((await ready(a)).member, 'a still a member after the takeover');
  assert.equal(await a.stop('SIGTERM'), 0);
});

test('a broker restart mid-run: the service reconnects and finishes the work', async (t) => {
  const N = 200;
  const ctx = await pipelineSetup(t, { partitions: 3 });
  if (!ctx) return;
  if (!ctx.k.canRestart) {
    unavailable(t, 'the Kafka broker in KAFKA_BROKERS cannot be restarted from here');
    return;
  }
  const svc = await ctx.start('restart');
  const tokens = await ctx.importTokens(svc, N);
  ctx.oauth.setRevocationResponseDelay(30);
  await ctx.produce(
    'leak',
    tokens.map((token, i) => ({ key: `scanner-${i}`, value: leakInput(token, 'restart-test') })),
  );
  await waitUntil('some revocations', () => ctx.oauth.revocationCalls() >= 20, 60_000);
  const started = Date.now();
  await ctx.k.restart();
  const callsAtRestart = ctx.oauth.revocationCalls();
  t.diagnostic(`broker restarted in ${Date.now() - started} ms after ${callsAtRestart} revocations`);
  assert.ok(callsAtRestart < N, 'the restart happened mid-run');
  ctx.oauth.setRevocationResponseDelay(0);

  const statuses = await waitForFinalTasks(ctx, N, 150_000);
  assert.deepEqual(statuses, { succeeded: N });
  const [triggers] = await ctx.query<{ n: string }>('SELECT count(*) AS n FROM triggers');
  assert.equal(Number(triggers?.n), N);
  assert.equal(ctx.oauth.revocationCalls(), N, 'every credential revoked exactly once');
  await waitUntil('ready again', async () => (await ready(svc)).ready, 30_000);
  assert.equal(await svc.stop('SIGTERM'), 0);
});
