/**
 * The one retry layer against real OAuth servers: Retry-After is honoured with durable delayed
 * retries, other providers keep completing meanwhile, and a provider that is down has its circuit
 * opened and its tasks parked until it recovers — across a restart.
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

describe('retries, rate limits and the circuit breaker', () => {
  let a: OAuthServer;
  let b: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger();
  const config = () =>
    testConfig({
      dataDir: dir.path,
      providers: [oauthProviderConfig(a, 'oauth-a'), oauthProviderConfig(b, 'oauth-b')],
      retry: { schedulerIntervalMs: 200, baseMs: 200, capMs: 1000, maxAttempts: 50 },
    });

  before(async () => {
    a = await startOAuthServer();
    b = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(config(), { logger: log.logger });
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime.stop();
    await a.close();
    await b.close();
    await dir.remove();
  });

  const leak = (server: OAuthServer, provider: string, id: string) =>
    leakOAuthToken(runtime, server, provider, id);
  const taskOf = async (triggerId: string) => (await runtime.deps.store.listTasks({ triggerId }))[0];

  it('429 with Retry-After: 2 three times, then success: ≥ 6 s, exactly 4 calls; others complete meanwhile', async () => {
    a.failNextRevocations(3, 429, '2');
    const callsBefore = a.revocationCalls();
    const started = Date.now();
    const slow = await leak(a, 'oauth-a', 'a-1');
    // While oauth-a is rate limited, credentials at oauth-b keep completing.
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await leak(b, 'oauth-b', `b-${i}`));
    for (const o of others) {
      await waitFor(
        'other provider task',
        () => taskOf(o.triggerId),
        (t) => t?.status === 'succeeded',
        20_000,
      );
    }
    assert.ok(Date.now() - started < 6000, 'the other providers finished before the rate-limited task could');
    const done = await waitFor(
      'rate-limited task',
      () => taskOf(slow.triggerId),
      (t) => t?.status === 'succeeded',
      30_000,
    );
    assert.ok(Date.now() - started >= 6000, `took ${Date.now() - started} ms`);
    assert.equal(a.revocationCalls() - callsBefore, 4);
    assert.equal(done?.attempts, 4);
    assert.equal(await a.introspect(slow.token), false);
    const types = (await runtime.deps.store.listAudit({ triggerId: slow.triggerId })).map((r) => r.type);
    assert.equal(types.filter((t) => t === 'task.retry_scheduled').length, 3);
  });

  it('5xx for the whole outage: the circuit opens, tasks park, others complete; after a restart and recovery all complete', async () => {
    a.failNextRevocations(10_000, 503);
    const down = [];
    for (let i = 0; i < 8; i++) down.push(await leak(a, 'oauth-a', `down-${i}`));
    const healthy = await leak(b, 'oauth-b', 'b-ok');
    await waitFor(
      'healthy provider',
      () => taskOf(healthy.triggerId),
      (t) => t?.status === 'succeeded',
      20_000,
    );
    await waitFor(
      'circuit open',
      async () => runtime.deps.admission.states()['oauth-a'],
      (s) => s === 'open',
      20_000,
    );
    const callsWhileOpen = a.revocationCalls();
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(a.revocationCalls() - callsWhileOpen <= 1, 'parked: at most one trial call while open');
    for (const d of down)
      assert.equal((await taskOf(d.triggerId))?.status, 'planned', 'parked, not dead-lettered');

    // Restart in the middle of the outage: nothing is lost.
    await runtime.stop();
    runtime = await createRuntime(config(), { logger: log.logger });
    await runtime.startWorkers();
    a.failNextRevocations(0, 503);
    for (const d of down) {
      await waitFor(
        'parked task completes after recovery',
        () => taskOf(d.triggerId),
        (t) => t?.status === 'succeeded',
        60_000,
      );
      assert.equal(await a.introspect(d.token), false);
    }
  });
});
