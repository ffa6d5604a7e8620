/**
 * A leaver's IAM user (credential kind `aws.iam_user`, providerId = the user name, usually her
 * `identities` entry at this instance): every access key deactivated then deleted, the console
 * password (login profile) deleted, and an inline Deny on sessions issued before now, because STS
 * credentials minted earlier outlive her keys. The user itself is kept: its history (CloudTrail,
 * ownership of resources) is evidence, and deleting it is a decision for a person.
 *
 * Idempotent step by step: a key already gone, a login profile already deleted, a policy already
 * present are skipped, so a re-attempt finishes what an interrupted one started.
 */
import {
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AwsIamProviderConfig } from '../../schemas/providers/aws.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { attempt, isAwsNotFound, toProviderError, type Details } from './aws-errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';

export const AWS_IAM_USER_KIND = 'aws.iam_user';

export function iamUserActions(
  client: IAMClient,
  cfg: AwsIamProviderConfig,
  /** The adapter's own deny-older-sessions policy calls (aws-iam.ts), shared with its key actions. */
  sessions: {
    has(user: string, signal: AbortSignal): Promise<boolean>;
    put(user: string, signal: AbortSignal, context: Details): Promise<Details>;
  },
  log?: Logger,
) {
  const call = async <T>(op: string, signal: AbortSignal, fn: (s: AbortSignal) => Promise<unknown>) => {
    const r = await attempt(signal, cfg.timeoutMs, fn);
    if (r.ok) return { found: true as const, value: r.value as T };
    if (isAwsNotFound(r.error)) return { found: false as const };
    throw toProviderError(r.error, { op, timedOut: r.timedOut });
  };

  async function keys(user: string, signal: AbortSignal): Promise<AccessKeyMetadata[] | null> {
    const out: AccessKeyMetadata[] = [];
    let marker: string | undefined;
    do {
      const r = await call<{
        AccessKeyMetadata?: AccessKeyMetadata[];
        IsTruncated?: boolean;
        Marker?: string;
      }>('ListAccessKeys', signal, (s) =>
        client.send(new ListAccessKeysCommand({ UserName: user, ...(marker ? { Marker: marker } : {}) }), {
          abortSignal: s,
        }),
      );
      if (!r.found) return null;
      out.push(...(r.value.AccessKeyMetadata ?? []));
      marker = r.value.IsTruncated ? r.value.Marker : undefined;
    } while (marker);
    return out;
  }

  const hasLogin = async (user: string, signal: AbortSignal) =>
    (
      await call('GetLoginProfile', signal, (s) =>
        client.send(new GetLoginProfileCommand({ UserName: user }), { abortSignal: s }),
      )
    ).found;

  async function execute(task: ProviderTask, signal: AbortSignal): Promise<ExecuteResult> {
    const user = userName(task);
    const found = await keys(user, signal);
    if (found === null) return { outcome: 'already_revoked', details: { userFound: false } };
    const details: Details = { userName: user, keys: found.length };
    let changed = 0;
    for (const k of found) {
      const id = k.AccessKeyId ?? '';
      // Deactivate first: if the delete fails, the key is already useless.
      if (k.Status !== 'Inactive') {
        await call('UpdateAccessKey', signal, (s) =>
          client.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: 'Inactive' }), {
            abortSignal: s,
          }),
        );
      }
      const del = await call('DeleteAccessKey', signal, (s) =>
        client.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: id }), { abortSignal: s }),
      );
      if (del.found) changed++;
    }
    const login = await call('DeleteLoginProfile', signal, (s) =>
      client.send(new DeleteLoginProfileCommand({ UserName: user }), { abortSignal: s }),
    );
    if (login.found) changed++;
    details.loginProfile = login.found ? 'deleted' : 'absent';
    if (cfg.revokeSessions && !(await sessions.has(user, signal))) {
      Object.assign(details, await sessions.put(user, signal, { userClosed: true }));
      if (details.sessionPolicy === 'applied') changed++;
    }
    log?.info({ userName: user, taskId: task.taskId, changed, ...details }, 'iam user closed');
    return { outcome: changed > 0 ? 'revoked' : 'already_revoked', details };
  }

  async function verify(task: ProviderTask, signal: AbortSignal): Promise<VerifyResult> {
    const user = userName(task);
    const found = await keys(user, signal);
    if (found === null) return { liveness: 'dead', details: { userFound: false } };
    const live = found.filter((k) => k.Status !== 'Inactive').length;
    const login = await hasLogin(user, signal);
    const details: Details = { activeKeys: live, loginProfile: login };
    if (live > 0 || login) return { liveness: 'alive', details };
    if (cfg.revokeSessions) {
      const policy = await sessions.has(user, signal);
      details.sessionPolicy = policy;
      if (!policy) return { liveness: 'unknown', details };
    }
    return { liveness: 'dead', details };
  }

  return { execute, verify };
}

function userName(task: ProviderTask): string {
  const name = task.providerId;
  if (!name || !/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw new TourniquetError('INVALID_INPUT', 'aws.iam_user task needs the IAM user name as providerId');
  }
  return name;
}
