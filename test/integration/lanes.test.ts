/**
 * Lanes: a provider that does not answer occupies only its own lane, and waiting (a spent budget,
 * a verification window) lives in the store, so a restart in the middle loses nothing and calls
 * nothing twice. Counted at real OAuth servers, never from tourniquet's own bookkeeping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import {
  captureLogger,
  leakOAuthToken,
  oauthProviderConfig,
  tempDir,
  testConfig,
} from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

describe('provider lanes', () => {
  let slow: OAuthServer;
  let fast: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const log = captureLogger();
  const runtimes: Runtime[] = [];
  /** A runtime on the shared data dir; `budget` overrides the slow provider's. */
  const start = async (budget: { perSecond: number; burst: number; concurrency: number }) => {
    const r = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [
          { ...oauthProviderConfig(slow, 'oauth-slow'), rateBudget: budget },
          oauthProviderConfig(fast, 'oauth-fast'),
        ],
        retry: { schedulerIntervalMs: 200, baseMs: 200, capMs: 1000, maxAttempts: 50 },
      }),
      { logger: log.logger },
    );
    runtimes.push(r);
    await r.startWorkers();
    return r;
  };
  const stop = async (r: Runtime) => {
    await r.stop();
    runtimes.splice(runtimes.indexOf(r), 1);
  };

  before(async () => {
    slow = await startOAuthServer();
    fast = await startOAuthServer();
    dir = await tempDir();
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    await slow.close();
    await fast.close();
    await dir.remove();
  });

  const tasksOf = async (r: Runtime, triggerIds: readonly string[]) =>
    (await Promise.all(triggerIds.map((id) => r.deps.store.listTasks({ triggerId: id })))).flat();

  it("a provider that does not answer holds only its own lane's capacity", async () => {
    // The slow lane may run 16 calls at once: as many as the embedded log's shared handler slots,
    // which it used to fill so that nothing else ran.
    const r = await start({ perSecond: 1000, burst: 1000, concurrency: 16 });
    const release = slow.holdRevocations();
    const slowLeaks = [];
    for (let i = 0; i < 24; i++) slowLeaks.push(await leakOAuthToken(r, slow, 'oauth-slow', `slow-${i}`));
    await waitFor(
      'slow lane full',
      async () => slow.revocationsInFlight().now,
      (n) => n === 16,
      30_000,
    );
    const fastLeaks = [];
    for (let i = 0; i < 10; i++) fastLeaks.push(await leakOAuthToken(r, fast, 'oauth-fast', `fast-${i}`));
    const fastIds = fastLeaks.map((l) => l.triggerId);
    await waitFor(
      'fast lane done while the slow one hangs',
      () => tasksOf(r, fastIds),
      (ts) => ts.length === 10 && ts.every((t) => t.status === 'succeeded'),
      30_000,
    );
    assert.equal(slow.revocationsInFlight().now, 16, 'the slow provider still has not answered');
    assert.equal(slow.revocationCalls(), 16, 'its lane waits at its own limit: nothing more was sent');
    for (const l of fastLeaks) assert.equal(await fast.introspect(l.token), false);

    release();
    const slowIds = slowLeaks.map((l) => l.triggerId);
    await waitFor(
      'slow lane done',
      () => tasksOf(r, slowIds),
      (ts) => ts.length === 24 && ts.every((t) => t.status === 'succeeded'),
      60_000,
    );
    assert.equal(slow.revocationsInFlight().max, 16, 'never more than its concurrency at the provider');
    assert.equal(slow.revocationCalls(), 24, 'each token revoked once');
    await stop(r);
  });

  it("a budget set to the provider's exact limit stays inside its bucket, proofs included", async () => {
    // Each leak costs two calls: the revocation and its proof, charged to the slot it holds.
    const budget = { perSecond: 5, burst: 10, concurrency: 4 };
    const edge = await startOAuthServer();
    const edgeDir = await tempDir();
    try {
      const r = await createRuntime(
        testConfig({
          dataDir: edgeDir.path,
          providers: [{ ...oauthProviderConfig(edge, 'oauth-edge'), rateBudget: budget }],
        }),
        { logger: log.logger },
      );
      runtimes.push(r);
      await r.startWorkers();
      const leaks: { triggerId: string }[] = [];
      for (let i = 0; i < 20; i++) leaks.push(await leakOAuthToken(r, edge, 'oauth-edge', `edge-${i}`));
      await waitFor(
        'every edge leak revoked',
        () =>
          tasksOf(
            r,
            leaks.map((l) => l.triggerId),
          ),
        (ts) => ts.length === 20 && ts.every((t) => t.status === 'succeeded'),
        60_000,
      );
      await stop(r);
      // The provider's own token bucket, replayed over the arrival times it saw.
      const arrivals = [...edge.callTimes()].sort((a, b) => a - b);
      assert.equal(arrivals.length, 40);
      let tokens = budget.burst;
      let last = arrivals[0]!;
      let refused = 0;
      for (const at of arrivals) {
        tokens = Math.min(budget.burst, tokens + ((at - last) / 1000) * budget.perSecond);
        last = at;
        if (tokens >= 1) tokens -= 1;
        else refused++;
      }
      assert.equal(refused, 0, 'calls the provider would have answered 429');
    } finally {
      await edge.close();
      await edgeDir.remove();
    }
  });

  it('idle() waits for the revocations running in the lanes, not only for the bus', async () => {
    // `ingest` without a service exits after idle(): it once returned while the revocation was
    // still at the provider (the bus was drained), so the task was read, and stopped, unrun.
    const r = await start({ perSecond: 1000, burst: 1000, concurrency: 4 });
    const release = slow.holdRevocations();
    const leak = await leakOAuthToken(r, slow, 'oauth-slow', 'idle-held');
    let idle = false;
    const settled = r.idle().then(() => (idle = true));
    await waitFor(
      'the revocation at the provider',
      async () => slow.revocationsInFlight().now,
      (n) => n === 1,
      30_000,
    );
    // Let the bus drain completely while the provider still holds the call.
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(idle, false, 'idle() resolved while a revocation was in flight');
    release();
    await settled;
    const [task] = await tasksOf(r, [leak.triggerId]);
    assert.equal(task?.status, 'succeeded');
    assert.ok(task?.verifiedAt, 'verified before idle() resolved');
    assert.equal(await slow.introspect(leak.token), false);
    await stop(r);
  });

  it('a lane whose queue was postponed (a 3-s "slow down") still wakes itself for its next token', async () => {
    // One call a second: after the provider's 429 (come back in 3 s) the lane gives its queue back
    // to the store; when the tasks return, all but one must wait for a token in memory, and the
    // lane must wake up for each (it once kept a dead timer and slept with its queue full).
    const r = await start({ perSecond: 1, burst: 1, concurrency: 4 });
    slow.failNextRevocations(1, 429, '3');
    const leaks: { token: string; triggerId: string }[] = [];
    for (let i = 0; i < 4; i++) leaks.push(await leakOAuthToken(r, slow, 'oauth-slow', `pause-${i}`));
    await waitFor(
      'every task of the paused lane done',
      () =>
        tasksOf(
          r,
          leaks.map((l) => l.triggerId),
        ),
      (ts) => ts.length === 4 && ts.every((t) => t.status === 'succeeded'),
      60_000,
    );
    for (const l of leaks) assert.equal(await slow.introspect(l.token), false);
    await stop(r);
  });

  it('a restart during a long budget wait and a verification window loses nothing and calls nothing twice', async () => {
    // One call per 5 s at the slow provider: four tasks wait in the store for their slots.
    let r = await start({ perSecond: 0.2, burst: 1, concurrency: 4 });
    const revokedBefore = slow.revocationCalls();
    // The fast provider's proof is refused for a while (429, come back in 3 s): its task waits
    // `verifying` in the store.
    fast.failNextIntrospections(1, 429, '3');
    const verifyLeak = await leakOAuthToken(r, fast, 'oauth-fast', 'verify-restart');
    const budgetLeaks = [];
    for (let i = 0; i < 4; i++) budgetLeaks.push(await leakOAuthToken(r, slow, 'oauth-slow', `budget-${i}`));
    const ids = [verifyLeak.triggerId, ...budgetLeaks.map((l) => l.triggerId)];
    await waitFor(
      'a task verifying and others postponed',
      () => tasksOf(r, ids),
      (ts) =>
        ts.some((t) => t.status === 'verifying') &&
        ts.filter((t) => t.status === 'planned' && t.nextAttemptAt !== null).length >= 2,
      30_000,
    );
    const fastRevoked = fast.revocationCalls();
    await stop(r);

    r = await start({ perSecond: 0.2, burst: 1, concurrency: 4 });
    const done = await waitFor(
      'everything final after the restart',
      () => tasksOf(r, ids),
      (ts) => ts.length === 5 && ts.every((t) => t.status === 'succeeded'),
      90_000,
    );
    assert.equal(fast.revocationCalls(), fastRevoked, 'the verifying task was not revoked again');
    assert.equal(slow.revocationCalls() - revokedBefore, 4, 'each waiting task revoked exactly once');
    for (const t of done) assert.ok(t.verifiedAt, `${t.id} proven dead`);
    for (const l of [verifyLeak, ...budgetLeaks]) {
      const server = l === verifyLeak ? fast : slow;
      assert.equal(await server.introspect(l.token), false);
    }
    // A postponed task is no attempt: one claim per task that acted.
    const attempts = (await Promise.all(ids.map((id) => r.deps.store.listAudit({ triggerId: id }))))
      .flat()
      .filter((a) => a.type === 'task.attempt');
    assert.equal(attempts.length, 5, 'one attempt per task: waiting wrote no attempt');
    await stop(r);
  });
});
