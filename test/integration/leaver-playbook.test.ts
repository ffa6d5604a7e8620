/**
 * The offboarding playbook end to end (issue 10's acceptance scenario): a leaver's credentials and
 * accounts across GitHub (fake), Slack (fake), AWS IAM and Secrets Manager (moto) and Vault (real
 * OpenBao), from a real Okta event hook payload. Every outcome is checked at the provider, not in
 * the store; the dry run (`plan --source okta`) is compared with what then really happened.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeGithub } from '../fakes/github.js';
import { FakeSlack } from '../fakes/slack.js';
import { awsTestConnection, findMoto } from '../support/moto.js';
import { findBao } from '../support/openbao.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { unavailable } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { unique } from '../support/asserts.js';

const OKTA = await readFile(new URL('../fixtures/sources/okta.event-hook.json', import.meta.url));
const ADA = 'ada@acme.example';
const moto = await findMoto();
const bao = await findBao();

if ('reason' in moto || 'reason' in bao) {
  it('leaver playbook', (t) =>
    unavailable(t, 'reason' in moto ? moto.reason : (bao as { reason: string }).reason));
} else {
  describe('offboarding playbook: a leaver, every provider', () => {
    // Fresh objects each time: the SDK clients add fields to the credentials they are given.
    const conn = () => awsTestConnection(moto.url);
    const iam = new IAMClient({ ...conn(), maxAttempts: 1 });
    const sm = new SecretsManagerClient({ ...conn(), maxAttempts: 1 });
    const github = new FakeGithub();
    const slack = new FakeSlack();
    const log = captureLogger('info');
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    const w = {
      iamUser: unique('ada'),
      bobUser: unique('bob'),
      ciUser: unique('ci-bot'),
      breakGlassUser: unique('break-glass'),
    };
    const ids: Record<string, string> = {};

    before(async () => {
      await github.start();
      await slack.start();
      dir = await tempDir();
      // GitHub: org membership (her classic PAT's only door once its value is unknown), a fine-grained PAT grant.
      github.addMember('acme', 'ada-gh');
      ids.saml = String(github.addSamlAuthorization('acme', 'ada-gh'));
      ids.otherSaml = String(github.addSamlAuthorization('acme', 'someone-else'));
      ids.patGrant = String(github.addPatGrant('acme', 'ada-gh'));
      // Slack: her account with live sessions and a user token.
      slack.addUser('U0ADA', 'T0001', 3);
      ids.slackToken = slack.mintToken({ type: 'user', userId: 'U0ADA' });
      // AWS: her IAM user (two keys, a console password); a workload key she created; a secret she can read;
      // a protected break-glass key she owns; a colleague's key nobody may touch.
      await iam.send(new CreateUserCommand({ UserName: w.iamUser }));
      await iam.send(new CreateAccessKeyCommand({ UserName: w.iamUser }));
      await iam.send(new CreateAccessKeyCommand({ UserName: w.iamUser }));
      await iam.send(new CreateLoginProfileCommand({ UserName: w.iamUser, Password: 'Initial-Passw0rd!' }));
      for (const u of [w.ciUser, w.breakGlassUser, w.bobUser]) {
        await iam.send(new CreateUserCommand({ UserName: u }));
        ids[u] = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey!.AccessKeyId!;
      }
      ids.ciDest = (
        await sm.send(new CreateSecretCommand({ Name: unique('ci-key'), SecretString: '{}' }))
      ).ARN!;
      ids.db = (
        await sm.send(new CreateSecretCommand({ Name: unique('db'), SecretString: 'old-db-password' }))
      ).ARN!;
      // Vault: her token (by accessor).
      const vaultToken = await bao.ok('POST', 'auth/token/create', { policies: ['default'], ttl: '1h' });
      ids.vaultAccessor = (vaultToken.auth as { accessor: string }).accessor;

      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          providers: [
            {
              type: 'github',
              name: 'github-main',
              org: 'acme',
              baseUrl: github.http.baseUrl,
              auth: {
                token: github.mintToken({ admin: true }),
                appToken: github.mintToken({ prefix: 'ghs_' }),
              },
              propagationMs: 0,
              rateBudget: { perSecond: 100, burst: 100, concurrency: 8 },
            },
            {
              type: 'slack',
              name: 'slack-main',
              slackApiUrl: slack.apiUrl,
              scimApiUrl: slack.scimUrl,
              adminToken: slack.mintToken({ type: 'admin' }),
              teamId: 'T0001',
              userRemoval: 'scim',
              propagationMs: 0,
              rateBudget: { perSecond: 100, burst: 100, concurrency: 8 },
            },
            { type: 'aws_iam', name: 'aws-iam', ...conn(), propagationMs: 0 },
            { type: 'aws_secrets', name: 'aws-sm', ...conn(), propagationMs: 0 },
            { type: 'vault', name: 'vault-main', address: bao.url, token: bao.rootToken, propagationMs: 0 },
          ],
          policy: { grace: { graceMinutes: 0 } },
          retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300 },
        }),
        { logger: log.logger },
      );
      await localOps(runtime.deps).importInventory(
        {
          people: [
            {
              id: ADA,
              aliases: ['00u1ada0000000000042'],
              identities: { 'github-main': 'ada-gh', 'slack-main': 'U0ADA', 'aws-iam': w.iamUser },
            },
            { id: 'bob@acme.example' },
          ],
          workloads: [{ name: 'ci', aliases: ['k8s:serviceaccount:build/ci'] }],
          credentials: [
            { id: 'ada-classic-pat', provider: 'github-main', kind: 'github.pat_classic', owner: ADA },
            {
              id: 'ada-fine-pat',
              provider: 'github-main',
              kind: 'github.fine_grained_pat',
              providerId: `acme:${ids.patGrant}`,
              owner: ADA,
            },
            { id: 'ada-slack-token', provider: 'slack-main', kind: 'slack.user_token', owner: ADA },
            {
              id: 'ci-key',
              provider: 'aws-iam',
              kind: 'aws.access_key',
              providerId: ids[w.ciUser],
              createdBy: ADA,
              owner: 'platform-team',
              workload: 'ci',
              rotateTo: { provider: 'aws-sm', providerId: ids.ciDest },
            },
            {
              id: 'db',
              provider: 'aws-sm',
              kind: 'aws.secret',
              providerId: ids.db,
              readers: [ADA],
              workload: 'ci',
            },
            {
              id: 'ada-vault',
              provider: 'vault-main',
              kind: 'vault.token',
              providerId: ids.vaultAccessor,
              owner: ADA,
            },
            {
              id: 'break-glass',
              provider: 'aws-iam',
              kind: 'aws.access_key',
              providerId: ids[w.breakGlassUser],
              owner: ADA,
              protected: true,
            },
            {
              id: 'bob-key',
              provider: 'aws-iam',
              kind: 'aws.access_key',
              providerId: ids[w.bobUser],
              owner: 'bob@acme.example',
            },
          ],
        },
        'test',
      );
      await runtime.startWorkers();
    });
    after(async () => {
      await runtime?.stop();
      await github.close();
      await slack.close();
      await dir?.remove();
      iam.destroy();
      sm.destroy();
    });

    const keysOf = async (user: string) =>
      (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];

    it('the dry run says beforehand exactly what runs, what waits and what needs an owner; then it happens', async () => {
      const ops = localOps(runtime.deps);
      const dry = await ops.planSource('okta', OKTA);
      assert.equal(dry.plans.length, 1);
      const plan = dry.plans[0]!;
      const describeTask = (t: {
        credentialId: string | null;
        providerId?: string | undefined;
        credentialKind: string;
        action: string;
      }) => `${t.credentialId ?? t.providerId}:${t.credentialKind}:${t.action}`;
      const planned = plan.tasks.map(describeTask).sort();
      assert.deepEqual(
        planned,
        [
          `U0ADA:slack.user:revoke`,
          `U0ADA:slack.user_session:revoke`,
          `ada-fine-pat:github.fine_grained_pat:revoke`,
          `ada-gh:github.org_member:revoke`,
          `ada-gh:github.saml_authorizations:revoke`,
          `ada-vault:vault.token:revoke`,
          `break-glass:aws.access_key:revoke`,
          `ci-key:aws.access_key:delete`,
          `ci-key:aws.access_key:disable`,
          `ci-key:aws.access_key:rotate`,
          `db:aws.secret:rotate`,
          `${w.iamUser}:aws.iam_user:revoke`,
        ].sort(),
      );
      assert.deepEqual(
        plan.tasks.filter((t) => t.hold).map((t) => t.credentialId),
        ['break-glass'],
        'only the protected key waits',
      );
      assert.deepEqual(plan.needsOwner.map((n) => [n.credentialId, n.reason]).sort(), [
        ['ada-classic-pat', 'needs_secret'],
        ['ada-slack-token', 'needs_secret'],
      ]);

      const res = await ops.ingestSource('okta', OKTA);
      const triggerId = res.accepted[0]!.id;
      const tasks = await waitFor(
        'every unheld task final',
        () => runtime.deps.store.listTasks({ triggerId }),
        (ts) =>
          ts.length === planned.length &&
          ts.filter((t) => t.status !== 'awaiting_approval').every((t) => t.status === 'succeeded'),
        60_000,
      );
      assert.deepEqual(tasks.map(describeTask).sort(), planned, 'what ran is what the dry run printed');

      // At the providers: GitHub.
      assert.equal(
        github.isMember('acme', 'ada-gh'),
        false,
        'out of the org (her classic PAT loses its door)',
      );
      assert.equal(github.hasPatGrant('acme', Number(ids.patGrant)), false);
      assert.equal(
        github.hasSamlAuthorization('acme', Number(ids.saml)),
        false,
        'her SSO authorizations are gone',
      );
      assert.equal(github.hasSamlAuthorization('acme', Number(ids.otherSaml)), true, "a colleague's are not");
      // Slack: sessions gone, account deactivated, so her user token is dead too.
      assert.equal(slack.user('U0ADA')?.sessions, 0);
      assert.equal(slack.user('U0ADA')?.active, false);
      assert.equal(slack.isLive(ids.slackToken!), false, 'her user token died with her account');
      // AWS: her user has no key and no console password.
      assert.deepEqual(await keysOf(w.iamUser), []);
      await assert.rejects(iam.send(new GetLoginProfileCommand({ UserName: w.iamUser })), {
        name: 'NoSuchEntityException',
      });
      // The workload key she created: rotated into its destination, the old one gone.
      const dest = JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: ids.ciDest, VersionStage: 'AWSCURRENT' })))
          .SecretString ?? '{}',
      ) as { accessKeyId?: string };
      const ciKeys = await keysOf(w.ciUser);
      assert.deepEqual(
        ciKeys.map((k) => [k.AccessKeyId, k.Status]),
        [[dest.accessKeyId, 'Active']],
        'new key live, old key dead',
      );
      assert.notEqual(dest.accessKeyId, ids[w.ciUser]);
      // The secret she could read: a new current value.
      const db = await sm.send(new GetSecretValueCommand({ SecretId: ids.db, VersionStage: 'AWSCURRENT' }));
      assert.notEqual(db.SecretString, 'old-db-password');
      // Vault: her token is dead.
      const lookup = await bao.api('POST', 'auth/token/lookup-accessor', { accessor: ids.vaultAccessor });
      assert.equal(lookup.status, 400);
      // Untouched: the protected key (waiting) and a colleague's key.
      assert.deepEqual(
        (await keysOf(w.breakGlassUser)).map((k) => k.Status),
        ['Active'],
      );
      assert.deepEqual(
        (await keysOf(w.bobUser)).map((k) => k.Status),
        ['Active'],
      );

      // The inventory record of the rotated key now names the new key.
      const ci = (await runtime.deps.store.findCredentials({ ids: ['ci-key'] }))[0];
      assert.equal(ci?.providerId, dest.accessKeyId);
      assert.ok(ci?.flags.includes('owner_left'));

      // approve --task releases the protected key alone.
      const held = tasks.find((t) => t.status === 'awaiting_approval')!;
      const decided = await ops.decidePlan(held.planId, true, {
        operator: 'soc-1',
        reason: 'break-glass key of a leaver',
        taskIds: [held.id],
      });
      assert.equal(decided.tasks, 1);
      await waitFor(
        'break-glass revoked',
        async () => (await runtime.deps.store.listTasks({ triggerId })).find((t) => t.id === held.id),
        (t) => t?.status === 'succeeded',
        30_000,
      );
      assert.deepEqual(await keysOf(w.breakGlassUser), []);
      assert.deepEqual(
        (await keysOf(w.bobUser)).map((k) => k.Status),
        ['Active'],
        'nothing else touched',
      );
      const audit = await runtime.deps.store.listAudit({ taskId: held.id });
      const approval = audit.find((r) => r.type === 'task.approved');
      assert.equal(approval?.data.operator, 'soc-1');
      assert.equal(approval?.data.reason, 'break-glass key of a leaver');
      const needsOwner = await runtime.deps.store.listAudit({ triggerId });
      assert.equal(needsOwner.filter((r) => r.type === 'plan.needs_owner').length, 2);
      const described = await sm.send(new DescribeSecretCommand({ SecretId: ids.ciDest }));
      assert.ok(
        Object.keys(described.VersionIdsToStages ?? {}).length >= 2,
        'the destination got a new version',
      );
    });
  });
}
