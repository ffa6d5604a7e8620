/**
 * Contract tests of the AWS Secrets Manager adapter: the real @aws-sdk client against moto
 * (test/support/moto.ts), with faults injected by an HTTP proxy in front of moto, so the SDK parses
 * real AWS error answers. Without moto the tests skip locally and fail in CI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { isTourniquetError } from '../../src/errors.js';
import { createAwsSecretsProvider } from '../../src/providers/aws-secrets.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { awsTestConnection, findMoto, startFaultProxy, type FaultProxy } from '../support/moto.js';
import { unavailable } from '../support/services.js';
import { rejected, unique } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

const PLANTED_VALUE = 'PLANTEDrotationValue0123456789abcdefghijk';
const PLANTED_KEY = 'PLANTED-aws-secret-access-key-0123456789';
const signal = new AbortController().signal;

function task(over: Partial<ProviderTask>): ProviderTask {
  return {
    taskId: unique('task'),
    credentialId: unique('cred'),
    credentialKind: 'aws.secret',
    action: 'delete',
    ...over,
  };
}

const moto = await findMoto();

if ('reason' in moto) {
  it('aws secrets provider against moto', (t) => unavailable(t, moto.reason));
} else {
  const sm = new SecretsManagerClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
  const createSecret = async (value = 'leaked-value') => {
    const out = await sm.send(new CreateSecretCommand({ Name: unique('secret'), SecretString: value }));
    assert.ok(out.ARN && out.VersionId);
    return { arn: out.ARN, versionId: out.VersionId };
  };

  providerConformance('aws secrets rotate (PutSecretValue)', async ({ logger }) => {
    const proxy = await startFaultProxy(moto.url);
    const provider = createAwsSecretsProvider(
      { type: 'aws_secrets', name: 'sm', ...awsTestConnection(proxy.url) },
      { logger, generateValue: () => PLANTED_VALUE },
    );
    return {
      provider,
      makeLiveCredential: async () => {
        const s = await createSecret();
        return task({ action: 'rotate', providerId: s.arn, labels: { leakedVersionId: s.versionId } });
      },
      injectRetriable: () => {
        proxy.failNext(
          1,
          { kind: 'error', status: 400, code: 'ThrottlingException', retryAfter: '3' },
          'PutSecretValue',
        );
        return { retryAfterMs: 3_000 };
      },
      // A hostile answer that echoes the request (with the new value) into its message.
      injectPermanent: () =>
        proxy.failNext(
          1,
          { kind: 'error', status: 400, code: 'ValidationException', echoRequest: true },
          'PutSecretValue',
        ),
      plantedSecret: PLANTED_VALUE,
      revokeCallCount: () => proxy.operations.filter((o) => o === 'PutSecretValue').length,
      close: async () => {
        await provider.close?.();
        await proxy.close();
      },
    };
  });

  providerConformance('aws secrets delete (DeleteSecret)', async ({ logger }) => {
    const proxy = await startFaultProxy(moto.url);
    const conn = awsTestConnection(proxy.url);
    const provider = createAwsSecretsProvider(
      {
        type: 'aws_secrets',
        name: 'sm',
        ...conn,
        credentials: { accessKeyId: 'AKIATESTING', secretAccessKey: PLANTED_KEY },
      },
      { logger },
    );
    return {
      provider,
      makeLiveCredential: async () => task({ action: 'delete', providerId: (await createSecret()).arn }),
      injectRetriable: () =>
        proxy.failNext(1, { kind: 'error', status: 500, code: 'InternalServiceError' }, 'DeleteSecret'),
      injectPermanent: () =>
        proxy.failNext(1, { kind: 'error', status: 400, code: 'AccessDeniedException' }, 'DeleteSecret'),
      plantedSecret: PLANTED_KEY,
      revokeCallCount: () => proxy.operations.filter((o) => o === 'DeleteSecret').length,
      close: async () => {
        await provider.close?.();
        await proxy.close();
      },
    };
  });

  describe('aws secrets provider: behaviour against moto', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(moto.url);
    });
    after(async () => {
      await proxy.close();
      sm.destroy();
    });
    const make = (over: Record<string, unknown> = {}) =>
      createAwsSecretsProvider({ type: 'aws_secrets', name: 'sm', ...awsTestConnection(proxy.url), ...over });

    it('declares capabilities; a forced delete is not reversible', () => {
      const p = make();
      assert.equal(p.type, 'aws');
      assert.deepEqual(p.capabilities.actions['aws.secret'], ['rotate', 'disable', 'delete']);
      assert.deepEqual(p.capabilities.reversible, ['disable', 'delete']);
      assert.deepEqual(make({ forceDelete: true }).capabilities.reversible, ['disable']);
      assert.equal(p.needsSecret({ action: 'rotate', credentialKind: 'aws.secret' }), false);
    });

    it('rotate writes a fresh 32-byte base64url value once, even when the task is redelivered', async () => {
      const p = make();
      const s = await createSecret('leaked-value');
      const t = task({ action: 'rotate', providerId: s.arn });
      const first = await p.execute(t, signal);
      assert.equal(first.outcome, 'revoked');
      assert.equal(first.details?.previousVersionId, s.versionId);
      assert.equal(first.details?.httpStatus, 200);
      assert.ok(first.details?.requestId);
      const current = await sm.send(
        new GetSecretValueCommand({ SecretId: s.arn, VersionStage: 'AWSCURRENT' }),
      );
      assert.match(current.SecretString ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.equal(current.VersionId, first.details?.versionId);
      assert.ok(
        !JSON.stringify(first).includes(current.SecretString ?? '<none>'),
        'the new value is not returned',
      );
      const again = await p.execute(t, signal);
      assert.equal(again.outcome, 'already_revoked');
      const d = await sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
      assert.equal(Object.keys(d.VersionIdsToStages ?? {}).length, 2, 'one new version, not two');
      assert.deepEqual(d.VersionIdsToStages?.[s.versionId], ['AWSPREVIOUS']);
    });

    it('rotate verifies dead once its own version is current; another task without the leaked version id cannot tell', async () => {
      const p = make();
      const s = await createSecret();
      const t = task({ action: 'rotate', providerId: s.arn });
      assert.equal(
        (await p.verify(t, signal)).liveness,
        'unknown',
        'before: nothing says which value leaked',
      );
      await p.execute(t, signal);
      assert.equal(
        (await p.verify(t, signal)).liveness,
        'dead',
        'the value before this version is not current',
      );
      assert.equal((await p.verify({ ...t, taskId: unique('task') }, signal)).liveness, 'unknown');
      const labelled = { ...t, labels: { leakedVersionId: s.versionId } };
      assert.equal((await p.verify(labelled, signal)).liveness, 'dead');
      // A different task for the same leak finds the leaked version already moved off AWSCURRENT.
      assert.equal(
        (await p.execute({ ...labelled, taskId: unique('task') }, signal)).outcome,
        'already_revoked',
      );
    });

    it('rotate of a missing secret is a permanent error; of a deleted secret, already revoked', async () => {
      const p = make();
      const missing = await rejected(
        p.execute(task({ action: 'rotate', providerId: unique('missing') }), signal),
      );
      assert.equal(missing.code, 'PROVIDER_REJECTED');
      assert.equal(missing.retriable, false);
      const s = await createSecret();
      await sm.send(new DeleteSecretCommand({ SecretId: s.arn, RecoveryWindowInDays: 7 }));
      assert.equal(
        (await p.execute(task({ action: 'rotate', providerId: s.arn }), signal)).outcome,
        'already_revoked',
      );
    });

    it('disable tags the secret; verify says unknown unless the tag is enforced', async () => {
      const s = await createSecret();
      const t = task({ action: 'disable', providerId: s.arn });
      const p = make();
      assert.equal((await p.verify(t, signal)).liveness, 'alive');
      assert.equal((await p.execute(t, signal)).outcome, 'revoked');
      const d = await sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
      const tag = d.Tags?.find((x) => x.Key === 'tourniquet:quarantined');
      assert.ok(tag?.Value && !Number.isNaN(Date.parse(tag.Value)));
      assert.equal((await p.verify(t, signal)).liveness, 'unknown');
      assert.equal((await make({ quarantineEnforced: true }).verify(t, signal)).liveness, 'dead');
      assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
    });

    it('delete schedules deletion with the configured recovery window', async () => {
      const s = await createSecret();
      const res = await make({ recoveryWindowDays: 30 }).execute(task({ providerId: s.arn }), signal);
      assert.equal(res.outcome, 'revoked');
      const days = (Date.parse(String(res.details?.deletionDate)) - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30, `deletion in ${days} days`);
    });

    it('forced delete: gone at once, verify dead, again already revoked', async () => {
      const p = make({ forceDelete: true });
      const t = task({ providerId: (await createSecret()).arn });
      assert.equal((await p.execute(t, signal)).outcome, 'revoked');
      await assert.rejects(sm.send(new DescribeSecretCommand({ SecretId: t.providerId })), {
        name: 'ResourceNotFoundException',
      });
      assert.equal((await p.verify(t, signal)).liveness, 'dead');
      assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
    });

    it('delete of a missing secret is already revoked', async () => {
      const t = task({ providerId: unique('never') });
      assert.equal((await make().execute(t, signal)).outcome, 'already_revoked');
      assert.equal((await make().verify(t, signal)).liveness, 'dead');
    });

    it('InvalidRequestException "scheduled for deletion" on DeleteSecret is already revoked; other causes are not', async () => {
      const p = make();
      proxy.failNext(
        1,
        {
          kind: 'error',
          status: 400,
          code: 'InvalidRequestException',
          message: 'The secret is scheduled for deletion.',
        },
        'DeleteSecret',
      );
      assert.equal(
        (await p.execute(task({ providerId: (await createSecret()).arn }), signal)).outcome,
        'already_revoked',
      );
      proxy.failNext(
        1,
        {
          kind: 'error',
          status: 400,
          code: 'InvalidRequestException',
          message: 'You must remove replicas first.',
        },
        'DeleteSecret',
      );
      const e = await rejected(p.execute(task({ providerId: (await createSecret()).arn }), signal));
      assert.equal(e.code, 'PROVIDER_REJECTED');
      assert.equal(e.retriable, false);
    });

    const faults: [string, Parameters<FaultProxy['failNext']>[1], string, boolean][] = [
      [
        'ThrottlingException',
        { kind: 'error', status: 400, code: 'ThrottlingException' },
        'PROVIDER_RATE_LIMITED',
        true,
      ],
      [
        'TooManyRequestsException',
        { kind: 'error', status: 429, code: 'TooManyRequestsException' },
        'PROVIDER_RATE_LIMITED',
        true,
      ],
      [
        'InternalServiceError 500',
        { kind: 'error', status: 500, code: 'InternalServiceError' },
        'PROVIDER_UNAVAILABLE',
        true,
      ],
      [
        '503 ServiceUnavailable',
        { kind: 'error', status: 503, code: 'ServiceUnavailable' },
        'PROVIDER_UNAVAILABLE',
        true,
      ],
      [
        'LimitExceededException (quota)',
        { kind: 'error', status: 400, code: 'LimitExceededException' },
        'PROVIDER_REJECTED',
        false,
      ],
      [
        'AccessDeniedException',
        { kind: 'error', status: 400, code: 'AccessDeniedException' },
        'PROVIDER_FORBIDDEN',
        false,
      ],
      [
        'UnrecognizedClientException',
        { kind: 'error', status: 400, code: 'UnrecognizedClientException' },
        'PROVIDER_AUTH_FAILED',
        false,
      ],
      ['a reset connection', { kind: 'reset' }, 'PROVIDER_NETWORK', true],
    ];
    for (const [label, fault, code, retriable] of faults) {
      it(`classifies ${label} as ${code} (${retriable ? 'retriable' : 'permanent'}), with one request and no SDK retry`, async () => {
        const t = task({ providerId: (await createSecret()).arn });
        const before = proxy.operations.filter((o) => o === 'DeleteSecret').length;
        proxy.failNext(1, fault, 'DeleteSecret');
        const e = await rejected(make().execute(t, signal));
        assert.equal(e.code, code);
        assert.equal(e.retriable, retriable);
        assert.equal(proxy.operations.filter((o) => o === 'DeleteSecret').length, before + 1);
      });
    }

    it('a silent server is a retriable timeout after timeoutMs', async () => {
      const t = task({ providerId: (await createSecret()).arn });
      proxy.failNext(1, { kind: 'hang' }, 'DeleteSecret');
      const started = Date.now();
      const e = await rejected(make({ timeoutMs: 300 }).execute(t, signal));
      assert.equal(e.code, 'PROVIDER_TIMEOUT');
      assert.equal(e.retriable, true);
      assert.ok(Date.now() - started < 5_000);
    });

    it('rejects unsupported actions and kinds, and tasks without a secret id', async () => {
      const p = make();
      const e1 = await rejected(p.execute(task({ action: 'revoke', providerId: 'x' }), signal));
      assert.equal(e1.code, 'PROVIDER_UNSUPPORTED');
      assert.equal(e1.retriable, false);
      const e2 = await rejected(
        p.execute(task({ credentialKind: 'aws.access_key', providerId: 'x' }), signal),
      );
      assert.equal(e2.code, 'PROVIDER_UNSUPPORTED');
      const e3 = await rejected(p.execute(task({}), signal));
      assert.equal(e3.code, 'INVALID_INPUT');
    });

    it('refuses invalid configuration', () => {
      assert.throws(
        () => make({ recoveryWindowDays: 3 }),
        (e: unknown) => isTourniquetError(e) && e.code === 'INVALID_CONFIG',
      );
    });
  });
}
