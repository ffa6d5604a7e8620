/**
 * AWS discoverers. IAM (`aws_iam` instances): every user (an identity, and an `aws.iam_user`
 * credential: the leaver's console and keys), her tags (`owner`, `workload`, `email`), whether she
 * has a console password (GetLoginProfile), and each access key (`aws.access_key`: created, status,
 * last used). Secrets Manager (`aws_secrets` instances): every secret (`aws.secret`: tags, rotation,
 * last accessed) and who can read it (its resource policy's principals).
 *
 * Listing is page by page, so memory stays bounded by one page. A denied call is a `refused` event
 * naming the IAM action; a denied key listing leaves `aws.access_key` incomplete (nothing marked
 * gone), a denied tag, login-profile or last-used lookup only leaves that detail out.
 * No call reads a secret value: ListAccessKeys returns no secret keys, ListSecrets no values.
 */
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  type User,
} from '@aws-sdk/client-iam';
import {
  GetResourcePolicyCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  AwsIamProviderConfig,
  AwsSecretsProviderConfig,
  type AwsIamProviderConfigInput,
  type AwsSecretsProviderConfigInput,
} from '../../schemas/providers/aws.js';
import type { TourniquetError } from '../errors.js';
import { awsClientConfig, isAwsNotFound } from '../providers/aws-errors.js';
import { AWS_ACCESS_KEY_KIND } from '../providers/aws-iam.js';
import { AWS_IAM_USER_KIND } from '../providers/aws-iam-user.js';
import { AWS_SECRET_KIND } from '../providers/aws-secrets.js';
import { awsSender, isRefusal, iso, refusedEvent, tagValue, type AwsSend } from './aws-common.js';
import { policyReaders } from './aws-policy.js';
import type { DiscoveredCredential, Discoverer, DiscoveryEvent } from './port.js';
import type { DiscovererDeps } from './deps.js';
import { parseConfig } from '../util/parse-config.js';

export function createAwsIamDiscoverer(
  input: AwsIamProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer {
  const cfg = parseConfig(AwsIamProviderConfig, input, 'aws_iam discoverer');
  const client = new IAMClient(awsClientConfig(cfg, deps.env));
  const kinds = [AWS_IAM_USER_KIND, AWS_ACCESS_KEY_KIND] as const;

  async function* user(
    send: AwsSend,
    u: User,
    refused: Set<string>,
  ): AsyncGenerator<DiscoveryEvent, boolean> {
    const name = u.UserName ?? '';
    const once = (permission: string, err: TourniquetError): DiscoveryEvent[] => {
      if (refused.has(permission)) return [];
      refused.add(permission);
      return [refusedEvent(`IAM user details`, permission, err)];
    };
    let tags: { Key?: string; Value?: string }[] | undefined;
    try {
      const r = await send('iam:ListUserTags', 'ListUserTags', (s) =>
        client.send(new ListUserTagsCommand({ UserName: name }), { abortSignal: s }),
      );
      tags = r.Tags;
    } catch (err) {
      if (!isRefusal(err)) throw err;
      yield* once('iam:ListUserTags', err);
    }
    const email = tagValue(tags, 'email');
    yield { type: 'identity', identity: { identity: name, role: 'user', ...(email ? { email } : {}) } };

    let login: boolean | undefined;
    try {
      await send('iam:GetLoginProfile', 'GetLoginProfile', async (s) => {
        try {
          await client.send(new GetLoginProfileCommand({ UserName: name }), { abortSignal: s });
          login = true;
        } catch (err) {
          if (!isAwsNotFound(err)) throw err;
          login = false;
        }
      });
    } catch (err) {
      if (!isRefusal(err)) throw err;
      yield* once('iam:GetLoginProfile', err);
    }
    const owner = tagValue(tags, 'owner');
    const workload = tagValue(tags, 'workload');
    const common = {
      ownerIdentity: name,
      ...(owner ? { owner } : {}),
      ...(workload ? { workload } : {}),
    };
    yield {
      type: 'credential',
      credential: {
        kind: AWS_IAM_USER_KIND,
        providerId: name,
        ...common,
        ...(iso(u.CreateDate) ? { issuedAt: iso(u.CreateDate) } : {}),
        ...(iso(u.PasswordLastUsed) ? { lastUsedAt: iso(u.PasswordLastUsed) } : {}),
        labels: { userName: name, ...(login === undefined ? {} : { loginProfile: String(login) }) },
      },
    };

    let marker: string | undefined;
    do {
      let page;
      try {
        page = await send('iam:ListAccessKeys', 'ListAccessKeys', (s) =>
          client.send(new ListAccessKeysCommand({ UserName: name, Marker: marker }), { abortSignal: s }),
        );
      } catch (err) {
        if (!isRefusal(err)) throw err;
        yield* once('iam:ListAccessKeys', err);
        return false;
      }
      for (const k of page.AccessKeyMetadata ?? []) {
        if (!k.AccessKeyId) continue;
        let lastUsedAt: string | undefined;
        try {
          const r = await send('iam:GetAccessKeyLastUsed', 'GetAccessKeyLastUsed', (s) =>
            client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }), { abortSignal: s }),
          );
          lastUsedAt = iso(r.AccessKeyLastUsed?.LastUsedDate);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          yield* once('iam:GetAccessKeyLastUsed', err);
        }
        const credential: DiscoveredCredential = {
          kind: AWS_ACCESS_KEY_KIND,
          providerId: k.AccessKeyId,
          ...common,
          status: k.Status === 'Inactive' ? 'disabled' : 'active',
          ...(iso(k.CreateDate) ? { issuedAt: iso(k.CreateDate) } : {}),
          ...(lastUsedAt ? { lastUsedAt } : {}),
          labels: { userName: name },
        };
        yield { type: 'credential', credential };
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return true;
  }

  return {
    instance: cfg.name,
    kinds,
    async *discover(call, signal) {
      const send = awsSender(call, signal, cfg.timeoutMs);
      const refused = new Set<string>();
      let keysComplete = true;
      let marker: string | undefined;
      do {
        let page;
        try {
          page = await send('iam:ListUsers', 'ListUsers', (s) =>
            client.send(new ListUsersCommand({ Marker: marker }), { abortSignal: s }),
          );
        } catch (err) {
          if (!isRefusal(err)) throw err;
          yield refusedEvent('IAM users', 'iam:ListUsers', err);
          return;
        }
        for (const u of page.Users ?? []) {
          if (!u.UserName) continue;
          if (!(yield* user(send, u, refused))) keysComplete = false;
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      signal.throwIfAborted();
      yield { type: 'complete', kinds: keysComplete ? [...kinds] : [AWS_IAM_USER_KIND] };
    },
  };
}

export function createAwsSecretsDiscoverer(
  input: AwsSecretsProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer {
  const cfg = parseConfig(AwsSecretsProviderConfig, input, 'aws_secrets discoverer');
  const client = new SecretsManagerClient(awsClientConfig(cfg, deps.env));
  return {
    instance: cfg.name,
    kinds: [AWS_SECRET_KIND],
    async *discover(call, signal) {
      const send = awsSender(call, signal, cfg.timeoutMs);
      let policyRefused = false;
      let next: string | undefined;
      do {
        let page;
        try {
          page = await send('secretsmanager:ListSecrets', 'ListSecrets', (s) =>
            client.send(new ListSecretsCommand({ NextToken: next }), { abortSignal: s }),
          );
        } catch (err) {
          if (!isRefusal(err)) throw err;
          yield refusedEvent('Secrets Manager secrets', 'secretsmanager:ListSecrets', err);
          return;
        }
        for (const sec of page.SecretList ?? []) {
          const id = sec.ARN ?? sec.Name;
          if (!id) continue;
          let readers: string[] | undefined;
          if (!policyRefused) {
            try {
              const r = await send('secretsmanager:GetResourcePolicy', 'GetResourcePolicy', (s) =>
                client.send(new GetResourcePolicyCommand({ SecretId: id }), { abortSignal: s }),
              );
              readers = policyReaders(r.ResourcePolicy);
            } catch (err) {
              if (!isRefusal(err)) throw err;
              policyRefused = true;
              yield refusedEvent('secret resource policies', 'secretsmanager:GetResourcePolicy', err);
            }
          }
          const owner = tagValue(sec.Tags, 'owner');
          const workload = tagValue(sec.Tags, 'workload');
          const rotation = sec.RotationEnabled ? 'enabled' : 'disabled';
          yield {
            type: 'credential',
            credential: {
              kind: AWS_SECRET_KIND,
              providerId: id,
              ...(owner ? { owner } : {}),
              ...(workload ? { workload } : {}),
              ...(iso(sec.CreatedDate) ? { issuedAt: iso(sec.CreatedDate) } : {}),
              ...(iso(sec.LastAccessedDate) ? { lastUsedAt: iso(sec.LastAccessedDate) } : {}),
              ...(sec.DeletedDate ? { status: 'disabled' as const } : {}),
              ...(readers?.length ? { readerIdentities: readers } : {}),
              labels: { rotation, ...(sec.Name ? { secretName: sec.Name.slice(0, 500) } : {}) },
            },
          };
        }
        next = page.NextToken;
      } while (next);
      signal.throwIfAborted();
      yield { type: 'complete', kinds: [AWS_SECRET_KIND] };
    },
  };
}
