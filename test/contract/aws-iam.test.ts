/**
 * Contract tests of the AWS IAM access-key adapter: the real @aws-sdk IAM client (query protocol,
 * XML errors) against moto, with faults injected by an HTTP proxy in front of moto. Without moto
 * the tests skip locally and fail in CI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { createAwsIamProvider } from '../../src/providers/aws-iam.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { awsTestConnection, findMoto, startFaultProxy, type FaultProxy } from '../support/moto.js';
import { unavailable } from '../support/services.js';
import { rejected, unique } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

const PLANTED_KEY = 'PLANTED-aws-secret-access-key-iam-0123456';
const signal = new AbortController().signal;

function task(over: Partial<ProviderTask>): ProviderTask {
  return {
    taskId: unique('task'),
    credentialId: unique('cred'),
    credentialKind: 'aws.access_key',
    action: 'revoke',
    ...over,
  };
}

const moto = await findMoto();

if ('reason' in moto) {
  it('aws iam provider against moto', (t) => unavailable(t, moto.reason));
} else {
  const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
  /** A user with one active key; the secret half is planted too (the adapter never sees it). */
  const newKey = async () => {
    const userName = unique('user');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    assert.ok(out.AccessKey?.AccessKeyId);
    return { userName, keyId: out.AccessKey.AccessKeyId };
  };
  const count = (proxy: FaultProxy, op: string) => proxy.operations.filter((o) => o === op).length;
  const policyOf = async (userName: string) => {
    const out = await iam.send(
      new GetUserPolicyCommand({ UserName: userName, PolicyName: 'TourniquetRevokeOlderSessions' }),
    );
    // IAM returns the document URL-encoded.
    return JSON.parse(decodeURIComponent(out.PolicyDocument ?? '')) as {
      Statement: {
        Effect: string;
        Action: string;
        Resource: string;
        Condition: Record<string, Record<string, string>>;
      }[];
    };
  };

  providerConformance('aws iam revoke (DeleteAccessKey + session deny policy)', async ({ logger }) => {
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
      makeLiveCredential: async () => {
        const k = await newKey();
        return task({ action: 'revoke', providerId: k.keyId, labels: { userName: k.userName } });
      },
      injectRetriable: () =>
        proxy.failNext(1, { kind: 'error', status: 400, code: 'Throttling' }, 'DeleteAccessKey'),
      // IAM's quota error, which the SDK's own retry strategy would wrongly retry as throttling.
      injectPermanent: () =>
        proxy.failNext(1, { kind: 'error', status: 409, code: 'LimitExceeded' }, 'DeleteAccessKey'),
      plantedSecret: PLANTED_KEY,
      revokeCallCount: () => count(proxy, 'DeleteAccessKey'),
      close: async () => {
        await provider.close?.();
        await proxy.close();
      },
    };
  });

  providerConformance('aws iam disable (UpdateAccessKey Inactive, user looked up)', async ({ logger }) => {
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
      makeLiveCredential: async () => task({ action: 'disable', providerId: (await newKey()).keyId }),
      injectRetriable: () =>
        proxy.failNext(1, { kind: 'error', status: 500, code: 'ServiceFailure' }, 'UpdateAccessKey'),
      injectPermanent: () =>
        proxy.failNext(1, { kind: 'error', status: 403, code: 'AccessDenied' }, 'UpdateAccessKey'),
      plantedSecret: PLANTED_KEY,
      revokeCallCount: () => count(proxy, 'UpdateAccessKey'),
      close: async () => {
        await provider.close?.();
        await proxy.close();
      },
    };
  });

  describe('aws iam provider: behaviour against moto', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(moto.url);
    });
    after(async () => {
      await proxy.close();
      iam.destroy();
    });
    const make = (over: Record<string, unknown> = {}) =>
      createAwsIamProvider({ type: 'aws_iam', name: 'iam', ...awsTestConnection(proxy.url), ...over });

    it('declares capabilities with a propagation window of minutes', () => {
      const p = make();
      assert.equal(p.type, 'aws');
      assert.deepEqual(p.capabilities.actions['aws.access_key'], ['disable', 'revoke', 'delete', 'rotate']);
      assert.deepEqual(p.capabilities.reversible, ['disable']);
      assert.ok(p.capabilities.propagationMs >= 60_000);
    });

    it('revoke deletes the key and denies sessions issued before now', async () => {
      const k = await newKey();
      const t = task({ action: 'delete', providerId: k.keyId });
      const started = Date.now();
      const res = await make().execute(t, signal);
      assert.equal(res.outcome, 'revoked');
      assert.equal(res.details?.sessionPolicy, 'applied');
      assert.equal(res.details?.userName, k.userName, 'the user was looked up from the key');
      assert.ok(res.details?.requestId);
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: k.userName }));
      assert.equal(keys.AccessKeyMetadata?.length, 0);
      const [stmt] = (await policyOf(k.userName)).Statement;
      assert.equal(stmt?.Effect, 'Deny');
      assert.equal(stmt?.Action, '*');
      const cutoff = Date.parse(stmt?.Condition.DateLessThan?.['aws:TokenIssueTime'] ?? '');
      assert.ok(cutoff >= started - 1_000 && cutoff <= Date.now() + 1_000, 'cut-off is the revocation time');
      assert.equal((await make().verify(t, signal)).liveness, 'dead');
    });

    it('a redelivery keeps the first cut-off instead of moving it forward', async () => {
      const k = await newKey();
      const t = task({ providerId: k.keyId, labels: { userName: k.userName } });
      await make().execute(t, signal);
      const first = await policyOf(k.userName);
      await new Promise((r) => setTimeout(r, 20));
      const again = await make().execute(t, signal);
      assert.equal(again.outcome, 'already_revoked');
      assert.equal(again.details?.sessionPolicy, 'present');
      assert.deepEqual(await policyOf(k.userName), first);
    });

    it('a failed session policy after the key was deleted is retriable, and the redelivery applies it', async () => {
      const k = await newKey();
      const t = task({ providerId: k.keyId, labels: { userName: k.userName } });
      proxy.failNext(1, { kind: 'error', status: 500, code: 'ServiceFailure' }, 'PutUserPolicy');
      const e = await rejected(make().execute(t, signal));
      assert.equal(e.retriable, true);
      assert.equal((e.details as Record<string, unknown>).keyDeleted, true);
      assert.equal((await make().verify(t, signal)).liveness, 'unknown', 'key dead, sessions not yet');
      const retry = await make().execute(t, signal);
      assert.equal(retry.outcome, 'already_revoked');
      assert.equal(retry.details?.sessionPolicy, 'applied');
      assert.equal((await make().verify(t, signal)).liveness, 'dead');
    });

    it('verify says unknown when the session policy was removed later', async () => {
      const k = await newKey();
      const t = task({ providerId: k.keyId, labels: { userName: k.userName } });
      await make().execute(t, signal);
      await iam.send(
        new DeleteUserPolicyCommand({ UserName: k.userName, PolicyName: 'TourniquetRevokeOlderSessions' }),
      );
      assert.equal((await make().verify(t, signal)).liveness, 'unknown');
    });

    it('with revokeSessions off, only the key is deleted', async () => {
      const k = await newKey();
      const t = task({ providerId: k.keyId, labels: { userName: k.userName } });
      const p = make({ revokeSessions: false });
      assert.equal((await p.execute(t, signal)).outcome, 'revoked');
      await assert.rejects(policyOf(k.userName), { name: 'NoSuchEntityException' });
      assert.equal((await p.verify(t, signal)).liveness, 'dead');
    });

    it('disable leaves the key Inactive (reversible)', async () => {
      const k = await newKey();
      const t = task({ action: 'disable', providerId: k.keyId, labels: { userName: k.userName } });
      assert.equal((await make().execute(t, signal)).outcome, 'revoked');
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: k.userName }));
      assert.equal(keys.AccessKeyMetadata?.[0]?.Status, 'Inactive');
    });

    it('an unknown key, or a gone user, is already revoked and verifies dead', async () => {
      const unknownKey = task({ providerId: 'AKIAUNKNOWNUNKNOWN00' });
      const res = await make().execute(unknownKey, signal);
      assert.equal(res.outcome, 'already_revoked');
      assert.equal(res.details?.sessionPolicy, 'user_unknown');
      assert.equal((await make().verify(unknownKey, signal)).liveness, 'dead');
      const goneUser = task({
        action: 'disable',
        providerId: 'AKIAUNKNOWNUNKNOWN01',
        labels: { userName: unique('gone') },
      });
      assert.equal((await make().execute(goneUser, signal)).outcome, 'already_revoked');
      assert.equal((await make().verify(goneUser, signal)).liveness, 'dead');
    });

    it('temporary (ASIA…) keys are refused as unsupported', async () => {
      const e = await rejected(make().execute(task({ providerId: 'ASIAEXAMPLEEXAMPLE00' }), signal));
      assert.equal(e.code, 'PROVIDER_UNSUPPORTED');
      assert.equal(e.retriable, false);
    });

    const faults: [string, Parameters<FaultProxy['failNext']>[1], string, boolean][] = [
      ['Throttling', { kind: 'error', status: 400, code: 'Throttling' }, 'PROVIDER_RATE_LIMITED', true],
      [
        'LimitExceeded (a quota, not a rate)',
        { kind: 'error', status: 409, code: 'LimitExceeded' },
        'PROVIDER_REJECTED',
        false,
      ],
      [
        'ServiceFailure 500',
        { kind: 'error', status: 500, code: 'ServiceFailure' },
        'PROVIDER_UNAVAILABLE',
        true,
      ],
      [
        'ConcurrentModification 409',
        { kind: 'error', status: 409, code: 'ConcurrentModification' },
        'PROVIDER_UNAVAILABLE',
        true,
      ],
      ['AccessDenied 403', { kind: 'error', status: 403, code: 'AccessDenied' }, 'PROVIDER_FORBIDDEN', false],
      [
        'InvalidClientTokenId 403',
        { kind: 'error', status: 403, code: 'InvalidClientTokenId' },
        'PROVIDER_AUTH_FAILED',
        false,
      ],
      ['a reset connection', { kind: 'reset' }, 'PROVIDER_NETWORK', true],
    ];
    for (const [label, fault, code, retriable] of faults) {
      it(`classifies ${label} as ${code} (${retriable ? 'retriable' : 'permanent'}) after one request`, async () => {
        const k = await newKey();
        const t = task({ providerId: k.keyId, labels: { userName: k.userName } });
        const before = count(proxy, 'DeleteAccessKey');
        proxy.failNext(1, fault, 'DeleteAccessKey');
        const e = await rejected(make().execute(t, signal));
        assert.equal(e.code, code);
        assert.equal(e.retriable, retriable);
        assert.equal(count(proxy, 'DeleteAccessKey'), before + 1, 'the SDK did not retry');
        assert.equal((await make().verify(t, signal)).liveness, 'alive');
      });
    }

    it('NoSuchEntity from DeleteAccessKey is already revoked', async () => {
      const k = await newKey();
      proxy.failNext(1, { kind: 'error', status: 404, code: 'NoSuchEntity' }, 'DeleteAccessKey');
      const res = await make().execute(
        task({ providerId: k.keyId, labels: { userName: k.userName } }),
        signal,
      );
      assert.equal(res.outcome, 'already_revoked');
    });

    it('rejects other kinds and actions', async () => {
      const e1 = await rejected(
        make().execute(task({ action: 'revoke_by_value', providerId: 'AKIAX' }), signal),
      );
      assert.equal(e1.code, 'PROVIDER_UNSUPPORTED');
      const noDestination = await rejected(
        make().execute(task({ action: 'rotate', providerId: 'AKIAX' }), signal),
      );
      assert.equal(noDestination.code, 'PROVIDER_MISCONFIGURED');
      const e2 = await rejected(
        make().execute(task({ credentialKind: 'aws.secret', providerId: 'x' }), signal),
      );
      assert.equal(e2.code, 'PROVIDER_UNSUPPORTED');
      const e3 = await rejected(make().execute(task({}), signal));
      assert.equal(e3.code, 'INVALID_INPUT');
    });
  });
}
