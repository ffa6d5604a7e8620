/**
 * Leak and decommission decisions end to end (issue 10's acceptance list), checked at the providers:
 * an inventoried classic PAT with its value is revoked by value once; a leaked AWS key that is not
 * in the inventory is deactivated at moto with older sessions denied (its account looked up with
 * STS); a leaked Slack webhook URL needs its owner (SOC told, no dead letter, no provider call); a
 * Kubernetes ServiceAccount deletion and a CloudTrail DeleteRole of one workload make one set of tasks.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeGithub, ROUTES } from '../fakes/github.js';
import { FakeSlack } from '../fakes/slack.js';
import { awsTestConnection, findMoto } from '../support/moto.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { unavailable } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { unique } from '../support/asserts.js';

const fixture = (name: string) => readFile(new URL(`../fixtures/sources/${name}`, import.meta.url));
const SOC = 'C0SOC';
const moto = await findMoto();

if ('reason' in moto) {
  it('leak playbook', (t) => unavailable(t, moto.reason));
} else {
  describe('leak and decommission playbooks', () => {
    const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
    const github = new FakeGithub();
    const slack = new FakeSlack();
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    const ops = () => localOps(runtime.deps);

    before(async () => {
      await github.start();
      await slack.start();
      slack.addChannel(SOC);
      dir = await tempDir();
      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          providers: [
            {
              type: 'github',
              name: 'github-main',
              baseUrl: github.http.baseUrl,
              auth: {},
              propagationMs: 0,
              rateBudget: { perSecond: 100, burst: 100, concurrency: 8 },
            },
            // moto's default account: a leaked key is looked up with STS and handled here.
            {
              type: 'aws_iam',
              name: 'aws-iam',
              accountId: '123456789012',
              ...awsTestConnection(moto.url),
              propagationMs: 0,
            },
            {
              type: 'vault',
              name: 'vault-main',
              address: 'http://127.0.0.1:9',
              token: 'unused',
              propagationMs: 0,
            },
          ],
          notifications: {
            slack: {
              token: slack.mintToken({ type: 'bot' }),
              socChannel: SOC,
              slackApiUrl: slack.apiUrl,
              batchQuietMs: 200,
            },
          },
          retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300 },
        }),
        { logger: captureLogger('info').logger },
      );
      await runtime.startWorkers();
    });
    after(async () => {
      await runtime?.stop();
      await github.close();
      await slack.close();
      await dir?.remove();
      iam.destroy();
    });

    it('a leaked classic PAT that is in the inventory is revoked by value, once', async () => {
      const token = github.mintToken({ prefix: 'ghp_', login: 'ada' });
      await ops().importInventory(
        [
          {
            id: 'ada-pat',
            provider: 'github-main',
            kind: 'github.pat_classic',
            owner: 'ada@example.com',
            secret: token,
          },
        ],
        'test',
      );
      const before = github.calls(ROUTES.revoke);
      const res = await ops().ingest([{ kind: 'leak', source: 'scanner', subject: { token } }]);
      const [task] = await waitFor(
        'revoked',
        () => runtime.deps.store.listTasks({ triggerId: res.accepted[0]!.id }),
        (ts) => ts.length === 1 && ts[0]!.status === 'succeeded',
        30_000,
      );
      assert.equal(task?.credentialId, 'ada-pat');
      assert.equal(task?.action, 'revoke_by_value');
      assert.equal(github.calls(ROUTES.revoke) - before, 1);
      assert.equal(github.isLive(token), false);
    });

    it('a leaked AWS key that is not in the inventory: inactive at moto, older sessions denied', async () => {
      const userName = unique('leaky');
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const res = await ops().ingest([
        { kind: 'leak', source: 'scanner', subject: { token: key.AccessKeyId! } },
      ]);
      const triggerId = res.accepted[0]!.id;
      await waitFor(
        'deactivated',
        () => runtime.deps.store.listTasks({ triggerId }),
        (ts) => ts.some((t) => t.action === 'disable' && t.status === 'succeeded'),
        30_000,
      );
      const keys =
        (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
      assert.deepEqual(
        keys.map((k) => k.Status),
        ['Inactive'],
      );
      const policy = await iam.send(
        new GetUserPolicyCommand({ UserName: userName, PolicyName: 'TourniquetRevokeOlderSessions' }),
      );
      assert.match(decodeURIComponent(policy.PolicyDocument ?? ''), /aws:TokenIssueTime/);
      const trigger = await runtime.deps.store.getTrigger(triggerId);
      assert.equal(trigger?.evidence.awsAccountId, '123456789012', 'its account was looked up');
      const tasks = await runtime.deps.store.listTasks({ triggerId });
      const del = tasks.find((t) => t.action === 'delete');
      assert.equal(del?.status, 'planned', 'deleted only after the policy delay');
      assert.ok(del?.nextAttemptAt && Date.parse(del.nextAttemptAt) > Date.now());
    });

    it('scanner reports of one AWS key (Gitleaks pair, SARIF, detect-secrets) make one trigger; the key goes inactive', async () => {
      const userName = unique('scanned');
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const [id, secret] = [key.AccessKeyId!, key.SecretAccessKey!];
      const at = { File: 'deploy/aws.env', Commit: 'c0ffee', Date: '2026-11-20T09:15:00Z' };
      const gitleaks = [
        { RuleID: 'aws-access-token', Secret: id, StartLine: 2, ...at },
        { RuleID: 'generic-api-key', Secret: secret, StartLine: 3, ...at },
      ];
      const snippet = (text: string, startLine: number) => ({
        ruleId: 'aws-access-token',
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: at.File },
              region: { startLine, snippet: { text } },
            },
          },
        ],
        partialFingerprints: { commitSha: at.Commit, date: at.Date },
      });
      const sarif = {
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [snippet(id, 2)] }],
      };
      const detectSecrets = {
        results: [
          { filename: at.File, lines: { '2': `key = ${id}` }, secrets: id, types: ['AWS Access Key'] },
        ],
      };
      const accepted = [
        ...(await ops().ingestSource('gitleaks', Buffer.from(JSON.stringify(gitleaks)))).accepted,
        ...(await ops().ingestSource('sarif', Buffer.from(JSON.stringify(sarif)))).accepted,
        ...(await ops().ingestSource('detect-secrets', Buffer.from(JSON.stringify(detectSecrets)))).accepted,
      ];
      assert.equal(new Set(accepted.map((a) => a.id)).size, 1, 'one key, one trigger');
      const triggerId = accepted[0]!.id;
      await waitFor(
        'deactivated',
        () => runtime.deps.store.listTasks({ triggerId }),
        (ts) => ts.some((t) => t.action === 'disable' && t.status === 'succeeded'),
        30_000,
      );
      const keys =
        (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
      assert.deepEqual(
        keys.map((k) => k.Status),
        ['Inactive'],
      );
      const trigger = await runtime.deps.store.getTrigger(triggerId);
      assert.equal(trigger?.occurredAt, '2026-11-20T09:15:00.000Z', 'the commit time');
      assert.ok(!JSON.stringify(trigger).includes(secret));
    });

    it('a leaked Slack webhook URL needs its owner: steps, SOC told, no dead letter, no provider call', async () => {
      const url = `https://hooks.slack.com/services/T0001/B0HOOK/${'x'.repeat(24)}`;
      const calls = slack.received.length;
      const res = await ops().ingest([{ kind: 'leak', source: 'scanner', subject: { token: url } }]);
      const triggerId = res.accepted[0]!.id;
      await runtime.idle();
      const [plan] = await runtime.deps.store.listPlans({ triggerId });
      assert.equal(plan?.taskCount, 0);
      assert.equal(plan?.needsOwner[0]?.reason, 'no_api');
      assert.match(plan?.needsOwner[0]?.step ?? '', /webhook/i);
      assert.deepEqual(await runtime.deps.store.listTasks({ triggerId }), []);
      const msgs = await waitFor(
        'SOC told',
        async () => slack.posted.filter((m) => m.channel === SOC && m.text.includes(triggerId)),
        (m) => m.length > 0,
        10_000,
      );
      assert.match(msgs[0]!.text, /Needs an owner/);
      assert.ok(!msgs[0]!.text.includes(url), 'the URL is a secret: never in a message');
      const providerCalls = slack.received.slice(calls).filter((r) => r.method !== 'chat.postMessage');
      assert.deepEqual(providerCalls, [], 'no provider call');
      assert.equal((await ops().listDeadLetters()).length, 0);
    });

    it('a ServiceAccount deletion and a DeleteRole for one workload make one set of tasks', async () => {
      await ops().importInventory(
        {
          workloads: [
            {
              name: 'payments-api',
              aliases: [
                'k8s:serviceaccount:payments/payments-api',
                'arn:aws:iam::123456789012:role/payments-api-prod',
              ],
            },
          ],
          credentials: [
            {
              id: 'pay-vault',
              provider: 'vault-main',
              kind: 'vault.token',
              providerId: 'acc-pay',
              workload: 'payments-api',
            },
          ],
        },
        'test',
      );
      const k8s = await ops().planSource(
        'kubernetes.audit',
        await fixture('kubernetes-audit.event-list.json'),
      );
      const trail = await ops().planSource('aws.cloudtrail', await fixture('cloudtrail.delete-role.json'));
      const k8sTasks = k8s.plans.flatMap((p) => p.tasks.map((t) => t.id));
      const trailTasks = trail.plans.flatMap((p) => p.tasks.map((t) => t.id));
      assert.equal(k8sTasks.length, 1);
      assert.deepEqual(trailTasks, k8sTasks, 'the same task ids: one set of tasks');
      assert.ok(
        k8s.plans[0]!.notes.some((n) => n.includes('alias')),
        'the plan names the alias that matched',
      );
    });
  });
}
