/**
 * A leaked token of a declared family, end to end on the embedded default: intake classifies it
 * (npm_ with its checksum, dp.pt.), the plan revokes it by value at the configured family instance,
 * the generic adapter revokes it at the family's FAKE (test/fakes/http-family.ts) and verification
 * proves it dead. A recognised token whose family is not configured goes to its owner.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { FakeFamily } from '../fakes/http-family.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

describe('a leaked family token, end to end', () => {
  const fakes: Record<string, FakeFamily> = {};
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;

  before(async () => {
    for (const name of ['npm', 'doppler']) {
      fakes[name] = new FakeFamily(FAMILIES[name]!, {}, {});
      await fakes[name].start();
    }
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: Object.entries(fakes).map(([name, fake]) => ({
          type: 'http_family',
          name: `${name}-main`,
          family: name,
          baseUrls: { api: fake.baseUrl },
          propagationMs: 0,
        })),
      }),
      { logger: captureLogger().logger },
    );
    await runtime.startWorkers();
  });

  after(async () => {
    await runtime?.stop();
    for (const fake of Object.values(fakes)) await fake.close();
    await dir?.remove();
  });

  for (const name of ['npm', 'doppler']) {
    it(`${name}: revokes it by value at ${name}-main and verifies it dead`, async () => {
      const fake = fakes[name]!;
      const token = fake.mint();
      const ops = localOps(runtime.deps);
      const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: token.value } }]);
      await runtime.idle();
      assert.equal(token.alive, false, 'the fake saw the token revoked');
      const [task] = await ops.listTasks({ triggerId: res.accepted[0]!.id });
      assert.equal(task?.provider, `${name}-main`);
      assert.equal(task?.action, 'revoke_by_value');
      assert.equal(task?.status, 'succeeded');
      assert.equal(task?.outcome, 'revoked');
      assert.ok(task?.verifiedAt, 'verified dead');
    });
  }

  it('a recognised token whose family is not configured is planned for its owner, not run', async () => {
    const gitlab = new FakeFamily(FAMILIES.gitlab!, { token: 'x' }, {});
    const value = gitlab.mint().value;
    const ops = localOps(runtime.deps);
    const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: value } }]);
    await runtime.idle();
    assert.deepEqual(await ops.listTasks({ triggerId: res.accepted[0]!.id }), []);
    const needs = (await ops.listAudit({ triggerId: res.accepted[0]!.id })).find(
      (r) => r.type === 'plan.needs_owner',
    );
    assert.ok(needs, 'the owner is asked to act');
    assert.match(JSON.stringify(needs.data), /provider_not_configured/);
    assert.match(JSON.stringify(needs.data), /gitlab\.personal_access_token/);
    assert.ok(!JSON.stringify(needs.data).includes(value), 'the value is not in the audit');
  });
});
