/**
 * The walkthrough's "configure a provider, then replay": a leak recorded in shadow mode (no
 * provider configured) is revoked by a live replay once its provider is configured, without
 * `--force`, and the dry run says so first. Counted at a real OAuth server.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { FakeFamily } from '../fakes/http-family.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';

let oauth: OAuthServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let runtime: Runtime | undefined;

before(async () => {
  oauth = await startOAuthServer();
  dir = await tempDir();
});
after(async () => {
  await runtime?.stop();
  await oauth.close();
  await dir.remove();
});

it('a shadow-recorded leak is revoked by a live replay once its provider is configured', async () => {
  const log = captureLogger();
  runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: log.logger });
  await runtime.startWorkers();
  const token = await oauth.mint();
  let ops = localOps(runtime.deps);
  await ops.importInventory(
    [{ id: 'billing-token', provider: 'oauth-main', kind: 'oauth.access_token', secret: token }],
    'test',
  );
  const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token } }]);
  const triggerId = res.accepted[0]!.id;
  await runtime.idle();
  const [shadow] = await ops.listTasks({ triggerId });
  assert.equal(shadow?.outcome, 'shadow', 'recorded only: no provider configured');
  assert.equal(await oauth.introspect(token), true);
  await runtime.stop();

  runtime = await createRuntime(
    testConfig({ dataDir: dir.path, providers: [{ ...oauthProviderConfig(oauth), propagationMs: 0 }] }),
    { logger: log.logger },
  );
  await runtime.startWorkers();
  ops = localOps(runtime.deps);
  const req = { triggerIds: [triggerId], force: false, operator: 'ann', reason: 'provider configured' };
  const dry = await ops.replay({ ...req, dryRun: true });
  // Configured, the provider may kill it another way (by id rather than by value): a new task.
  const diff = dry.triggers[0]!.diff;
  assert.ok(
    diff.some((d) => d.change === '+' && d.credential === 'billing-token' && d.provider === 'oauth-main'),
    `the dry run shows it will run now: ${JSON.stringify(diff)}`,
  );
  assert.ok(
    diff.some((d) => /^recorded only \(shadow\).*still alive/.test(d.then ?? '')),
    `the shadow record is not shown as done: ${JSON.stringify(diff)}`,
  );
  assert.equal(oauth.revocationCalls(), 0, 'a dry run calls nothing');

  const sealedOf = async (id: string) => (await runtime!.deps.store.getTask(id))?.sealedSecret ?? null;
  assert.ok(await sealedOf(shadow.id), 'the shadow record keeps the sealed value a replay needs');
  const live = await ops.replay({ ...req, dryRun: false });
  assert.equal(live.triggers[0]!.newTasks, 1);
  await runtime.idle();
  assert.equal(await oauth.introspect(token), false, 'revoked at the provider');
  assert.equal(oauth.revocationCalls(), 1);
  const tasks = await ops.listTasks({ triggerId });
  assert.deepEqual(tasks.map((t) => t.outcome).sort(), ['revoked', 'shadow'], 'the shadow record stays');
  for (const t of tasks)
    assert.equal(await sealedOf(t.id), null, `${t.outcome}: no sealed value left at rest`);

  // Replayed again: the work is done, nothing is called twice.
  const again = await ops.replay({ ...req, dryRun: false });
  assert.equal(again.triggers[0]!.newTasks, 0);
  await runtime.idle();
  assert.equal(oauth.revocationCalls(), 1);
});

it('a task the provider now runs the same way is revived once: a second live replay calls nothing', async () => {
  // npm tokens die by value in shadow mode and once configured: the same task id both times, so
  // the replay revives the recorded task under an epoch of its own, which must not recur.
  const npm = new FakeFamily(FAMILIES.npm!, {}, {});
  await npm.start();
  const sub = await tempDir();
  try {
    let rt = await createRuntime(testConfig({ dataDir: sub.path }), { logger: captureLogger().logger });
    await rt.startWorkers();
    const token = npm.mint();
    let ops = localOps(rt.deps);
    await ops.importInventory(
      [{ id: 'npm-ci', provider: 'npm-main', kind: 'npm.access_token', secret: token.value }],
      'test',
    );
    const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: token.value } }]);
    const triggerId = res.accepted[0]!.id;
    await rt.idle();
    await rt.stop();

    rt = await createRuntime(
      testConfig({
        dataDir: sub.path,
        providers: [
          {
            type: 'http_family',
            name: 'npm-main',
            family: 'npm',
            baseUrls: { api: npm.baseUrl },
            propagationMs: 0,
          },
        ],
      }),
      { logger: captureLogger().logger },
    );
    await rt.startWorkers();
    ops = localOps(rt.deps);
    const req = { triggerIds: [triggerId], force: false, operator: 'ann', reason: 'npm-main configured' };
    const dry = await ops.replay({ ...req, dryRun: true });
    assert.deepEqual(
      dry.triggers[0]!.diff.map((d) => d.change),
      ['+'],
      'the recorded task runs now',
    );
    assert.equal((await ops.replay({ ...req, dryRun: false })).triggers[0]!.newTasks, 1);
    await rt.idle();
    assert.equal(token.alive, false, 'revoked at the fake');
    assert.equal((await ops.replay({ ...req, dryRun: false })).triggers[0]!.newTasks, 0, 'not revived twice');
    await rt.idle();
    const revoked = (await ops.listAudit({ triggerId })).filter((r) => r.type === 'task.revoked');
    assert.equal(revoked.length, 1, 'one revocation');
    await rt.stop();
  } finally {
    await npm.close();
    await sub.remove();
  }
});
