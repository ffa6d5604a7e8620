/**
 * The ids the CLI shows (shortened to 12 characters) work everywhere an id is taken: audit list,
 * tasks, replay and approvals accept a unique prefix; an unknown id is NOT_FOUND instead of an
 * empty answer, and a prefix of several ids is AMBIGUOUS_ID.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

describe('short ids', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let ids: string[] = [];
  // Unknown tokens: each leak is planned for its owner (no task), which is enough to find by id.
  const ops = () => localOps(runtime.deps);
  const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger });
    await runtime.startWorkers();
    const res = await ops().ingest([
      { kind: 'leak', source: 'test', subject: { token: 'tok-short-ids-1' } },
      { kind: 'leak', source: 'test', subject: { token: 'tok-short-ids-2' } },
      { id: 'leak-shared-1', kind: 'leak', source: 'test', subject: { token: 'tok-short-ids-3' } },
      { id: 'leak-shared-2', kind: 'leak', source: 'test', subject: { token: 'tok-short-ids-4' } },
    ]);
    ids = res.accepted.map((a) => a.id);
    await runtime.idle();
  });
  after(async () => {
    await runtime?.stop();
    await dir?.remove();
  });

  it('audit list, tasks and replay take the 12-character id the CLI prints', async () => {
    const [id] = ids;
    const short = id!.slice(0, 12);
    const records = await ops().listAudit({ triggerId: short });
    assert.ok(records.length > 0);
    assert.ok(records.every((r) => r.triggerId === id));
    assert.deepEqual(
      (await ops().listTasks({ triggerId: short })).map((t) => t.triggerId),
      (await ops().listTasks({ triggerId: id })).map((t) => t.triggerId),
    );
    const diff = await ops().replay({
      triggerIds: [short],
      dryRun: true,
      force: false,
      operator: 'ann',
      reason: 'short id',
    });
    assert.deepEqual(
      diff.triggers.map((t) => t.triggerId),
      [id],
    );
  });

  it('an unknown id or a prefix under 8 characters is NOT_FOUND; a prefix of several is AMBIGUOUS_ID', async () => {
    await assert.rejects(ops().listAudit({ triggerId: 'leak-nope' }), code('NOT_FOUND'));
    await assert.rejects(ops().listTasks({ triggerId: 'leak-nope' }), code('NOT_FOUND'));
    await assert.rejects(ops().listAudit({ triggerId: 'leak-shared' }), code('AMBIGUOUS_ID'));
    // Under 8 characters a prefix is no id: "leak-" must not pick one of them.
    await assert.rejects(ops().listAudit({ triggerId: 'leak-' }), code('NOT_FOUND'));
    assert.ok((await ops().listAudit({ triggerId: 'leak-shared-1' })).length > 0, 'a full id of any length');
    await assert.rejects(ops().decidePlan('nope', true, { operator: 'ann', reason: 'x' }), code('NOT_FOUND'));
  });
});
