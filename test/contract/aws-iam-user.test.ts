/**
 * Contract tests of the leaver's IAM user (`aws.iam_user`): the real @aws-sdk IAM client against
 * moto, faults through the proxy. State is checked at moto, not in what the adapter says.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { createAwsIamProvider } from '../../src/providers/aws-iam.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { awsTestConnection, findMoto, startFaultProxy, type FaultProxy } from '../support/moto.js';
import { unavailable } from '../support/services.js';
import { unique } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

const PLANTED_KEY = 'PLANTED-aws-secret-access-key-user-0123456';
const moto = await findMoto();

if ('reason' in moto) {
  it('aws iam user against moto', (t) => unavailable(t, moto.reason));
} else {
  const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
  const leaver = async () => {
    const userName = unique('jane');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Initial-Passw0rd!' }));
    return userName;
  };
  const task = (userName: string): ProviderTask => ({
    taskId: unique('task'),
    credentialId: null,
    credentialKind: 'aws.iam_user',
    action: 'revoke',
    providerId: userName,
  });
  const count = (proxy: FaultProxy, op: string) => proxy.operations.filter((o) => o === op).length;

  providerConformance('aws iam user (keys, login profile, older sessions)', async ({ logger }) => {
    const proxy = await startFaultProxy(moto.url);
    const provider = createAwsIamProvider(
      {
        type: 'aws_iam',
        name: 'iam',
        ...awsTestConnection(proxy.url),
        credentials: { accessKeyId: 'AKIATESTING', secretAccessKey: PLANTED_KEY },
        propagationMs: 0,
      },
      { logger },
    );
    return {
      provider,
      makeLiveCredential: async () => task(await leaver()),
      injectRetriable: () =>
        proxy.failNext(1, { kind: 'error', status: 500, code: 'ServiceFailure' }, 'DeleteLoginProfile'),
      injectPermanent: () =>
        proxy.failNext(1, { kind: 'error', status: 403, code: 'AccessDenied' }, 'DeleteLoginProfile'),
      plantedSecret: PLANTED_KEY,
      revokeCallCount: () => count(proxy, 'DeleteLoginProfile'),
      close: async () => {
        await provider.close?.();
        await proxy.close();
      },
    };
  });

  it('aws iam user: every key, the console password and older sessions are gone at the provider', async () => {
    const provider = createAwsIamProvider({
      type: 'aws_iam',
      name: 'iam',
      ...awsTestConnection(moto.url),
      propagationMs: 0,
    });
    const user = await leaver();
    const signal = AbortSignal.timeout(30_000);
    assert.equal((await provider.verify(task(user), signal)).liveness, 'alive');
    assert.equal((await provider.execute(task(user), signal)).outcome, 'revoked');
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: user }));
    assert.deepEqual(keys.AccessKeyMetadata ?? [], []);
    await assert.rejects(iam.send(new GetLoginProfileCommand({ UserName: user })), {
      name: 'NoSuchEntityException',
    });
    const policy = await iam.send(
      new GetUserPolicyCommand({ UserName: user, PolicyName: 'TourniquetRevokeOlderSessions' }),
    );
    assert.match(decodeURIComponent(policy.PolicyDocument ?? ''), /aws:TokenIssueTime/);
    assert.equal((await provider.verify(task(user), signal)).liveness, 'dead');
    assert.equal((await provider.execute(task(user), signal)).outcome, 'already_revoked', 'idempotent');
    await provider.close?.();
  });
}
