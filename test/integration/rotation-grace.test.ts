/**
 * A rotated IAM key's follow-ups, through the real pipeline against moto: the old key is
 * deactivated a grace period after the rotation succeeded (not after the trigger), deleted a grace
 * period after that; a denied rotation skips its follow-ups; a rotation retried from the DLQ
 * re-arms them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Task } from '../../schemas/plan.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { unique } from '../support/asserts.js';
import { awsTestConnection, findMoto } from '../support/moto.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { unavailable } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const GRACE_MINUTES = 0.025; // 1.5 s
const moto = await findMoto();

if ('reason' in moto) {
  it('rotation grace', (t) => unavailable(t, moto.reason));
} else {
  describe('rotation follow-ups', () => {
    const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    const sm = new SecretsManagerClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    const ops = () => localOps(runtime.deps);

    before(async () => {
      dir = await tempDir();
      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          providers: [
            { type: 'aws_iam', name: 'aws-iam', ...awsTestConnection(moto.url), propagationMs: 0 },
            { type: 'aws_secrets', name: 'aws-sm', ...awsTestConnection(moto.url), propagationMs: 0 },
          ],
          policy: { grace: { graceMinutes: GRACE_MINUTES } },
          retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300 },
        }),
        { logger: captureLogger('info').logger },
      );
      await runtime.startWorkers();
    });
    after(async () => {
      await runtime?.stop();
      await dir?.remove();
      iam.destroy();
      sm.destroy();
    });

    /** A workload key created by `person`, with a destination; returns the user and the old key id. */
    const workloadKey = async (person: string, extra: Record<string, unknown> = {}) => {
      const user = unique('svc');
      await iam.send(new CreateUserCommand({ UserName: user }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
      const dest = (await sm.send(new CreateSecretCommand({ Name: unique('dest'), SecretString: '{}' })))
        .ARN!;
      const id = unique('wl-key');
      await ops().importInventory(
        [
          {
            id,
            provider: 'aws-iam',
            kind: 'aws.access_key',
            providerId: key,
            createdBy: person,
            workload: 'svc',
            rotateTo: { provider: 'aws-sm', providerId: dest },
            ...extra,
          },
        ],
        'test',
      );
      return { user, key };
    };
    const leave = async (person: string) =>
      (await ops().ingest([{ kind: 'offboarding', source: 'hr', subject: { person } }])).accepted[0]!.id;
    const finishedAt = async (t: Task) => {
      const recs = await runtime.deps.store.listAudit({ taskId: t.id });
      const rec = recs.find((r) => r.type === 'task.revoked' || r.type === 'task.already_revoked');
      return Date.parse(rec?.at ?? '');
    };
    const attemptedAt = async (t: Task) => {
      const recs = await runtime.deps.store.listAudit({ taskId: t.id });
      // The attempt that reached the provider: the last one before the outcome.
      return Date.parse(recs.filter((r) => r.type === 'task.attempt').at(-1)?.at ?? '');
    };

    it('the old key is deactivated a grace period after the rotation, and deleted a grace period later', async () => {
      const person = `${unique('p')}@example.com`;
      const w = await workloadKey(person);
      const triggerId = await leave(person);
      const tasks = await waitFor(
        'rotate, disable, delete succeeded',
        () => runtime.deps.store.listTasks({ triggerId }),
        (ts) => ts.length === 3 && ts.every((t) => t.status === 'succeeded'),
        60_000,
      );
      const by = Object.fromEntries(tasks.map((t) => [t.action, t]));
      const grace = GRACE_MINUTES * 60_000;
      assert.ok((await attemptedAt(by.disable!)) - (await finishedAt(by.rotate!)) >= grace, 'disable waited');
      assert.ok((await attemptedAt(by.delete!)) - (await finishedAt(by.disable!)) >= grace, 'delete waited');
      const keys = (await iam.send(new ListAccessKeysCommand({ UserName: w.user }))).AccessKeyMetadata ?? [];
      assert.equal(keys.length, 1);
      assert.notEqual(keys[0]?.AccessKeyId, w.key, 'only the new key is left');
    });

    it('a denied rotation skips its follow-ups: the old key stays untouched', async () => {
      const person = `${unique('p')}@example.com`;
      const w = await workloadKey(person, { protected: true });
      const triggerId = await leave(person);
      const held = await waitFor(
        'held',
        () => runtime.deps.store.listTasks({ triggerId }),
        (ts) => ts.length === 3 && ts.every((t) => t.status === 'awaiting_approval'),
        30_000,
      );
      await ops().decidePlan(held[0]!.planId, false, { operator: 'soc', reason: 'not now' });
      await runtime.idle();
      const after = await runtime.deps.store.listTasks({ triggerId });
      assert.deepEqual(
        after.map((t) => [t.status, t.outcome]),
        after.map(() => ['skipped', 'denied']),
      );
      const keys = (await iam.send(new ListAccessKeysCommand({ UserName: w.user }))).AccessKeyMetadata ?? [];
      assert.deepEqual(
        keys.map((k) => [k.AccessKeyId, k.Status]),
        [[w.key, 'Active']],
      );
    });
  });
}
