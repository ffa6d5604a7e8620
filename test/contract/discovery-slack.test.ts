/**
 * The Slack discoverer against the FAKE Slack (test/fakes/slack.ts) over real HTTP with the real
 * @slack/web-api client: the shared conformance suite, then what each listing finds, cursor
 * pagination, a refused listing next to a complete one, rate limits retried by the sync's own
 * DiscoveryCall, and that every discovered kind + providerId is what the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RetryConfig } from '../../schemas/config.js';
import type { SlackProviderConfigInput } from '../../schemas/providers/slack.js';
import type { DiscoveredCredential, Discoverer, DiscoveryEvent } from '../../src/discovery/port.js';
import { createSlackDiscoverer } from '../../src/discovery/slack.js';
import { meteredCall } from '../../src/discovery/sync-call.js';
import { MemoryAdmission } from '../../src/pipeline/admission/memory.js';
import { createSlackProvider } from '../../src/providers/slack.js';
import { FakeSlack, slackFaults, slackRoute } from '../fakes/slack.js';
import { rejected } from '../support/asserts.js';
import { taskOf } from '../support/provider-task.js';
import {
  collect,
  directCall,
  discoveryConformance,
  credentials,
  identities,
  completed,
  refusals,
  byId,
} from './discovery-suite.js';

const TEAM = 'T0001';
const ENTERPRISE = 'E0001';
const ALL_SCOPES = ['users:read', 'users:read.email', 'admin.apps:read'];

const signal = () => AbortSignal.timeout(20_000);

async function estate() {
  const fake = new FakeSlack();
  await fake.start();
  const adminToken = fake.mintToken({ type: 'admin', userId: 'UADMIN', scopes: ALL_SCOPES });
  fake.setProfile('UADMIN', { name: 'root', role: 'owner' });
  fake.addUser('UMONA', TEAM, 2, 'mona@acme.test');
  fake.setProfile('UMONA', { name: 'mona', displayName: 'Mona', realName: 'Mona Lisa' });
  fake.addUser('UROOT', TEAM, 1, 'root@acme.test');
  fake.setProfile('UROOT', { name: 'rooty', role: 'admin' });
  fake.addUser('UGUEST', TEAM, 0, 'guest@partner.test');
  fake.setProfile('UGUEST', { name: 'guest', guest: true });
  fake.addUser('UGONE', TEAM, 0, 'gone@acme.test');
  fake.deactivate('UGONE');
  fake.addUser('BHELPER', TEAM, 0);
  fake.setProfile('BHELPER', { name: 'helper-bot', role: 'bot' });
  fake.addUser('UOTHER', 'T0002', 0, 'other@acme.test');
  fake.approveApp(
    {
      appId: 'A0CRM',
      name: 'CRM sync',
      scopes: [
        { name: 'chat:write', tokenType: 'bot' },
        { name: 'users:read', tokenType: 'bot' },
        { name: 'users:read', tokenType: 'user' },
      ],
      dateUpdated: 1_700_000_000,
      teamId: TEAM,
      approvedBy: 'UADMIN',
    },
    [TEAM],
  );
  fake.approveApp(
    {
      appId: 'A0ORG',
      name: 'Org wide',
      scopes: [{ name: 'channels:read', tokenType: 'bot' }],
      dateUpdated: 1_650_000_000,
      enterpriseId: ENTERPRISE,
    },
    ['T0002'],
  );
  const cfg = (overrides: Partial<SlackProviderConfigInput> = {}): SlackProviderConfigInput => ({
    type: 'slack',
    name: 'slack-test',
    slackApiUrl: fake.apiUrl,
    scimApiUrl: fake.scimUrl,
    adminToken,
    teamId: TEAM,
    timeoutMs: 5_000,
    propagationMs: 0,
    ...overrides,
  });
  const discoverer = (overrides: Partial<SlackProviderConfigInput> = {}): Discoverer => {
    const d = createSlackDiscoverer(cfg(overrides));
    assert.ok(d, 'an instance with an admin token has a discoverer');
    return d;
  };
  return { fake, adminToken, cfg, discoverer };
}

discoveryConformance('slack', async () => {
  const e = await estate();
  // An admin token granted no scope at all: both listings answer missing_scope.
  const scopeless = e.fake.mintToken({ type: 'admin', userId: 'UADMIN', scopes: [] });
  return {
    type: 'slack',
    discoverer: e.discoverer(),
    refused: e.discoverer({ adminToken: scopeless }),
    secrets: [e.adminToken, scopeless],
    close: () => e.fake.close(),
  };
});

describe('slack discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists the workspace users as identities and slack.user, and the approved apps as slack.app', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ['slack.app', 'slack.user']);
    assert.deepEqual(refusals(events), []);
    const ids = identities(events);
    assert.deepEqual(ids.map((i) => `${i.identity}:${i.role}`).sort(), [
      'BHELPER:bot',
      'UADMIN:owner',
      'UGONE:user',
      'UGUEST:user',
      'UMONA:user',
      'UROOT:admin',
    ]);
    const mona = ids.find((i) => i.identity === 'UMONA');
    assert.equal(mona?.email, 'mona@acme.test');
    assert.equal(mona?.displayName, 'Mona');
    assert.equal(ids.find((i) => i.identity === 'UROOT')?.displayName, 'rooty', 'falls back to the name');

    const user = byId(events, 'slack.user', 'T0001:UMONA');
    assert.equal(user?.ownerIdentity, 'UMONA');
    assert.equal(user?.status, 'active');
    assert.equal(user?.labels?.role, 'user');
    assert.equal(byId(events, 'slack.user', 'T0001:UROOT')?.labels?.role, 'admin');
    assert.equal(byId(events, 'slack.user', 'T0001:UGUEST')?.labels?.guest, 'true');
    // A deactivated account is listed disabled, not left out (it is not gone: it can come back).
    assert.equal(byId(events, 'slack.user', 'T0001:UGONE')?.status, 'disabled');
    // A bot is an identity only; another workspace's member is not listed.
    assert.equal(byId(events, 'slack.user', 'T0001:BHELPER'), undefined);
    assert.ok(!credentials(events).some((c) => c.providerId.endsWith('UOTHER')));
    assert.equal(credentials(events).filter((c) => c.kind === 'slack.user').length, 5);

    const app = byId(events, 'slack.app', 'T0001:A0CRM');
    assert.deepEqual(app?.scopes, ['chat:write', 'users:read']);
    assert.equal(app?.issuedAt, '2023-11-14T22:13:20.000Z');
    assert.equal(app?.labels?.name, 'CRM sync');
    assert.equal(app?.labels?.approvedBy, 'UADMIN');
    // Listed where the adapter uninstalls: the configured workspace, not the org's approvals.
    assert.equal(credentials(events).filter((c) => c.kind === 'slack.app').length, 1);
    assert.deepEqual(e.fake.http.takeViolations(), []);
  });

  it('reads no email without users:read.email, and still completes', async () => {
    const noEmail = e.fake.mintToken({ type: 'admin', userId: 'UADMIN', scopes: ['users:read'] });
    const events = await collect(e.discoverer({ adminToken: noEmail }), directCall({ calls: 0 }));
    assert.ok(completed(events).includes('slack.user'));
    assert.ok(identities(events).length > 0);
    assert.ok(identities(events).every((i) => i.email === undefined));
  });

  it('pages users.list by next_cursor, 200 a page, one DiscoveryCall a page', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 450; i++) big.fake.addUser(`UMANY${String(i).padStart(4, '0')}`, TEAM, 0);
      const before = big.fake.calls(slackRoute('users.list'));
      const counter = { calls: 0 };
      const events = await collect(big.discoverer({ credentialKinds: ['slack.user'] }), directCall(counter));
      // 456 members (450 + admin, mona, root, guest, gone, bot): pages of 200, 200, 56.
      assert.equal(big.fake.calls(slackRoute('users.list')) - before, 3);
      assert.equal(counter.calls, 3);
      const users = credentials(events).filter((c) => c.kind === 'slack.user');
      assert.equal(users.length, 455);
      assert.equal(new Set(users.map((c) => c.providerId)).size, 455, 'no user twice');
      assert.deepEqual(completed(events), ['slack.user']);
      const sent = big.fake.received.filter((r) => r.method === 'users.list');
      assert.ok(sent.every((r) => new URLSearchParams(r.rawBody).get('limit') === '200'));
      assert.equal(sent.filter((r) => new URLSearchParams(r.rawBody).has('cursor')).length, 2);
    } finally {
      await big.fake.close();
    }
  });

  it('a token without admin.apps:read: the apps listing is refused naming it, users still complete', async () => {
    const usersOnly = e.fake.mintToken({
      type: 'admin',
      userId: 'UADMIN',
      scopes: ['users:read', 'users:read.email'],
    });
    const events = await collect(e.discoverer({ adminToken: usersOnly }), directCall({ calls: 0 }));
    const refused = refusals(events);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.code, 'PROVIDER_FORBIDDEN');
    assert.match(refused[0]?.permission ?? '', /admin\.apps:read/);
    assert.deepEqual(completed(events), ['slack.user']);
    assert.equal(credentials(events).filter((c) => c.kind === 'slack.app').length, 0);
  });

  it('a token of the wrong type (not_allowed_token_type) is refused for the admin listing only', async () => {
    const bot = e.fake.mintToken({ type: 'bot', userId: 'UADMIN' });
    const events = await collect(e.discoverer({ adminToken: bot }), directCall({ calls: 0 }));
    assert.deepEqual(
      refusals(events).map((r) => r.code),
      ['PROVIDER_FORBIDDEN'],
    );
    assert.deepEqual(completed(events), ['slack.user']);
  });

  it('a token Slack does not know (invalid_auth) refuses both listings and completes nothing', async () => {
    const events = await collect(
      e.discoverer({ adminToken: 'xoxp-000000000000-000000000000-deadbeef' }),
      directCall({ calls: 0 }),
    );
    assert.deepEqual(
      refusals(events).map((r) => r.code),
      ['PROVIDER_AUTH_FAILED', 'PROVIDER_AUTH_FAILED'],
    );
    assert.deepEqual(
      refusals(events).map((r) => r.permission.split(' ')[0]),
      ['users:read', 'admin.apps:read'],
    );
    assert.deepEqual(completed(events), []);
  });

  it('an HTTP 403 (a proxy or gateway refusing us) is a refusal too, not a throw', async () => {
    // Slack itself answers only 200/429/5xx (the fake's contract refuses a 403), so a bare server.
    const server = createServer((_req, res) =>
      res.writeHead(403, { 'content-type': 'text/plain' }).end('no'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const events = await collect(
        e.discoverer({ slackApiUrl: `http://127.0.0.1:${port}/api/` }),
        directCall({ calls: 0 }),
      );
      assert.deepEqual(
        refusals(events).map((r) => r.code),
        ['PROVIDER_FORBIDDEN', 'PROVIDER_FORBIDDEN'],
      );
      assert.deepEqual(completed(events), []);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a ratelimited page is thrown retriable with its Retry-After, and the sync call retries it', async () => {
    e.fake.inject(slackRoute('users.list'), slackFaults.rateLimited(1));
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
    assert.equal(err.retryAfterMs, 1_000);

    e.fake.inject(slackRoute('users.list'), slackFaults.rateLimited(1));
    e.fake.inject(slackRoute('admin.apps.approved.list'), slackFaults.serverError(503));
    const before = e.fake.calls(slackRoute('users.list'));
    const ac = new AbortController();
    const call = meteredCall(
      {
        admission: new MemoryAdmission(),
        retry: RetryConfig.parse({ baseMs: 10, capMs: 2_000 }),
        clock: () => new Date(),
      },
      'slack-test',
      { perSecond: 100, burst: 100, concurrency: 2 },
      ac.signal,
    );
    const events = await collect(e.discoverer(), call, ac.signal);
    assert.equal(e.fake.calls(slackRoute('users.list')) - before, 2, 'the limited page, then again');
    assert.deepEqual(completed(events), ['slack.app', 'slack.user']);
    assert.deepEqual(refusals(events), []);
  });

  it('a listing that fails (5xx, no retry) throws after the other completed', async () => {
    e.fake.inject(slackRoute('admin.apps.approved.list'), slackFaults.serverError(502));
    const events: DiscoveryEvent[] = [];
    const err = await rejected(
      (async () => {
        for await (const x of e.discoverer().discover(directCall({ calls: 0 }), signal())) events.push(x);
      })(),
    );
    assert.equal(err.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(err.retriable, true);
    assert.deepEqual(completed(events), ['slack.user']);
  });

  it('a member it cannot read leaves slack.user incomplete', async () => {
    e.fake.inject(slackRoute('users.list'), {
      reply: () => ({
        status: 200,
        body: {
          ok: true,
          members: [{ id: 'UFINE', team_id: TEAM }, { id: 'not a slack id!' }],
          response_metadata: { next_cursor: '' },
        },
      }),
    });
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.ok(byId(events, 'slack.user', 'T0001:UFINE'));
    assert.deepEqual(completed(events), ['slack.app']);
  });

  it('a cursor that does not move is refused, not followed forever', async () => {
    e.fake.inject(
      slackRoute('users.list'),
      {
        reply: () => ({
          status: 200,
          body: { ok: true, members: [], response_metadata: { next_cursor: 'c2FtZQ==' } },
        }),
      },
      2,
    );
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_REJECTED');
  });

  it('declares only what its token and config can list', () => {
    assert.equal(createSlackDiscoverer({ ...e.cfg(), adminToken: undefined }), null);
    assert.deepEqual(e.discoverer().kinds, ['slack.user', 'slack.app']);
    // admin.apps.approved.list needs a workspace or an enterprise to list.
    assert.deepEqual(e.discoverer({ teamId: undefined }).kinds, ['slack.user']);
    assert.deepEqual(e.discoverer({ teamId: undefined, enterpriseId: ENTERPRISE }).kinds, [
      'slack.user',
      'slack.app',
    ]);
    assert.deepEqual(e.discoverer({ credentialKinds: ['slack.app', 'slack.bot_token'] }).kinds, [
      'slack.app',
    ]);
    assert.equal(createSlackDiscoverer({ ...e.cfg(), credentialKinds: ['slack.bot_token'] }), null);
  });

  it('an enterprise instance lists the org approvals by bare app id', async () => {
    const d = e.discoverer({ teamId: undefined, enterpriseId: ENTERPRISE });
    const events = await collect(d, directCall({ calls: 0 }));
    assert.deepEqual(
      credentials(events)
        .filter((c) => c.kind === 'slack.app')
        .map((c) => c.providerId),
      ['A0ORG'],
    );
    // Without a configured workspace, a user's own team names it.
    assert.ok(byId(events, 'slack.user', 'T0001:UMONA'));
  });

  it('every discovered kind + providerId is one the revoking adapter acts on', async () => {
    const w = await estate();
    try {
      const provider = createSlackProvider(w.cfg());
      const found = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      for (const c of found) assert.ok(provider.capabilities.actions[c.kind]?.includes('revoke'), c.kind);
      const pick = (kind: string, id: string): DiscoveredCredential => {
        const c = found.find((x) => x.kind === kind && x.providerId === id);
        assert.ok(c, `${kind} ${id} discovered`);
        return c;
      };
      const targets = [pick('slack.user', 'T0001:UMONA'), pick('slack.app', 'T0001:A0CRM')];
      for (const c of targets) {
        const task = taskOf({ action: 'revoke', credentialKind: c.kind, providerId: c.providerId });
        assert.equal((await provider.execute(task, signal())).outcome, 'revoked', c.kind);
      }
      assert.equal(w.fake.user('UMONA')?.teams.includes(TEAM), false);
      assert.equal(w.fake.isInstalled('A0CRM', TEAM), false);
      // SCIM deactivation (`disable`) by the same providerId: the next listing shows it disabled.
      const root = pick('slack.user', 'T0001:UROOT');
      const disable = taskOf({ action: 'disable', credentialKind: root.kind, providerId: root.providerId });
      assert.equal((await provider.execute(disable, signal())).outcome, 'revoked');
      assert.equal((await provider.verify(disable, signal())).liveness, 'dead');
      const again = await collect(w.discoverer(), directCall({ calls: 0 }));
      assert.equal(byId(again, 'slack.user', 'T0001:UMONA'), undefined, 'removed from the workspace');
      assert.equal(byId(again, 'slack.user', 'T0001:UROOT')?.status, 'disabled');

      // The org-wide approval: a bare app id, uninstalled with the configured enterprise.
      const org = createSlackProvider(w.cfg({ teamId: undefined, enterpriseId: ENTERPRISE }));
      const orgApps = credentials(
        await collect(
          w.discoverer({ teamId: undefined, enterpriseId: ENTERPRISE }),
          directCall({ calls: 0 }),
        ),
      ).filter((c) => c.kind === 'slack.app');
      const orgApp = orgApps[0];
      assert.ok(orgApp);
      const task = taskOf({ action: 'revoke', credentialKind: orgApp.kind, providerId: orgApp.providerId });
      assert.equal((await org.execute(task, signal())).outcome, 'revoked');
      assert.equal(w.fake.isInstalled('A0ORG', 'T0002'), false);
      assert.deepEqual(w.fake.http.takeViolations(), []);
    } finally {
      await w.fake.close();
    }
  });
});
