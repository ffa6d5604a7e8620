/**
 * AWS IAM access-key adapter (credential kind `aws.access_key`, providerId = access key id AKIA…).
 *
 * - disable:        UpdateAccessKey Status=Inactive (reversible kill switch).
 * - revoke/delete:  DeleteAccessKey (irreversible; NoSuchEntity = already revoked), then an inline
 *                   Deny-all policy on the user for tokens issued before now, because deleting a key
 *                   does not end the STS sessions already minted from it (they live up to 36 h).
 *
 * The user name comes from the credential's `userName` label, or is looked up with
 * GetAccessKeyLastUsed. IAM is eventually consistent: a deleted key or a new deny policy can take
 * minutes to be enforced everywhere, which `propagationMs` (default 5 min) tells the verifier.
 */
import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
} from '@aws-sdk/client-iam';
import { AwsIamProviderConfig, type AwsIamProviderConfigInput } from '../../schemas/providers/aws.js';
import type { Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  attempt,
  awsClientConfig,
  isAwsNotFound,
  responseDetails,
  toProviderError,
  type Details,
} from './aws-errors.js';
import { GetAccessKeyInfoCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { iamKeyRotation } from './aws-iam-rotate.js';
import { AWS_IAM_USER_KIND, iamUserActions } from './aws-iam-user.js';
import type { ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { parseConfig } from '../util/parse-config.js';

export const AWS_ACCESS_KEY_KIND = 'aws.access_key';

export interface AwsIamDeps {
  logger?: Logger;
  /** Environment for `{ env: NAME }` settings (default: process.env). */
  env?: Env;
}

/** The inline policy that voids every session token the user obtained before `issuedBefore`. */
export function sessionDenyPolicy(issuedBefore: Date): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TourniquetRevokeOlderSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        // Long-term key requests carry no aws:TokenIssueTime, so other keys of the user keep working.
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore.toISOString() } },
      },
    ],
  });
}

export function createAwsIamProvider(input: AwsIamProviderConfigInput, deps: AwsIamDeps = {}): Provider {
  const cfg = parseConfig(AwsIamProviderConfig, input, 'aws_iam provider');
  const client = new IAMClient(awsClientConfig(cfg, deps.env));
  const sts = new STSClient(awsClientConfig(cfg, deps.env) as STSClientConfig);
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'aws' });

  /** The key's user: the label, else GetAccessKeyLastUsed; null when the key does not exist. */
  async function userOf(task: ProviderTask, keyId: string, signal: AbortSignal): Promise<string | null> {
    const label = task.labels?.userName;
    if (label) return label;
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }), { abortSignal: s }),
    );
    if (!r.ok) {
      if (isAwsNotFound(r.error)) return null;
      throw toProviderError(r.error, { op: 'GetAccessKeyLastUsed', timedOut: r.timedOut });
    }
    return r.value.UserName ?? null;
  }

  /** The key's metadata; `absent` when the user has no such key; `user_gone` when the user is gone. */
  async function findKey(
    userName: string,
    keyId: string,
    signal: AbortSignal,
  ): Promise<AccessKeyMetadata | 'absent' | 'user_gone'> {
    let marker: string | undefined;
    do {
      const r = await attempt(signal, cfg.timeoutMs, (s) =>
        client.send(
          new ListAccessKeysCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) }),
          {
            abortSignal: s,
          },
        ),
      );
      if (!r.ok) {
        // ListAccessKeys names one entity only: the user.
        if (isAwsNotFound(r.error)) return 'user_gone';
        throw toProviderError(r.error, { op: 'ListAccessKeys', timedOut: r.timedOut });
      }
      const hit = r.value.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId);
      if (hit) return hit;
      marker = r.value.IsTruncated ? r.value.Marker : undefined;
    } while (marker);
    return 'absent';
  }

  /** Whether the session deny policy is on the user (NoSuchEntity: no policy, or no user). */
  async function hasSessionPolicy(userName: string, signal: AbortSignal): Promise<boolean> {
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: cfg.sessionPolicyName }), {
        abortSignal: s,
      }),
    );
    if (r.ok) return true;
    if (isAwsNotFound(r.error)) return false;
    throw toProviderError(r.error, { op: 'GetUserPolicy', timedOut: r.timedOut });
  }

  async function putSessionPolicy(userName: string, signal: AbortSignal, context: Details): Promise<Details> {
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(
        new PutUserPolicyCommand({
          UserName: userName,
          PolicyName: cfg.sessionPolicyName,
          PolicyDocument: sessionDenyPolicy(new Date()),
        }),
        { abortSignal: s },
      ),
    );
    if (r.ok) return { sessionPolicy: 'applied', policyRequestId: r.value.$metadata.requestId ?? '' };
    // A deleted user's temporary credentials die with it.
    if (isAwsNotFound(r.error)) return { sessionPolicy: 'user_gone' };
    // The key is gone by now; the error says so, so that a human knows only sessions remain.
    throw toProviderError(r.error, { op: 'PutUserPolicy', timedOut: r.timedOut, details: context });
  }

  async function disable(task: ProviderTask, keyId: string, signal: AbortSignal): Promise<ExecuteResult> {
    const userName = await userOf(task, keyId, signal);
    if (userName === null) return { outcome: 'already_revoked', details: { keyFound: false } };
    const key = await findKey(userName, keyId, signal);
    if (typeof key === 'string') return { outcome: 'already_revoked', details: { keyFound: false } };
    if (key.Status === 'Inactive') return { outcome: 'already_revoked', details: { status: 'Inactive' } };
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(
        new UpdateAccessKeyCommand({ AccessKeyId: keyId, UserName: userName, Status: 'Inactive' }),
        {
          abortSignal: s,
        },
      ),
    );
    if (!r.ok) {
      if (isAwsNotFound(r.error)) return { outcome: 'already_revoked', details: { keyFound: false } };
      throw toProviderError(r.error, { op: 'UpdateAccessKey', timedOut: r.timedOut });
    }
    log?.info({ accessKeyId: keyId, userName, taskId: task.taskId }, 'access key deactivated');
    const details: Details = { ...responseDetails(r.value), userName, status: 'Inactive' };
    // A deactivated key's STS sessions live on (up to 36 h): deny the ones issued before now too.
    if (cfg.revokeSessions && !(await hasSessionPolicy(userName, signal))) {
      Object.assign(details, await putSessionPolicy(userName, signal, { keyDeactivated: true }));
    }
    return { outcome: 'revoked', details };
  }

  async function remove(task: ProviderTask, keyId: string, signal: AbortSignal): Promise<ExecuteResult> {
    const userName = await userOf(task, keyId, signal);
    // Without a user there is no key left to delete and nowhere to attach a session policy.
    if (userName === null)
      return { outcome: 'already_revoked', details: { keyFound: false, sessionPolicy: 'user_unknown' } };
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(new DeleteAccessKeyCommand({ AccessKeyId: keyId, UserName: userName }), { abortSignal: s }),
    );
    if (!r.ok && !isAwsNotFound(r.error)) {
      throw toProviderError(r.error, { op: 'DeleteAccessKey', timedOut: r.timedOut });
    }
    const deleted = r.ok;
    const details: Details = { ...(r.ok ? responseDetails(r.value) : { keyFound: false }), userName };
    if (cfg.revokeSessions) {
      // On a redelivery the key is gone already: keep an existing policy's earlier cut-off rather
      // than moving it forward (which would also void sessions minted since by the user's other keys).
      const already = deleted ? false : await hasSessionPolicy(userName, signal);
      Object.assign(
        details,
        already
          ? { sessionPolicy: 'present' }
          : await putSessionPolicy(userName, signal, { keyDeleted: true }),
      );
    }
    if (deleted) log?.info({ accessKeyId: keyId, userName, taskId: task.taskId }, 'access key deleted');
    return { outcome: deleted ? 'revoked' : 'already_revoked', details };
  }

  const users = iamUserActions(client, cfg, { has: hasSessionPolicy, put: putSessionPolicy }, log);
  const rotation = iamKeyRotation(client, cfg, userOf, log);

  return {
    name: cfg.name,
    type: 'aws',
    capabilities: {
      actions: {
        [AWS_ACCESS_KEY_KIND]: ['disable', 'revoke', 'delete', 'rotate'],
        [AWS_IAM_USER_KIND]: ['revoke'],
      },
      ...(cfg.accountId ? { accounts: [cfg.accountId] } : {}),
      // A rotated key's new value goes where the workload reads it.
      needsDestination: { [AWS_ACCESS_KEY_KIND]: ['rotate'] },
      // A leaver's IAM user name is her identity at this instance.
      acceptsIdentity: { [AWS_IAM_USER_KIND]: ['revoke'] },
      canVerify: true,
      reversible: ['disable'],
      maxBatch: 1,
      // IAM's control plane has low, account-wide request quotas; stay well under them.
      rateBudget: cfg.rateBudget ?? { perSecond: 5, burst: 10, concurrency: 2 },
      propagationMs: cfg.propagationMs,
    },
    needsSecret: () => false,

    async execute(task, signal) {
      if (task.credentialKind === AWS_IAM_USER_KIND && task.action === 'revoke')
        return users.execute(task, signal);
      const keyId = target(task);
      switch (task.action) {
        case 'rotate':
          return rotation.execute(task, signal);
        case 'disable':
          return disable(task, keyId, signal);
        case 'revoke':
        case 'delete':
          return remove(task, keyId, signal);
        default:
          throw unsupported(task);
      }
    },

    async verify(task, signal): Promise<VerifyResult> {
      if (task.credentialKind === AWS_IAM_USER_KIND && task.action === 'revoke')
        return users.verify(task, signal);
      const keyId = target(task);
      if (task.action === 'rotate') return rotation.verify(task, signal);
      if (task.action !== 'disable' && task.action !== 'revoke' && task.action !== 'delete')
        throw unsupported(task);
      const userName = await userOf(task, keyId, signal);
      if (userName === null) return { liveness: 'dead', details: { keyFound: false } };
      const key = await findKey(userName, keyId, signal);
      // Temporary credentials of a deleted user stop working with it.
      if (key === 'user_gone') return { liveness: 'dead', details: { keyFound: false, userFound: false } };
      if (key !== 'absent' && key.Status !== 'Inactive') {
        return { liveness: 'alive', details: { status: key.Status ?? '' } };
      }
      const details: Details = key === 'absent' ? { keyFound: false } : { status: 'Inactive' };
      if (task.action !== 'disable' && cfg.revokeSessions) {
        // The key is dead; sessions minted from it are only known dead while the deny policy holds.
        const policy = await hasSessionPolicy(userName, signal);
        details.sessionPolicy = policy ? 'present' : 'absent';
        if (!policy) return { liveness: 'unknown', details };
      }
      return { liveness: 'dead', details };
    },

    async accountOf(keyId, signal) {
      // GetAccessKeyInfo answers for any key id, whoever calls: the caller needs only sts:GetAccessKeyInfo.
      const r = await attempt(signal, cfg.timeoutMs, (s) =>
        sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: keyId }), { abortSignal: s }),
      );
      if (!r.ok) throw toProviderError(r.error, { op: 'GetAccessKeyInfo', timedOut: r.timedOut });
      return r.value.Account ?? null;
    },

    async close() {
      client.destroy();
      sts.destroy();
    },
  };
}

function target(task: ProviderTask): string {
  if (task.credentialKind !== AWS_ACCESS_KEY_KIND) throw unsupported(task);
  const keyId = task.providerId;
  if (!keyId)
    throw new TourniquetError('INVALID_INPUT', 'aws.access_key task has no providerId (access key id)');
  if (keyId.startsWith('ASIA')) {
    // STS temporary credentials cannot be deleted; they expire, or die with a session policy on
    // the role that minted them.
    throw new TourniquetError(
      'PROVIDER_UNSUPPORTED',
      'temporary (ASIA…) AWS keys cannot be deleted through IAM',
      {
        details: { keyPrefix: 'ASIA' },
      },
    );
  }
  return keyId;
}

function unsupported(task: ProviderTask): TourniquetError {
  return new TourniquetError(
    'PROVIDER_UNSUPPORTED',
    `aws_iam cannot ${task.action} a ${task.credentialKind} credential`,
    {
      details: { action: task.action, credentialKind: task.credentialKind },
    },
  );
}
