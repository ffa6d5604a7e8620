/**
 * GitHub's /credentials/revoke takes up to 1000 tokens a call under a 60-calls-an-hour budget:
 * a burst of leaked GitHub tokens goes out in a few batched calls, and every token ends dead.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeGithub, ROUTES } from '../fakes/github.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

let github: FakeGithub;
let dir: Awaited<ReturnType<typeof tempDir>>;
let runtime: Runtime;

before(async () => {
  github = new FakeGithub();
  const baseUrl = await github.start();
  dir = await tempDir();
  runtime = await createRuntime(
    testConfig({
      dataDir: dir.path,
      providers: [
        {
          type: 'github',
          name: 'github-main',
          baseUrl,
          auth: {},
          propagationMs: 0,
          rateBudget: { perSecond: 100, burst: 100, concurrency: 16 },
        },
      ],
    }),
    { logger: captureLogger().logger },
  );
  await runtime.startWorkers();
});
after(async () => {
  await runtime.stop();
  await github.close();
  await dir.remove();
});

it('a burst of 120 leaked GitHub tokens is revoked in batched calls, each verified dead', async () => {
  const tokens = Array.from({ length: 120 }, () => github.mintToken({ prefix: 'ghp_' }));
  const res = await localOps(runtime.deps).ingest(
    tokens.map((token) => ({ kind: 'leak', source: 'scanner', subject: { token } })),
  );
  assert.equal(res.accepted.length, 120);
  const ids = res.accepted.map((a) => a.id);
  const all = async () =>
    (await Promise.all(ids.map((id) => runtime.deps.store.listTasks({ triggerId: id })))).flat();
  await waitFor(
    'all tasks succeeded',
    all,
    (ts) => ts.length === 120 && ts.every((t) => t.status === 'succeeded'),
    30_000,
  ).catch(async (e: unknown) => {
    const by: Record<string, number> = {};
    for (const t of await all())
      by[`${t.status}:${t.lastError?.code ?? ''}`] = (by[`${t.status}:${t.lastError?.code ?? ''}`] ?? 0) + 1;
    throw new Error(`tasks ${JSON.stringify(by)} calls=${github.calls(ROUTES.revoke)}`, { cause: e });
  });
  const calls = github.calls(ROUTES.revoke);
  // Batches fill as fast as tasks are claimed; on a loaded 2-core machine that is not all at once.
  assert.ok(calls >= 1 && calls <= 30, `batched: ${calls} calls for 120 tokens`);
  assert.ok(tokens.every((t) => !github.isLive(t)));
});
