/**
 * Drift at moto: an IAM key revoked by a leak, re-activated behind tourniquet's back, is found alive
 * by the next check, audited, counted, marked active, and deactivated again by the trigger the check
 * raises; a check that finds it dead raises nothing. Counted at moto, not from our bookkeeping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { awsTestConnection, findMoto } from '../support/moto.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { unavailable } from '../support/services.js';

const moto = await findMoto();

if ('reason' in moto) {
  it('drift', (t) => unavailable(t, moto.reason));
} else {
  describe('drift checks', () => {
    const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    const user = `drift-${Date.now()}`;
    let keyId = '';
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    const ops = () => localOps(runtime.deps);
    const status = async () =>
      (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata?.find(
        (k) => k.AccessKeyId === keyId,
      )?.Status;

    before(async () => {
      await iam.send(new CreateUserCommand({ UserName: user }));
      keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
      dir = await tempDir();
      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          providers: [{ type: 'aws_iam', name: 'aws-iam', ...awsTestConnection(moto.url), propagationMs: 0 }],
          // Checked on demand here; the service's own schedule is the same function.
          drift: { intervalMs: 0 },
        }),
        { logger: captureLogger().logger },
      );
      await runtime.startWorkers();
      // Deactivated earlier (a rotation's follow-up, an operator): recorded disabled.
      await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: keyId, Status: 'Inactive' }));
      await ops().importInventory(
        [
          {
            id: 'ci-key',
            provider: 'aws-iam',
            kind: 'aws.access_key',
            providerId: keyId,
            owner: 'ann@example.com',
            status: 'disabled',
          },
        ],
        'test',
      );
    });
    after(async () => {
      await runtime?.stop();
      await dir?.remove();
      iam.destroy();
    });

    it('a revoked key that is still dead raises nothing', async () => {
      assert.equal(await status(), 'Inactive');
      const [cred] = await runtime.deps.store.findCredentials({ ids: ['ci-key'] });
      assert.notEqual(cred?.status, 'active');
      const checks = await ops().checkDrift('test');
      assert.deepEqual(
        checks.map((c) => [c.credentialId, c.outcome]),
        [['ci-key', 'dead']],
      );
      const drift = (await runtime.deps.store.listAudit({ credentialId: 'ci-key' })).filter(
        (r) => r.type === 'credential.drift',
      );
      assert.equal(drift.length, 0);
    });

    it('re-activated at moto: found alive, audited, counted, and deactivated again', async () => {
      await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: keyId, Status: 'Active' }));
      const [check] = await ops().checkDrift('test');
      assert.equal(check?.outcome, 'alive_again');
      assert.ok(check?.triggerId, 'a trigger was raised');
      await runtime.idle();
      assert.notEqual(await status(), 'Active', 'killed again at moto (deleted or deactivated)');

      const records = await runtime.deps.store.listAudit({ credentialId: 'ci-key' });
      const drift = records.filter((r) => r.type === 'credential.drift');
      assert.equal(drift.length, 1);
      assert.equal(drift[0]?.data.liveness, 'alive');
      const tasks = await ops().listTasks({ triggerId: check.triggerId });
      assert.equal(tasks[0]?.status, 'succeeded');
      const metrics = await runtime.metrics.metrics();
      assert.match(metrics, /tourniquet_credential_drift_total\{provider="aws-iam"\} 1/);

      const [later] = await ops().checkDrift('test');
      assert.notEqual(later?.outcome, 'alive_again', 'the next check raises nothing');
      assert.equal(later?.triggerId, undefined);
    });

    it('an active key whose owner left is re-verified: alive is reported once, dead corrects the inventory', async () => {
      const kept = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
      await ops().importInventory(
        [
          {
            id: 'kept-key',
            provider: 'aws-iam',
            kind: 'aws.access_key',
            providerId: kept,
            owner: 'ann@example.com',
          },
        ],
        'test',
      );
      // What an offboarding that could not kill it leaves: active, flagged (src/pipeline/triggers.ts).
      await runtime.deps.store.updateCredential('kept-key', { addFlags: ['owner_left'] });
      // A round the provider's budget refuses checks nothing ('deferred'): the next round does.
      const outcome = async () => {
        for (;;) {
          const o = (await ops().checkDrift('test')).find((c) => c.credentialId === 'kept-key')?.outcome;
          if (o !== 'deferred') return o;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const audited = async (type: string) =>
        (await runtime.deps.store.listAudit({ credentialId: 'kept-key' })).filter((r) => r.type === type)
          .length;

      assert.equal(await outcome(), 'owner_left_alive');
      assert.equal(await outcome(), 'owner_left_alive');
      assert.equal(
        await audited('credential.owner_left_alive'),
        1,
        'a finding is audited once, not every round',
      );

      // Revoked by hand at the provider: the inventory is corrected, and then watched for drift.
      await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: kept, Status: 'Inactive' }));
      assert.equal(await outcome(), 'dead');
      const [cred] = await runtime.deps.store.findCredentials({ ids: ['kept-key'] });
      assert.equal(cred?.status, 'revoked');
      assert.equal(await audited('credential.observed_dead'), 1);
      assert.equal(await outcome(), 'dead');
      assert.equal(await audited('credential.drift'), 0);
    });
  });
}
