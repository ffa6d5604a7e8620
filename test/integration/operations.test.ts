/**
 * SOC operations over the operator API against real OAuth servers: approvals held by the
 * blast-radius guard, dead letters and their retry, replay (dry-run diff, idempotent live replay,
 * forced replay), and role-based access.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

describe('SOC operations', () => {
  let oauth: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let app: ReturnType<typeof buildApp>;
  let analyst: string;
  let responder: string;
  const log = captureLogger();
  const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };

  before(async () => {
    oauth = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [oauthProviderConfig(oauth)],
        policy: { blastRadius: { maxCredentials: 2 } },
        retry: { schedulerIntervalMs: 200, maxAttempts: 2, baseMs: 50, capMs: 100 },
      }),
      { logger: log.logger },
    );
    await runtime.startWorkers();
    const ops = localOps(runtime.deps);
    app = buildApp({
      ops,
      logger: log.logger,
      bodyLimitBytes: 1 << 20,
      adminToken: 'admin-token',
      health: () => runtime.deps.bus.health(),
    });
    analyst = (await call('admin-token', 'POST', '/v1/operators', { name: 'ana', role: 'analyst' })).body
      .token;
    responder = (await call('admin-token', 'POST', '/v1/operators', { name: 'rui', role: 'responder' })).body
      .token;
  });
  after(async () => {
    await app.close();
    await runtime.stop();
    await oauth.close();
    await dir.remove();
  });

  async function leakBatch(owner: string, n: number) {
    const tokens = await Promise.all(Array.from({ length: n }, () => oauth.mint()));
    await localOps(runtime.deps).importInventory(
      tokens.map((t, i) => ({
        id: `${owner}-${i}`,
        provider: 'oauth-main',
        kind: 'oauth.access_token',
        owner,
        secret: t,
      })),
      'test',
    );
    return tokens;
  }

  it('answers 401 without a valid operator token and 403 when an analyst attempts a live replay', async () => {
    assert.equal((await call('nope', 'GET', '/v1/audit')).status, 401);
    assert.equal((await call(analyst, 'GET', '/v1/audit')).status, 200);
    const live = await call(analyst, 'POST', '/v1/replays', {
      from: '2000-01-01T00:00:00Z',
      dryRun: false,
      reason: 'x',
    });
    assert.equal(live.status, 403);
    assert.equal(live.body.error, 'FORBIDDEN');
    assert.equal(
      (
        await call(analyst, 'POST', '/v1/replays', {
          from: '2000-01-01T00:00:00Z',
          dryRun: true,
          reason: 'x',
        })
      ).status,
      200,
    );
    assert.equal((await call(analyst, 'POST', '/v1/dlq/retry', { all: true })).status, 403);
  });

  it('a plan over the blast-radius limit waits; approval executes it; denial leaves it unexecuted; both audited', async () => {
    // Offboarding cannot revoke OAuth tokens by value, so the leak path holds plans here: a leak of
    // a token that three inventory records share (copied between workloads) exceeds the limit of 2.
    const [shared] = await Promise.all([oauth.mint()]);
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      [0, 1, 2].map((i) => ({
        id: `shared-${i}`,
        provider: 'oauth-main',
        kind: 'oauth.access_token',
        secret: shared!,
      })),
      'test',
    );
    const calls0 = oauth.revocationCalls();
    const held = (await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: shared } }]))
      .accepted[0]!.id;
    await runtime.idle();
    const waiting = await call(analyst, 'GET', '/v1/plans?status=awaiting_approval');
    const plan = waiting.body.plans.find((p: { triggerId: string }) => p.triggerId === held);
    assert.ok(plan, 'the plan waits for approval');
    assert.equal(oauth.revocationCalls(), calls0, 'nothing executed while waiting');
    assert.equal((await call(analyst, 'POST', `/v1/plans/${plan.id}/approve`, { reason: 'x' })).status, 403);
    const ok = await call(responder, 'POST', `/v1/plans/${plan.id}/approve`, {
      reason: 'confirmed leak, INC-42',
    });
    assert.equal(ok.status, 200);
    await waitFor(
      'approved tasks',
      () => runtime.deps.store.listTasks({ triggerId: held }),
      (ts) => ts.every((t) => t.status === 'succeeded'),
      20_000,
    );
    assert.ok(oauth.revocationCalls() > calls0);
    assert.equal(await oauth.introspect(shared!), false);
    const approved = (await runtime.deps.store.listAudit({ triggerId: held })).find(
      (r) => r.type === 'plan.approved',
    );
    assert.equal(approved?.data.operator, 'rui');
    assert.equal(approved?.data.reason, 'confirmed leak, INC-42');

    const other = await oauth.mint();
    await ops.importInventory(
      [0, 1, 2].map((i) => ({
        id: `other-${i}`,
        provider: 'oauth-main',
        kind: 'oauth.access_token',
        secret: other,
      })),
      'test',
    );
    const denied = (await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: other } }]))
      .accepted[0]!.id;
    await runtime.idle();
    const [p2] = await runtime.deps.store.listPlans({ triggerId: denied });
    const calls1 = oauth.revocationCalls();
    assert.equal(
      (await call(responder, 'POST', `/v1/plans/${p2!.id}/deny`, { reason: 'false positive' })).status,
      200,
    );
    await runtime.idle();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(oauth.revocationCalls(), calls1, 'denial executes nothing');
    assert.equal(await oauth.introspect(other), true);
    const tasks = await runtime.deps.store.listTasks({ triggerId: denied });
    assert.deepEqual([...new Set(tasks.map((t) => `${t.status}/${t.outcome}`))], ['skipped/denied']);
    const deniedRec = (await runtime.deps.store.listAudit({ triggerId: denied })).find(
      (r) => r.type === 'plan.denied',
    );
    assert.equal(deniedRec?.data.reason, 'false positive');
    assert.equal(
      (await call(responder, 'POST', `/v1/plans/${p2!.id}/approve`, { reason: 'again' })).status,
      409,
    );
  });

  it('dead letters list their reason and attempt history, and a retry completes them', async () => {
    const [token] = await leakBatch('dlq-owner', 1);
    oauth.failNextRevocations(2, 500);
    const id = (await localOps(runtime.deps).ingest([{ kind: 'leak', source: 'test', subject: { token } }]))
      .accepted[0]!.id;
    await waitFor(
      'dead letter',
      () => runtime.deps.store.listTasks({ triggerId: id }),
      (ts) => ts[0]?.status === 'dead_lettered',
      20_000,
    );
    const list = await call(analyst, 'GET', '/v1/dlq');
    const item = list.body.deadLetters.find((d: { task: { triggerId: string } }) => d.task.triggerId === id);
    assert.equal(item.task.lastError.code, 'PROVIDER_UNAVAILABLE');
    assert.deepEqual(
      item.history.map((h: { type: string }) => h.type),
      ['task.attempt', 'task.retry_scheduled', 'task.attempt', 'task.dead_lettered'],
    );
    const retried = await call(responder, 'POST', '/v1/dlq/retry', { ids: [item.task.id] });
    assert.deepEqual(retried.body.retried, [item.task.id]);
    await waitFor(
      'retried task',
      () => runtime.deps.store.listTasks({ triggerId: id }),
      (ts) => ts[0]?.status === 'succeeded',
      20_000,
    );
    assert.equal(await oauth.introspect(token!), false, 'the sealed value survived the dead letter');
    const rec = (await runtime.deps.store.listAudit({ triggerId: id })).find((r) => r.type === 'dlq.retried');
    assert.equal(rec?.actor, 'rui');
  });

  it('replay: a dry run prints a diff; a live replay of completed triggers calls nothing; --force calls again', async () => {
    const since = new Date().toISOString();
    const tokens = await leakBatch('replay-owner', 2);
    const ops = localOps(runtime.deps);
    for (const token of tokens) await ops.ingest([{ kind: 'leak', source: 'test', subject: { token } }]);
    await runtime.idle();
    const triggers = await runtime.deps.store.listTriggers({ since });
    await waitFor(
      'done',
      () => Promise.all(triggers.map((t) => runtime.deps.store.listTasks({ triggerId: t.id }))),
      (all) => all.flat().every((t) => t.status === 'succeeded'),
    );
    const until = new Date(Date.now() + 1000).toISOString();

    const dry = await call(analyst, 'POST', '/v1/replays', {
      from: since,
      to: until,
      dryRun: true,
      reason: 'review',
    });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.triggers.length, 2);
    for (const t of dry.body.triggers) {
      assert.deepEqual(
        t.diff.map((d: { change: string; then?: string }) => [d.change, d.then]),
        [['=', 'succeeded (revoked)']],
      );
    }
    const before = oauth.revocationCalls();
    const live = await call(responder, 'POST', '/v1/replays', {
      from: since,
      to: until,
      dryRun: false,
      reason: 'idempotency check',
    });
    assert.equal(live.status, 200);
    await runtime.idle();
    assert.equal(oauth.revocationCalls(), before, 'live replay of completed triggers: zero provider calls');

    // A forced replay needs the value; the store keeps none, so replay from the durable log.
    const forced = await call(responder, 'POST', '/v1/replays', {
      from: since,
      to: until,
      origin: 'log',
      dryRun: false,
      force: true,
      reason: 'provider lost state',
    });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    await waitFor(
      'forced calls',
      async () => oauth.revocationCalls() - before,
      (n) => n === 2,
      20_000,
    );
    const audit = await runtime.deps.store.listAudit({ limit: 10_000 });
    const replays = audit.filter((r) => r.type === 'replay.started');
    assert.ok(
      replays.some(
        (r) => r.actor === 'rui' && r.data.reason === 'provider lost state' && r.data.force === true,
      ),
    );
    assert.ok(replays.some((r) => r.actor === 'ana' && r.data.dryRun === true));
  });
});
