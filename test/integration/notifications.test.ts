/**
 * Notifications over real HTTP: a real runtime (embedded default) revokes at a real OAuth server
 * (oidc-provider) and notifies through @slack/web-api's WebClient to the FAKE Slack in
 * test/fakes/slack.ts. The SOC channel and the credential's owner learn what was revoked, why, the
 * outcome and what to do; nothing secret reaches Slack; a fan-out is summarised, not spammed; and a
 * Slack that fails or stalls never slows or fails a revocation.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { SlackDelivery } from '../../src/observe/slack-delivery.js';
import { localOps } from '../../src/ops/local.js';
import { FakeSlack, slackFaults, slackRoute } from '../fakes/slack.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const SOC = '#soc';

describe('Slack notifications', () => {
  let oauth: OAuthServer;
  let slack: FakeSlack;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger();

  before(async () => {
    oauth = await startOAuthServer();
    slack = new FakeSlack();
    await slack.start();
    slack.addChannel(SOC);
    slack.addUser('UANN', 'T0001', 0, 'ann@example.com');
    slack.addUser('UBOB', 'T0001', 0, 'bob@example.com');
    slack.addUser('UCAROL', 'T0001', 0, 'carol@example.com');
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [
          oauthProviderConfig(oauth),
          {
            type: 'slack',
            name: 'slack-main',
            slackApiUrl: slack.apiUrl,
            adminToken: slack.mintToken({ type: 'admin' }),
            teamId: 'T0001',
            propagationMs: 0,
            rateBudget: { perSecond: 100, burst: 100, concurrency: 8 },
          },
        ],
        policy: { blastRadius: { maxCredentials: 100 } },
        retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300, maxAttempts: 2 },
        notifications: {
          slack: {
            token: slack.mintToken({ type: 'bot' }),
            socChannel: SOC,
            slackApiUrl: slack.apiUrl,
            batchQuietMs: 300,
            maxAttempts: 2,
          },
        },
      }),
      { logger: log.logger },
    );
    await runtime.startWorkers();
  });
  afterEach(async () => {
    // Every test ends with Slack healthy and nothing left in flight.
    slack.http.clearFaults();
    await runtime.notifications?.flush();
  });
  after(async () => {
    await runtime?.stop();
    await slack?.close();
    await oauth?.close();
    await dir?.remove();
  });

  const ops = () => localOps(runtime.deps);
  const socFor = (triggerId: string) =>
    slack.posted.filter((m) => m.channel === SOC && m.text.includes(triggerId));
  const dmsTo = (user: string) => slack.posted.filter((m) => m.dm === user);
  const notifications = async (channel: string, outcome: string) => {
    const metric = await runtime.metrics.getSingleMetric('tourniquet_notifications_total')?.get();
    return (
      metric?.values.find((v) => v.labels.channel_type === channel && v.labels.outcome === outcome)?.value ??
      0
    );
  };

  it('a revoked leak: one SOC summary and one owner DM saying what, why, the outcome and what to do; no secret', async () => {
    const token = await oauth.mint();
    await ops().importInventory(
      [
        {
          id: 'billing-token',
          provider: 'oauth-main',
          kind: 'oauth.access_token',
          owner: 'Ann@Example.com',
          workload: 'billing-api',
          secret: token,
        },
      ],
      'test',
    );
    const dmsBefore = dmsTo('UANN').length;
    const res = await ops().ingest([
      { kind: 'leak', source: 'scanner-x', subject: { token }, evidence: { line: `API_TOKEN=${token}` } },
    ]);
    const triggerId = res.accepted[0]!.id;
    await runtime.idle();
    assert.equal((await runtime.deps.store.listTasks({ triggerId }))[0]?.status, 'succeeded');

    const [soc] = await waitFor(
      'SOC summary',
      async () => socFor(triggerId),
      (m) => m.length > 0,
      10_000,
    );
    for (const part of [
      'billing-token',
      'oauth.access_token',
      'oauth-main',
      '*leak*',
      'scanner-x',
      '1 revoked',
    ]) {
      assert.ok(soc!.text.includes(part), `SOC message names ${part}:\n${soc!.text}`);
    }
    const dms = await waitFor(
      'owner DM',
      async () => dmsTo('UANN'),
      (m) => m.length > dmsBefore,
      10_000,
    );
    const dm = dms.at(-1)!.text;
    for (const part of ['billing-token', 'revoked', 'it leaked', 'scanner-x', 'issue a replacement']) {
      assert.ok(dm.includes(part), `owner DM says ${part}:\n${dm}`);
    }

    // No secret reaches Slack: not the token, not the evidence quoting it, not a full fingerprint.
    assert.ok(slack.received.length > 0);
    for (const r of slack.received) {
      assert.ok(!r.rawBody.includes(token), `${r.method} body carries the token`);
      assert.ok(
        !decodeURIComponent(r.rawBody.replace(/\+/g, ' ')).includes(token),
        `${r.method} body carries the token`,
      );
      assert.ok(!/[0-9a-f]{64}/.test(r.rawBody), `${r.method} body carries a fingerprint`);
    }
    assert.ok(!log.text().includes(token), 'logs');
    assert.ok((await notifications('soc', 'sent')) >= 1);
    assert.ok((await notifications('owner', 'sent')) >= 1);
  });

  it('offboarding: the SOC hears what was done and what needs an owner (re-home the workload credential); the departing person gets no DM', async () => {
    await ops().importInventory(
      [
        {
          id: 'bob-personal',
          provider: 'slack-main',
          kind: 'slack.user_session',
          providerId: 'UBOB',
          owner: 'bob@example.com',
        },
        {
          // An OAuth token cannot be rotated by any configured provider: it needs an owner.
          id: 'payments-token',
          provider: 'oauth-main',
          kind: 'oauth.access_token',
          owner: 'bob@example.com',
          workload: 'payments',
        },
      ],
      'test',
    );
    const lookupsBefore = slack.received.filter((r) => r.method === 'users.lookupByEmail').length;
    const res = await ops().ingest([
      { kind: 'offboarding', source: 'hris', subject: { person: 'BOB@example.com', aliases: ['bob'] } },
    ]);
    const triggerId = res.accepted[0]!.id;
    await runtime.idle();
    const tasks = await runtime.deps.store.listTasks({ triggerId });
    assert.deepEqual(
      tasks.map((t) => t.credentialId),
      ['bob-personal'],
    );
    const [plan] = await runtime.deps.store.listPlans({ triggerId });
    assert.deepEqual(
      plan?.needsOwner.map((n) => [n.credentialId, n.wanted]),
      [['payments-token', 'rotate']],
    );
    const flagged = (await runtime.deps.store.findCredentials({ ids: ['payments-token'] }))[0];
    assert.ok(flagged?.flags.includes('owner_left'), 'the workload credential is flagged for re-homing');

    const msgs = await waitFor(
      'SOC summary and needs-owner message',
      async () => socFor(triggerId),
      (m) => m.length >= 2,
      10_000,
    );
    await runtime.notifications?.flush();
    assert.equal(socFor(triggerId).length, 2, 'one summary of the tasks, one needs-owner message');
    const text = msgs.map((m) => m.text).join('\n');
    for (const part of [
      '*offboarding*',
      'hris',
      'payments-token',
      'bob-personal',
      'Needs an owner',
      'rotate',
    ]) {
      assert.ok(text.includes(part), `SOC messages say ${part}:\n${text}`);
    }
    assert.equal(dmsTo('UBOB').length, 0, 'no DM to the departing person');
    const lookups = slack.received.filter((r) => r.method === 'users.lookupByEmail');
    assert.equal(lookups.length, lookupsBefore, 'the departing person is not even looked up');
  });

  it('a plan held for approval posts its summary and the approve command', async () => {
    const token = await oauth.mint();
    await ops().importInventory(
      [
        {
          id: 'root-token',
          provider: 'oauth-main',
          kind: 'oauth.access_token',
          protected: true,
          owner: 'ann@example.com',
          secret: token,
        },
      ],
      'test',
    );
    const res = await ops().ingest([{ kind: 'leak', source: 'scanner-y', subject: { token } }]);
    const triggerId = res.accepted[0]!.id;
    await runtime.idle();
    const [plan] = await runtime.deps.store.listPlans({ triggerId });
    assert.equal(plan?.status, 'awaiting_approval');
    const [msg] = await waitFor(
      'approval request',
      async () => socFor(triggerId),
      (m) => m.length > 0,
      10_000,
    );
    for (const part of [
      'Approval needed',
      'protected: root-token',
      'root-token',
      `tourniquet approve ${plan!.id} --operator NAME --reason TEXT`,
      'tourniquet deny',
    ]) {
      assert.ok(msg!.text.includes(part), `approval request says ${part}:\n${msg!.text}`);
    }
    assert.ok(!msg!.text.includes(token));
  });

  it('a 40-credential fan-out yields one SOC summary and one DM per owner', async () => {
    const creds = Array.from({ length: 40 }, (_, i) => {
      slack.addUser(`UBATCH${i}`, 'T0001', 1);
      return {
        id: `batch-${i}`,
        provider: 'slack-main',
        kind: 'slack.user_session',
        providerId: `UBATCH${i}`,
        owner: 'carol@example.com',
        workload: 'batch-job',
      };
    });
    await ops().importInventory(creds, 'test');
    const before = {
      soc: slack.posted.filter((m) => m.channel === SOC).length,
      carol: dmsTo('UCAROL').length,
    };
    const res = await ops().ingest([
      { kind: 'decommission', source: 'terraform', subject: { workload: 'batch-job' } },
    ]);
    const triggerId = res.accepted[0]!.id;
    await waitFor(
      'all tasks final',
      () => runtime.deps.store.listTasks({ triggerId }),
      (ts) => ts.length === 40 && ts.every((t) => t.status !== 'planned' && t.status !== 'running'),
      30_000,
    );
    await waitFor(
      'summary',
      async () => socFor(triggerId),
      (m) => m.length > 0,
      10_000,
    );
    await runtime.notifications?.flush();
    assert.equal(slack.posted.filter((m) => m.channel === SOC).length - before.soc, 1);
    assert.equal(dmsTo('UCAROL').length - before.carol, 1);
    const summary = socFor(triggerId)[0]!.text;
    assert.match(summary, /Outcome: 40 /);
    assert.match(summary, /…and 20 more/);
    assert.ok(summary.length < 10_000);
  });

  for (const fault of [
    {
      name: '500 after a 3 s stall',
      inject: { ...slackFaults.serverError(500), delayMs: 3000 },
      code: 'http_500',
    },
    { name: '429 with Retry-After: 1', inject: slackFaults.rateLimited(1), code: 'ratelimited' },
  ]) {
    it(`a Slack answering ${fault.name} to every call neither slows nor fails a revocation; failures are counted`, async () => {
      const token = await oauth.mint();
      await ops().importInventory(
        [
          {
            id: `slackdown-${fault.code}`,
            provider: 'oauth-main',
            kind: 'oauth.access_token',
            owner: 'ann@example.com',
            secret: token,
          },
        ],
        'test',
      );
      const failedBefore = (await notifications('soc', 'failed')) + (await notifications('owner', 'failed'));
      const callsBefore =
        slack.calls(slackRoute('chat.postMessage')) + slack.calls(slackRoute('users.lookupByEmail'));
      slack.inject('*', fault.inject, 10_000);

      const started = Date.now();
      const res = await ops().ingest([{ kind: 'leak', source: 'scanner-z', subject: { token } }]);
      await runtime.idle();
      const elapsed = Date.now() - started;
      assert.equal(
        (await runtime.deps.store.listTasks({ triggerId: res.accepted[0]!.id }))[0]?.status,
        'succeeded',
      );
      assert.equal(await oauth.introspect(token), false);
      assert.ok(elapsed < 2500, `revocation took ${elapsed} ms with Slack failing`);

      await waitFor(
        'failed notifications counted',
        async () => (await notifications('soc', 'failed')) + (await notifications('owner', 'failed')),
        (n) => n >= failedBefore + 2,
        20_000,
      );
      const calls =
        slack.calls(slackRoute('chat.postMessage')) + slack.calls(slackRoute('users.lookupByEmail'));
      assert.ok(calls - callsBefore >= 4, 'each message was tried twice (maxAttempts: 2)');
      assert.match(log.text(), new RegExp(`"code":"${fault.code}"[^\\n]*notification failed`));
    });
  }

  it('the delivery queue is bounded: past its limit new messages are dropped and counted', async () => {
    const results: string[] = [];
    const delivery = new SlackDelivery(
      {
        token: slack.mintToken({ type: 'bot' }),
        slackApiUrl: slack.apiUrl,
        queueLimit: 2,
        maxAttempts: 1,
        maxRetryAfterMs: 1000,
        timeoutMs: 5000,
      },
      { logger: log.logger, record: (_c, r) => results.push(r) },
    );
    slack.inject(slackRoute('chat.postMessage'), slackFaults.slow(300), 1);
    const accepted = [1, 2, 3, 4, 5].map((i) =>
      delivery.enqueue({ channelType: 'soc', to: { channel: SOC }, text: `queued ${i}` }),
    );
    // The first is taken by the worker at once; two wait; two are refused.
    assert.deepEqual(accepted, [true, true, true, false, false]);
    await delivery.idle();
    await delivery.close(0);
    assert.deepEqual(results.sort(), ['dropped', 'dropped', 'sent', 'sent', 'sent']);
  });
});
