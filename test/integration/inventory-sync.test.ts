/**
 * `inventory sync` against moto (issue 16's acceptance): IAM users and keys with tags, a Secrets
 * Manager secret with tags and a resource policy. The first sync discovers every seeded credential
 * with owner and dates; the second writes nothing; an operator's owner survives; a deleted key is
 * marked gone; a refused listing marks nothing gone; an offboarding right after the sync revokes a
 * key no one typed into the inventory. Planted secret values never reach the store, audit or logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  ListAccessKeysCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createAwsIamDiscoverer } from '../../src/discovery/aws.js';
import { meteredCall } from '../../src/discovery/sync-call.js';
import { GONE_LABEL } from '../../src/discovery/sync-merge.js';
import { syncInventory } from '../../src/discovery/sync.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { awsTestConnection, findMoto, startFaultProxy } from '../support/moto.js';
import { captureLogger, tempDir, testConfig, type CapturedLogger } from '../support/runtime.js';
import { unavailable } from '../support/services.js';

const moto = await findMoto();
const MOTO_BUDGET = { perSecond: 500, burst: 500, concurrency: 4 };

if ('reason' in moto) {
  it('inventory sync against moto', (t) => unavailable(t, moto.reason));
} else {
  describe('inventory sync against moto', () => {
    const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    const sm = new SecretsManagerClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    const run = Date.now().toString(36);
    const ann = `sync-ann-${run}`;
    const svc = `sync-svc-${run}`;
    const bob = `sync-bob-${run}`;
    const planted: string[] = [];
    const keys: Record<string, string> = {};
    let secretArn = '';
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    let log: CapturedLogger;
    const ops = () => localOps(runtime.deps);
    const cred = async (id: string) => (await runtime.deps.store.findCredentials({ ids: [id] }))[0];
    const byProviderId = async (pid: string) =>
      (await runtime.deps.store.findCredentials({ providerIds: [pid] }))[0];
    const head = async () => (await runtime.deps.store.auditHead()).seq;

    before(async () => {
      for (const [user, tags] of [
        [ann, []],
        [
          svc,
          [
            { Key: 'owner', Value: 'team-data' },
            { Key: 'workload', Value: 'etl' },
          ],
        ],
        [bob, [{ Key: 'Owner', Value: 'dave@example.com' }]],
      ] as const) {
        await iam.send(new CreateUserCommand({ UserName: user, Tags: [...tags] }));
        const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
        keys[user] = k.AccessKeyId!;
        planted.push(k.SecretAccessKey!);
      }
      const value = `PLANTED-secret-value-${run}`;
      planted.push(value);
      const created = await sm.send(
        new CreateSecretCommand({
          Name: `sync/db-${run}`,
          SecretString: value,
          Tags: [{ Key: 'owner', Value: 'ann@example.com' }],
        }),
      );
      secretArn = created.ARN!;
      await sm.send(
        new PutResourcePolicyCommand({
          SecretId: secretArn,
          ResourcePolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::123456789012:user/${ann}` },
                Action: 'secretsmanager:GetSecretValue',
                Resource: '*',
              },
            ],
          }),
        }),
      );
      dir = await tempDir();
      log = captureLogger();
      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          // moto is not AWS: IAM's default budget (5 calls/s) made each sync list the users every
          // earlier test left in the shared moto at AWS's pace, 30 s a sync.
          providers: [
            {
              type: 'aws_iam',
              name: 'aws-iam',
              ...awsTestConnection(moto.url),
              propagationMs: 0,
              rateBudget: MOTO_BUDGET,
            },
            {
              type: 'aws_secrets',
              name: 'aws-sm',
              ...awsTestConnection(moto.url),
              propagationMs: 0,
              rateBudget: MOTO_BUDGET,
            },
          ],
          drift: { intervalMs: 0 },
        }),
        { logger: log.logger },
      );
      await runtime.startWorkers();
      // Ann is a person with an account at aws-iam; Bob's key was typed in by an operator, with an owner.
      await ops().importInventory(
        {
          people: [{ id: 'ann@example.com', identities: { 'aws-iam': ann } }],
          credentials: [
            {
              id: 'bob-typed',
              provider: 'aws-iam',
              kind: 'aws.access_key',
              providerId: keys[bob],
              owner: 'carol@example.com',
            },
          ],
        },
        'test',
      );
    });
    after(async () => {
      await runtime?.stop();
      await dir?.remove();
      iam.destroy();
      sm.destroy();
    });

    it('discovers every seeded credential with owner, readers and dates', async () => {
      const reports = await ops().syncInventory({}, 'test');
      assert.deepEqual(reports.map((r) => r.provider).sort(), ['aws-iam', 'aws-sm']);
      for (const r of reports) {
        assert.equal(r.error, undefined);
        assert.deepEqual(r.refused, []);
      }
      const annKey = await cred(`aws-iam:${keys[ann]}`);
      assert.equal(annKey?.kind, 'aws.access_key');
      assert.equal(annKey?.owner, 'ann@example.com');
      assert.equal(annKey?.status, 'active');
      assert.ok(annKey?.issuedAt, 'created date');
      assert.equal(annKey?.labels.userName, ann);
      const annUser = await cred(`aws-iam:${ann}`);
      assert.equal(annUser?.kind, 'aws.iam_user');
      assert.equal(annUser?.owner, 'ann@example.com');

      const svcKey = await cred(`aws-iam:${keys[svc]}`);
      assert.equal(svcKey?.owner, 'team-data');
      assert.equal(svcKey?.workload, 'etl');

      // Typed in by an operator: same record (its id), her owner kept, the provider's dates added.
      assert.equal(await cred(`aws-iam:${keys[bob]}`), undefined);
      const bobKey = await cred('bob-typed');
      assert.equal(bobKey?.owner, 'carol@example.com');
      assert.ok(bobKey?.issuedAt);

      const secret = await byProviderId(secretArn);
      assert.equal(secret?.kind, 'aws.secret');
      assert.equal(secret?.provider, 'aws-sm');
      assert.equal(secret?.owner, 'ann@example.com');
      assert.deepEqual(secret?.readers, ['ann@example.com']);
      assert.equal(secret?.labels.rotation, 'disabled');
      assert.ok(secret?.issuedAt);

      const iamReport = reports.find((r) => r.provider === 'aws-iam');
      assert.ok(iamReport?.unknownIdentities.includes(svc), 'an account no person claims is listed');
      assert.ok(!iamReport?.unknownIdentities.includes(ann));
      assert.ok(iamReport?.complete.includes('aws.access_key'));
      const synced = await runtime.deps.store.listAudit({ limit: 1000 });
      assert.ok(synced.some((r) => r.type === 'inventory.synced'));
    });

    it('a second sync changes nothing and writes nothing', async () => {
      const before = await head();
      const snapshot = JSON.stringify(await runtime.deps.store.listCredentials(10_000));
      const reports = await ops().syncInventory({}, 'test');
      for (const r of reports) {
        assert.deepEqual([r.created, r.updated, r.gone], [0, 0, 0], JSON.stringify(r.diff));
        assert.ok(r.unchanged > 0);
      }
      assert.equal(await head(), before, 'no audit record');
      assert.equal(JSON.stringify(await runtime.deps.store.listCredentials(10_000)), snapshot);
    });

    it('a dry run with --overwrite-operator-fields shows the owner change and writes nothing', async () => {
      const before = await head();
      const [r] = await ops().syncInventory(
        { provider: 'aws-iam', dryRun: true, overwriteOperatorFields: true },
        'test',
      );
      const change = r?.diff.find((d) => d.credentialId === 'bob-typed');
      assert.deepEqual(
        change?.fields.find((f) => f.field === 'owner'),
        { field: 'owner', from: 'carol@example.com', to: 'dave@example.com' },
      );
      assert.equal(await head(), before);
      assert.equal((await cred('bob-typed'))?.owner, 'carol@example.com');
    });

    it('a refused key listing is reported and marks nothing gone', async () => {
      const proxy = await startFaultProxy(moto.url);
      proxy.failNext(10_000, { kind: 'error', status: 403, code: 'AccessDenied' }, 'ListAccessKeys');
      try {
        await iam.send(new DeleteAccessKeyCommand({ UserName: svc, AccessKeyId: keys[svc] }));
        const d = createAwsIamDiscoverer({
          type: 'aws_iam',
          name: 'aws-iam',
          ...awsTestConnection(proxy.url),
        });
        const signal = new AbortController().signal;
        const deps = runtime.deps;
        const call = meteredCall(
          { admission: deps.admission, retry: deps.config.retry, clock: deps.clock },
          'aws-iam',
          { perSecond: 50, burst: 50, concurrency: 2 },
          signal,
        );
        const r = await syncInventory(d, call, deps, { signal });
        assert.ok(r.refused.some((x) => x.permission === 'iam:ListAccessKeys'));
        assert.ok(!r.complete.includes('aws.access_key'));
        assert.equal(r.gone, 0);
        assert.equal((await cred(`aws-iam:${keys[svc]}`))?.status, 'active');
      } finally {
        await proxy.close();
      }
    });

    it('a key deleted at the provider is marked gone by the next full sync', async () => {
      const [r] = await ops().syncInventory({ provider: 'aws-iam' }, 'test');
      assert.equal(r?.gone, 1);
      const gone = await cred(`aws-iam:${keys[svc]}`);
      assert.equal(gone?.status, 'deleted');
      assert.ok(gone?.labels[GONE_LABEL]);
      const [again] = await ops().syncInventory({ provider: 'aws-iam' }, 'test');
      assert.equal(again?.gone, 0, 'gone once');
    });

    it('an offboarding right after the sync revokes a key no one typed in', async () => {
      await ops().ingest([{ kind: 'offboarding', subject: { person: 'ann@example.com' } }]);
      await runtime.idle();
      const left = await iam.send(new ListAccessKeysCommand({ UserName: ann }));
      const key = left.AccessKeyMetadata?.find((k) => k.AccessKeyId === keys[ann]);
      assert.ok(!key || key.Status === 'Inactive', `ann's key is dead at moto (${key?.Status})`);
    });

    it('no planted secret value in the store, the audit trail or the logs', async () => {
      await iam.send(
        new TagUserCommand({ UserName: ann, Tags: [{ Key: 'email', Value: 'ann@example.com' }] }),
      );
      await ops().syncInventory({}, 'test');
      const where = [
        JSON.stringify(await runtime.deps.store.listCredentials(10_000)),
        JSON.stringify(await runtime.deps.store.listAudit({ limit: 10_000 })),
        log.text(),
      ].join('\n');
      for (const p of planted) assert.ok(!where.includes(p), 'a planted secret leaked');
    });
  });
}
