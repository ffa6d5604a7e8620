/**
 * Rotation of a workload's IAM access key (`aws.access_key` `rotate`, the old key id as providerId):
 * a new key is created and written, as `{"accessKeyId","secretAccessKey"}`, to the destination the
 * inventory names (`rotateTo`: a Secrets Manager secret or a Vault KV path), so the workload keeps
 * running; the plan deactivates the old key after the policy's grace period, then deletes it.
 *
 * Crash safety: IAM returns a new key's secret only once. The new key id is recorded as a tag on the
 * user (keyed by the task) before the value is written, so a re-attempt knows which key is its own:
 * if the destination already holds this task's value, nothing is done again; if the key exists but
 * its value never reached the destination, that orphan is deleted and the rotation starts over.
 * Keys that are not this task's are never touched (IAM allows two per user: a user that already has
 * two is refused with a clear error, not "fixed").
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UntagUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AwsIamProviderConfig } from '../../schemas/providers/aws.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { attempt, isAwsNotFound, toProviderError } from './aws-errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';

/** The user tag that remembers which new key a rotation task created. */
export function rotationTag(taskId: string): string {
  return `tourniquet-rotation-${taskId.slice(0, 24)}`;
}

export function iamKeyRotation(
  client: IAMClient,
  cfg: AwsIamProviderConfig,
  userOf: (task: ProviderTask, keyId: string, signal: AbortSignal) => Promise<string | null>,
  log?: Logger,
) {
  async function run<T>(
    op: string,
    signal: AbortSignal,
    fn: (s: AbortSignal) => Promise<T>,
    redact: string[] = [],
  ) {
    const r = await attempt(signal, cfg.timeoutMs, fn);
    if (!r.ok) {
      if (isAwsNotFound(r.error)) return null;
      throw toProviderError(r.error, { op, timedOut: r.timedOut, redact });
    }
    return r.value;
  }

  async function state(task: ProviderTask, signal: AbortSignal) {
    const oldKey = task.providerId ?? '';
    const user = await userOf(task, oldKey, signal);
    if (user === null) {
      throw new TourniquetError('PROVIDER_REJECTED', 'the access key to rotate does not exist at IAM', {
        details: { accessKeyId: oldKey },
      });
    }
    const tags = await run('ListUserTags', signal, (s) =>
      client.send(new ListUserTagsCommand({ UserName: user }), { abortSignal: s }),
    );
    const ours = tags?.Tags?.find((t) => t.Key === rotationTag(task.taskId))?.Value;
    const keys = await run('ListAccessKeys', signal, (s) =>
      client.send(new ListAccessKeysCommand({ UserName: user }), { abortSignal: s }),
    );
    const ids = (keys?.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '');
    // Tags of earlier rotations whose key is gone say nothing any more; a user holds at most 50 tags.
    const stale = (tags?.Tags ?? [])
      .filter((t) => t.Key?.startsWith('tourniquet-rotation-') && t.Key !== rotationTag(task.taskId))
      .filter((t) => !ids.includes(t.Value ?? ''))
      .map((t) => t.Key!);
    if (stale.length > 0) {
      await run('UntagUser', signal, (s) =>
        client.send(new UntagUserCommand({ UserName: user, TagKeys: stale }), { abortSignal: s }),
      );
    }
    return { oldKey, user, ours: ours !== undefined && ids.includes(ours) ? ours : undefined, ids };
  }

  async function execute(task: ProviderTask, signal: AbortSignal): Promise<ExecuteResult> {
    const dest = task.rotateTo;
    if (!dest) {
      throw new TourniquetError('PROVIDER_MISCONFIGURED', 'an IAM key rotation needs a rotateTo destination');
    }
    const s0 = await state(task, signal);
    if (s0.ours && (await dest.written(signal))) {
      return {
        outcome: 'already_revoked',
        newProviderId: s0.ours,
        details: { newAccessKeyId: s0.ours, rotated: 'earlier attempt' },
      };
    }
    if (s0.ours) {
      // Created by an interrupted attempt whose value never reached the destination: unusable.
      await run('DeleteAccessKey', signal, (s) =>
        client.send(new DeleteAccessKeyCommand({ UserName: s0.user, AccessKeyId: s0.ours }), {
          abortSignal: s,
        }),
      );
    }
    const created = await run('CreateAccessKey', signal, (s) =>
      client.send(new CreateAccessKeyCommand({ UserName: s0.user }), { abortSignal: s }),
    );
    const key = created?.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) {
      throw new TourniquetError('PROVIDER_REJECTED', 'IAM created no access key', { retriable: true });
    }
    const secret = key.SecretAccessKey;
    try {
      await run('TagUser', signal, (s) =>
        client.send(
          new TagUserCommand({
            UserName: s0.user,
            Tags: [{ Key: rotationTag(task.taskId), Value: key.AccessKeyId }],
          }),
          { abortSignal: s },
        ),
      );
    } catch (e) {
      // Untagged, the new key could not be recognised as ours on a re-attempt: it must not stay.
      await run('DeleteAccessKey', signal, (s) =>
        client.send(new DeleteAccessKeyCommand({ UserName: s0.user, AccessKeyId: key.AccessKeyId }), {
          abortSignal: s,
        }),
      ).catch((cleanup: unknown) =>
        log?.warn(
          { userName: s0.user, accessKeyId: key.AccessKeyId, code: (cleanup as { code?: string }).code },
          'could not delete an untagged new key: delete it by hand',
        ),
      );
      throw e;
    }
    try {
      await dest.write(JSON.stringify({ accessKeyId: key.AccessKeyId, secretAccessKey: secret }), signal);
    } catch (e) {
      // The message must never carry the new secret, whatever the destination put in it.
      if (e instanceof TourniquetError && e.message.includes(secret)) {
        throw new TourniquetError(e.code, 'writing the rotated key to its destination failed', {
          retriable: e.retriable,
        });
      }
      throw e;
    }
    log?.info(
      { userName: s0.user, oldAccessKeyId: s0.oldKey, newAccessKeyId: key.AccessKeyId, taskId: task.taskId },
      'access key rotated',
    );
    return {
      outcome: 'revoked',
      newProviderId: key.AccessKeyId,
      details: {
        userName: s0.user,
        newAccessKeyId: key.AccessKeyId,
        destination: `${dest.provider}:${dest.providerId}`,
      },
    };
  }

  /** Rotated = this task's new key exists and the destination's current value is it. */
  async function verify(task: ProviderTask, signal: AbortSignal): Promise<VerifyResult> {
    const s0 = await state(task, signal);
    const written = task.rotateTo ? await task.rotateTo.written(signal) : false;
    if (s0.ours && written) {
      return { liveness: 'dead', details: { newAccessKeyId: s0.ours, oldKeyCurrent: false } };
    }
    return { liveness: 'alive', details: { newKey: s0.ours !== undefined, written } };
  }

  return { execute, verify };
}
