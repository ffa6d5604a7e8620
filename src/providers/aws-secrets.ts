/**
 * AWS Secrets Manager adapter (credential kind `aws.secret`, providerId = secret ARN or name).
 *
 * - rotate:  PutSecretValue with a fresh value; AWSCURRENT moves to it (the old value becomes
 *            AWSPREVIOUS). The ClientRequestToken (= new VersionId) is derived from the task id, so a
 *            redelivered task finds its own version instead of writing a second one.
 * - disable: tag `tourniquet:quarantined=<ISO time>` (reversible; it only stops reads where a policy
 *            denies tagged secrets, see `quarantineEnforced`).
 * - delete:  DeleteSecret with a recovery window (reversible with RestoreSecret) or forced.
 *
 * Rotating here replaces the stored value; it does not change the credential at the system the
 * secret unlocks (a database password stays valid until that system is told). The new value is
 * generated in memory, sent once, and never logged, returned or put in an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  type DescribeSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import { AwsSecretsProviderConfig, type AwsSecretsProviderConfigInput } from '../../schemas/providers/aws.js';
import type { Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  attempt,
  awsClientConfig,
  isAwsCode,
  isAwsNotFound,
  isScheduledForDeletion,
  responseDetails,
  toProviderError,
} from './aws-errors.js';
import type { ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { parseConfig } from '../util/parse-config.js';

export const AWS_SECRET_KIND = 'aws.secret';

export interface AwsSecretsDeps {
  logger?: Logger;
  /** Environment for `{ env: NAME }` settings (default: process.env). */
  env?: Env;
  /** Custom value generator (e.g. a password policy a database accepts). Never logged. */
  generateValue?: (task: ProviderTask) => string | Promise<string>;
}

/** Same task → same token: PutSecretValue is idempotent on (token, value) and refuses a second value. */
export function clientRequestToken(taskId: string): string {
  const h = createHash('sha256').update(`tourniquet:aws.secret:${taskId}`).digest('hex');
  // UUID layout (version 5 style: name-based, SHA) because AWS recommends UUIDs for this field.
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function createAwsSecretsProvider(
  input: AwsSecretsProviderConfigInput,
  deps: AwsSecretsDeps = {},
): Provider {
  const cfg = parseConfig(AwsSecretsProviderConfig, input, 'aws_secrets provider');
  const client = new SecretsManagerClient(awsClientConfig(cfg, deps.env));
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'aws' });
  const generate =
    deps.generateValue ?? (() => randomBytes(cfg.generator.bytes).toString(cfg.generator.encoding));

  /** DescribeSecret, or null when the secret does not exist (any more). */
  async function describe(secretId: string, signal: AbortSignal): Promise<DescribeSecretResponse | null> {
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal: s }),
    );
    if (r.ok) return r.value;
    if (isAwsNotFound(r.error)) return null;
    throw toProviderError(r.error, { op: 'DescribeSecret', timedOut: r.timedOut });
  }

  async function rotate(task: ProviderTask, secretId: string, signal: AbortSignal): Promise<ExecuteResult> {
    const token = clientRequestToken(task.taskId);
    const before = await describe(secretId, signal);
    if (before === null) {
      // Nothing stores the leaked value here any more, but the system it unlocks may still accept
      // it: a human must look, so this is not reported as already revoked.
      throw new TourniquetError('PROVIDER_REJECTED', 'AWS secret to rotate does not exist', {
        details: { op: 'DescribeSecret', awsCode: 'ResourceNotFoundException' },
      });
    }
    if (before.DeletedDate)
      return { outcome: 'already_revoked', details: { deletedDate: iso(before.DeletedDate) } };
    const stages = before.VersionIdsToStages ?? {};
    const current = currentVersion(stages);
    if (stages[token]) {
      // A previous delivery of this task already wrote its version.
      return { outcome: 'already_revoked', details: { replayed: true, versionId: token } };
    }
    const leaked = task.labels?.leakedVersionId;
    if (leaked && current !== undefined && current !== leaked) {
      return { outcome: 'already_revoked', details: { leakedVersionId: leaked, currentVersionId: current } };
    }
    const value = await generate(task);
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: token }),
        {
          abortSignal: s,
        },
      ),
    );
    if (!r.ok) {
      // The token is in use: a concurrent or earlier delivery of this task won the race.
      if (isAwsCode(r.error, 'ResourceExistsException')) {
        return { outcome: 'already_revoked', details: { replayed: true, versionId: token } };
      }
      throw toProviderError(r.error, { op: 'PutSecretValue', timedOut: r.timedOut, redact: [value] });
    }
    log?.info({ secretId, versionId: r.value.VersionId, taskId: task.taskId }, 'secret rotated');
    return {
      outcome: 'revoked',
      details: {
        ...responseDetails(r.value),
        versionId: r.value.VersionId ?? token,
        ...(current ? { previousVersionId: current } : {}),
      },
    };
  }

  async function quarantine(
    task: ProviderTask,
    secretId: string,
    signal: AbortSignal,
  ): Promise<ExecuteResult> {
    const before = await describe(secretId, signal);
    if (before === null) return { outcome: 'already_revoked', details: { gone: true } };
    if (before.DeletedDate)
      return { outcome: 'already_revoked', details: { deletedDate: iso(before.DeletedDate) } };
    const existing = before.Tags?.find((t) => t.Key === cfg.quarantineTagKey)?.Value;
    if (existing) return { outcome: 'already_revoked', details: { quarantinedAt: existing } };
    const at = new Date().toISOString();
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(
        new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: cfg.quarantineTagKey, Value: at }] }),
        {
          abortSignal: s,
        },
      ),
    );
    if (!r.ok) {
      if (isAwsNotFound(r.error)) return { outcome: 'already_revoked', details: { gone: true } };
      throw toProviderError(r.error, { op: 'TagResource', timedOut: r.timedOut });
    }
    log?.info({ secretId, taskId: task.taskId }, 'secret tagged as quarantined');
    return { outcome: 'revoked', details: { ...responseDetails(r.value), quarantinedAt: at } };
  }

  async function remove(task: ProviderTask, secretId: string, signal: AbortSignal): Promise<ExecuteResult> {
    // Checked first because a forced delete of a missing secret succeeds silently (idempotent),
    // which would otherwise report every redelivery as a fresh revocation.
    const before = await describe(secretId, signal);
    if (before === null) return { outcome: 'already_revoked', details: { gone: true } };
    if (before.DeletedDate)
      return { outcome: 'already_revoked', details: { deletedDate: iso(before.DeletedDate) } };
    const input = cfg.forceDelete
      ? { SecretId: secretId, ForceDeleteWithoutRecovery: true }
      : { SecretId: secretId, RecoveryWindowInDays: cfg.recoveryWindowDays };
    const r = await attempt(signal, cfg.timeoutMs, (s) =>
      client.send(new DeleteSecretCommand(input), { abortSignal: s }),
    );
    if (!r.ok) {
      if (isAwsNotFound(r.error) || isScheduledForDeletion(r.error)) {
        return { outcome: 'already_revoked', details: { raced: true } };
      }
      if (isAwsCode(r.error, 'InvalidRequestException')) {
        // Same code, other causes (replicas, managed secret): only a deletion date settles it.
        const now = await describe(secretId, signal);
        if (now === null || now.DeletedDate) return { outcome: 'already_revoked', details: { raced: true } };
      }
      throw toProviderError(r.error, { op: 'DeleteSecret', timedOut: r.timedOut });
    }
    log?.info({ secretId, taskId: task.taskId, forced: cfg.forceDelete }, 'secret deleted');
    return {
      outcome: 'revoked',
      details: {
        ...responseDetails(r.value),
        forced: cfg.forceDelete,
        ...(r.value.DeletionDate ? { deletionDate: iso(r.value.DeletionDate) } : {}),
      },
    };
  }

  return {
    name: cfg.name,
    type: 'aws',
    capabilities: {
      actions: { [AWS_SECRET_KIND]: ['rotate', 'disable', 'delete'] },
      canVerify: true,
      // RestoreSecret undoes a scheduled deletion; removing the tag undoes a quarantine.
      reversible: cfg.forceDelete ? ['disable'] : ['disable', 'delete'],
      maxBatch: 1,
      rateBudget: cfg.rateBudget ?? { perSecond: 20, burst: 40, concurrency: 4 },
      propagationMs: cfg.propagationMs,
    },
    needsSecret: () => false,

    async execute(task, signal) {
      const secretId = target(task);
      switch (task.action) {
        case 'rotate':
          return rotate(task, secretId, signal);
        case 'disable':
          return quarantine(task, secretId, signal);
        case 'delete':
          return remove(task, secretId, signal);
        default:
          throw unsupported(task);
      }
    },

    async verify(task, signal): Promise<VerifyResult> {
      const secretId = target(task);
      const d = await describe(secretId, signal);
      if (d === null) return { liveness: 'dead', details: { gone: true } };
      if (d.DeletedDate) return { liveness: 'dead', details: { deletedDate: iso(d.DeletedDate) } };
      switch (task.action) {
        case 'delete':
          return { liveness: 'alive', details: {} };
        case 'disable': {
          const tag = d.Tags?.find((t) => t.Key === cfg.quarantineTagKey)?.Value;
          if (!tag) return { liveness: 'alive', details: { quarantined: false } };
          return { liveness: cfg.quarantineEnforced ? 'dead' : 'unknown', details: { quarantinedAt: tag } };
        }
        case 'rotate': {
          const stages = d.VersionIdsToStages ?? {};
          const current = currentVersion(stages) ?? 'none';
          const leaked = task.labels?.leakedVersionId;
          // The version this task wrote is current: whatever value was current before is not.
          if (!leaked && current === clientRequestToken(task.taskId)) {
            return { liveness: 'dead', details: { currentVersionId: current, rotatedBy: 'this task' } };
          }
          // Without the leaked version id nothing says which value leaked.
          if (!leaked) return { liveness: 'unknown', details: { currentVersionId: current } };
          const isCurrent = (stages[leaked] ?? []).includes('AWSCURRENT');
          return {
            liveness: isCurrent ? 'alive' : 'dead',
            details: { currentVersionId: current, leakedVersionId: leaked },
          };
        }
        default:
          throw unsupported(task);
      }
    },

    destination(secretId, taskId) {
      // Its own token namespace: the task that rotates a key writes here, not a rotate of this secret.
      const token = clientRequestToken(`rotate-into:${taskId}`);
      return {
        provider: cfg.name,
        providerId: secretId,
        async written(signal) {
          const d = await describe(secretId, signal);
          return (d?.VersionIdsToStages?.[token] ?? []).includes('AWSCURRENT');
        },
        async write(value, signal) {
          const r = await attempt(signal, cfg.timeoutMs, (s) =>
            client.send(
              new PutSecretValueCommand({
                SecretId: secretId,
                SecretString: value,
                ClientRequestToken: token,
              }),
              { abortSignal: s },
            ),
          );
          if (!r.ok)
            throw toProviderError(r.error, { op: 'PutSecretValue', timedOut: r.timedOut, redact: [value] });
          log?.info({ secretId, versionId: r.value.VersionId, taskId }, 'rotated value written');
        },
      };
    },

    async close() {
      client.destroy();
    },
  };
}

function target(task: ProviderTask): string {
  if (task.credentialKind !== AWS_SECRET_KIND) throw unsupported(task);
  if (!task.providerId) {
    throw new TourniquetError('INVALID_INPUT', 'aws.secret task has no providerId (secret ARN or name)');
  }
  return task.providerId;
}

function unsupported(task: ProviderTask): TourniquetError {
  return new TourniquetError(
    'PROVIDER_UNSUPPORTED',
    `aws_secrets cannot ${task.action} a ${task.credentialKind} credential`,
    { details: { action: task.action, credentialKind: task.credentialKind } },
  );
}

function currentVersion(stages: Record<string, string[]>): string | undefined {
  return Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
}

function iso(d: Date): string {
  return d.toISOString();
}
