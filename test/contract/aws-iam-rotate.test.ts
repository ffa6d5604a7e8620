/**
 * IAM access-key rotation into a Secrets Manager destination, both real SDK clients against moto.
 * State is read back from moto: the destination's current value names the new key, which works
 * (exists, Active); the old key is untouched until the plan's follow-ups deactivate it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createAwsIamProvider } from '../../src/providers/aws-iam.js';
import { rotationTag } from '../../src/providers/aws-iam-rotate.js';
import { createAwsSecretsProvider } from '../../src/providers/aws-secrets.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { awsTestConnection, findMoto, startFaultProxy } from '../support/moto.js';
import { unavailable } from '../support/services.js';
import { unique } from '../support/asserts.js';

const moto = await findMoto();

if ('reason' in moto) {
  it('aws iam key rotation against moto', (t) => unavailable(t, moto.reason));
} else {
  const conn = awsTestConnection(moto.url);
  const iam = new IAMClient({ ...conn, maxAttempts: 1 });
  const sm = new SecretsManagerClient({ ...conn, maxAttempts: 1 });
  const iamProvider = createAwsIamProvider({ type: 'aws_iam', name: 'aws-iam', ...conn, propagationMs: 0 });
  const smProvider = createAwsSecretsProvider({
    type: 'aws_secrets',
    name: 'aws-sm',
    ...conn,
    propagationMs: 0,
  });
  const signal = () => AbortSignal.timeout(30_000);

  const world = async () => {
    const userName = unique('ci-bot');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const old = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    const secret = await sm.send(
      new CreateSecretCommand({
        Name: unique('ci-key'),
        SecretString: JSON.stringify({ accessKeyId: old.AccessKeyId }),
      }),
    );
    const taskId = unique('rotate')
      .replace(/[^a-z0-9]/gi, '')
      .padEnd(32, '0')
      .slice(0, 32);
    const task: ProviderTask = {
      taskId,
      action: 'rotate',
      credentialKind: 'aws.access_key',
      credentialId: 'ci-key',
      providerId: old.AccessKeyId!,
      rotateTo: smProvider.destination!(secret.ARN!, taskId),
    };
    const current = async () =>
      JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: secret.ARN!, VersionStage: 'AWSCURRENT' })))
          .SecretString ?? '{}',
      ) as { accessKeyId?: string; secretAccessKey?: string };
    const keys = async () =>
      (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    return { userName, oldKey: old.AccessKeyId!, task, current, keys };
  };

  it('rotates: a new key in the destination, the old one still active until its follow-ups', async () => {
    const w = await world();
    assert.equal((await iamProvider.verify(w.task, signal())).liveness, 'alive', 'not rotated yet');
    const r = await iamProvider.execute(w.task, signal());
    assert.equal(r.outcome, 'revoked');
    const dest = await w.current();
    assert.ok(dest.accessKeyId && dest.accessKeyId !== w.oldKey, 'the destination holds a new key');
    assert.equal(r.newProviderId, dest.accessKeyId);
    assert.ok((dest.secretAccessKey ?? '').length >= 20, 'with its secret');
    const keys = await w.keys();
    assert.deepEqual(
      keys.map((k) => [k.AccessKeyId, k.Status]).sort(),
      [
        [w.oldKey, 'Active'],
        [dest.accessKeyId, 'Active'],
      ].sort(),
    );
    assert.equal(
      (await iamProvider.verify(w.task, signal())).liveness,
      'dead',
      'the old key is no longer current',
    );
    assert.ok(!JSON.stringify(r).includes(dest.secretAccessKey!), 'the new secret is in no result');
    // Again (a redelivery): nothing new is created.
    const again = await iamProvider.execute(w.task, signal());
    assert.equal(again.outcome, 'already_revoked');
    assert.equal((await w.keys()).length, 2);
  });

  it('an interrupted rotation (key created, value never written) deletes its orphan and starts over', async () => {
    const w = await world();
    const orphan = (await iam.send(new CreateAccessKeyCommand({ UserName: w.userName }))).AccessKey!
      .AccessKeyId!;
    await iam.send(
      new TagUserCommand({
        UserName: w.userName,
        Tags: [{ Key: rotationTag(w.task.taskId), Value: orphan }],
      }),
    );
    await iamProvider.execute(w.task, signal());
    const ids = (await w.keys()).map((k) => k.AccessKeyId);
    assert.ok(!ids.includes(orphan), 'the orphan is gone');
    assert.equal(ids.length, 2);
    assert.ok(ids.includes((await w.current()).accessKeyId));
  });

  it('a user that already has two keys of its own is refused, and nothing is deleted', async () => {
    const w = await world();
    const other = (await iam.send(new CreateAccessKeyCommand({ UserName: w.userName }))).AccessKey!
      .AccessKeyId!;
    await assert.rejects(
      iamProvider.execute(w.task, signal()),
      (e: { code?: string; retriable?: boolean }) => {
        assert.ok(e.code?.startsWith('PROVIDER_'), `a provider error, got ${e.code}`);
        assert.equal(e.retriable, false, 'the two-key limit is not a rate limit');
        return true;
      },
    );
    assert.deepEqual((await w.keys()).map((k) => k.AccessKeyId).sort(), [w.oldKey, other].sort());
  });

  it('a new key that could not be tagged as ours is deleted again, and the rotation can be retried', async () => {
    const w = await world();
    const proxy = await startFaultProxy(moto.url);
    const viaProxy = createAwsIamProvider({
      type: 'aws_iam',
      name: 'aws-iam',
      ...awsTestConnection(proxy.url),
      propagationMs: 0,
    });
    proxy.failNext(1, { kind: 'error', status: 500, code: 'ServiceFailure' }, 'TagUser');
    await assert.rejects(viaProxy.execute(w.task, signal()));
    assert.deepEqual(
      (await w.keys()).map((k) => k.AccessKeyId),
      [w.oldKey],
      'no untagged orphan left',
    );
    assert.equal((await viaProxy.execute(w.task, signal())).outcome, 'revoked');
    assert.equal((await w.keys()).length, 2);
    await viaProxy.close?.();
    await proxy.close();
  });
}
