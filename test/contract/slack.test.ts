/**
 * Contract tests of the Slack provider: the real @slack/web-api WebClient (and fetch for SCIM) over
 * real HTTP against the FAKE Slack in test/fakes/slack.ts. The conformance suite runs for token
 * revocation, session reset and SCIM deactivation; the rest covers each action and classification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { SlackProviderConfig, type SlackProviderConfigInput } from '../../schemas/providers/slack.js';
import { TourniquetError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { createSlackProvider } from '../../src/providers/slack.js';
import { FakeSlack, SCIM_DELETE, slackFaults, slackRoute } from '../fakes/slack.js';
import { rejected as rejects } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

let seq = 0;
const taskOf = (fields: Omit<ProviderTask, 'taskId' | 'credentialId'>): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: `c${seq}`,
  ...fields,
});
const signal = () => AbortSignal.timeout(20_000);

const TEAM = 'T0001';

async function world(overrides: Partial<SlackProviderConfigInput> = {}) {
  const fake = new FakeSlack();
  await fake.start();
  const adminToken = fake.mintToken({ type: 'admin', userId: 'UADMIN' });
  fake.registerApp('111.222', 'app-client-secret-abcdef', 'A0APP');
  const cfg: SlackProviderConfigInput = {
    type: 'slack',
    name: 'slack-test',
    slackApiUrl: fake.apiUrl,
    scimApiUrl: fake.scimUrl,
    adminToken,
    teamId: TEAM,
    app: { clientId: '111.222', clientSecret: 'app-client-secret-abcdef' },
    timeoutMs: 2_000,
    propagationMs: 0,
    ...overrides,
  };
  return { fake, adminToken, cfg, provider: createSlackProvider(cfg) };
}

// --- conformance ------------------------------------------------------------------------------

for (const kind of ['slack.bot_token', 'slack.user_token'] as const) {
  providerConformance(`${kind} (auth.revoke)`, async ({ logger }) => {
    const { fake, cfg, adminToken } = await world();
    return {
      provider: createSlackProvider(cfg, { logger }),
      makeLiveCredential: async () =>
        taskOf({
          action: kind === 'slack.bot_token' ? 'revoke' : 'revoke_by_value',
          credentialKind: kind,
          secret: fake.mintToken({ type: kind === 'slack.bot_token' ? 'bot' : 'user' }),
        }),
      injectRetriable: () => {
        fake.inject(slackRoute('auth.revoke'), slackFaults.rateLimited(12));
        return { retryAfterMs: 12_000 };
      },
      injectPermanent: () =>
        fake.inject(slackRoute('auth.revoke'), slackFaults.error('not_allowed_token_type')),
      plantedSecret: adminToken,
      revokeCallCount: () => fake.calls(slackRoute('auth.revoke')),
      close: () => fake.close(),
    };
  });
}

providerConformance('slack.user_session (admin.users.session.reset)', async ({ logger }) => {
  const { fake, cfg, adminToken } = await world();
  let n = 0;
  return {
    provider: createSlackProvider(cfg, { logger }),
    makeLiveCredential: async () => {
      const userId = `USESS${++n}`;
      fake.addUser(userId, TEAM, 3);
      return taskOf({ action: 'revoke', credentialKind: 'slack.user_session', providerId: userId });
    },
    injectRetriable: () => fake.inject(slackRoute('admin.users.session.reset'), slackFaults.serverError(503)),
    injectPermanent: () =>
      fake.inject(slackRoute('admin.users.session.reset'), slackFaults.error('cannot_reset_primary_owner')),
    plantedSecret: adminToken,
    revokeCallCount: () => fake.calls(slackRoute('admin.users.session.reset')),
    close: () => fake.close(),
  };
});

providerConformance('slack.user disable (SCIM DELETE /Users/{id})', async ({ logger }) => {
  const { fake, cfg, adminToken } = await world();
  let n = 0;
  return {
    provider: createSlackProvider(cfg, { logger }),
    makeLiveCredential: async () => {
      const userId = `USCIM${++n}`;
      fake.addUser(userId, TEAM);
      return taskOf({ action: 'disable', credentialKind: 'slack.user', providerId: userId });
    },
    injectRetriable: () => {
      fake.inject(SCIM_DELETE, slackFaults.rateLimited(3));
      return { retryAfterMs: 3_000 };
    },
    injectPermanent: () =>
      fake.inject(SCIM_DELETE, { reply: () => ({ status: 403, body: { detail: 'forbidden' } }) }),
    plantedSecret: adminToken,
    revokeCallCount: () => fake.calls(SCIM_DELETE),
    close: () => fake.close(),
  };
});

// --- actions ----------------------------------------------------------------------------------

describe('slack provider actions', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('treats invalid_auth, token_revoked and account_inactive from auth.revoke as already revoked', async () => {
    const unknown = taskOf({
      action: 'revoke',
      credentialKind: 'slack.user_token',
      secret: 'xoxp-1-2-neverissued',
    });
    const first = await w.provider.execute(unknown, signal());
    assert.deepEqual(first, { outcome: 'already_revoked', details: { error: 'invalid_auth' } });
    const token = w.fake.mintToken({ type: 'user' });
    w.fake.inject(slackRoute('auth.revoke'), slackFaults.error('account_inactive'));
    const inactive = await w.provider.execute(
      taskOf({ action: 'revoke', credentialKind: 'slack.user_token', secret: token }),
      signal(),
    );
    assert.equal(inactive.outcome, 'already_revoked');
  });

  it('an admin call whose own token is dead fails permanently, never as already revoked', async () => {
    const deadAdmin = w.fake.mintToken({ type: 'admin' });
    await w.provider.execute(
      taskOf({ action: 'revoke', credentialKind: 'slack.user_token', secret: deadAdmin }),
      signal(),
    );
    const provider = createSlackProvider({ ...w.cfg, adminToken: deadAdmin });
    w.fake.addUser('UVICTIM', TEAM, 2);
    const err = await rejects(
      provider.execute(
        taskOf({ action: 'revoke', credentialKind: 'slack.user_session', providerId: 'UVICTIM' }),
        signal(),
      ),
    );
    assert.equal(err.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(err.retriable, false);
    assert.equal(w.fake.user('UVICTIM')?.sessions, 2);
  });

  it('removes a person from a workspace; user_already_deleted is already revoked', async () => {
    w.fake.addUser('UGONE', TEAM);
    w.fake.addUser('UGONE', 'T0002');
    const task = taskOf({ action: 'revoke', credentialKind: 'slack.user', providerId: `${TEAM}:UGONE` });
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.deepEqual(w.fake.user('UGONE')?.teams, ['T0002']);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
    assert.equal((await w.provider.verify(task, signal())).liveness, 'unknown');
    const bare = createSlackProvider({ ...w.cfg, teamId: undefined });
    const noTeam = taskOf({ action: 'delete', credentialKind: 'slack.user', providerId: 'UGONE' });
    assert.equal((await rejects(bare.execute(noTeam, signal()))).code, 'PROVIDER_MISCONFIGURED');
  });

  it("userRemoval 'scim' deactivates instead, and the person's tokens die with the account", async () => {
    const provider = createSlackProvider({ ...w.cfg, userRemoval: 'scim' });
    w.fake.addUser('ULEAVER', TEAM);
    const token = w.fake.mintToken({ type: 'user', userId: 'ULEAVER' });
    const task = taskOf({ action: 'revoke', credentialKind: 'slack.user', providerId: 'ULEAVER' });
    assert.equal((await provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.user('ULEAVER')?.active, false);
    assert.equal(w.fake.isLive(token), false);
    assert.equal((await provider.verify(task, signal())).liveness, 'dead');
    const missing = taskOf({ action: 'disable', credentialKind: 'slack.user', providerId: 'UNOBODY' });
    assert.equal((await provider.execute(missing, signal())).outcome, 'already_revoked');
  });

  it('uninstalls its own app with the install token (apps.uninstall)', async () => {
    const token = w.fake.mintToken({ type: 'bot', appId: 'A0APP', teamId: 'T0003' });
    const task = taskOf({ action: 'revoke', credentialKind: 'slack.app_installation', secret: token });
    assert.equal(w.provider.needsSecret(task), true);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'alive');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.isInstalled('A0APP', 'T0003'), false);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');

    const wrongSecret = createSlackProvider({ ...w.cfg, app: { clientId: '111.222', clientSecret: 'nope' } });
    const other = taskOf({
      action: 'revoke',
      credentialKind: 'slack.app_installation',
      secret: w.fake.mintToken({ type: 'bot', appId: 'A0APP' }),
    });
    const err = await rejects(wrongSecret.execute(other, signal()));
    assert.equal(err.code, 'PROVIDER_REJECTED');
    assert.deepEqual(err.details, {
      error: 'bad_client_secret',
      requestId: (err.details as { requestId: string }).requestId,
    });
    const noApp = createSlackProvider({ ...w.cfg, app: undefined });
    assert.equal((await rejects(noApp.execute(other, signal()))).code, 'PROVIDER_MISCONFIGURED');
  });

  it('keeps the app client secret and tokens out of the SDK debug log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const provider = createSlackProvider(w.cfg, { logger: createLogger('trace', sink) });
    const token = w.fake.mintToken({ type: 'bot', appId: 'A0APP', teamId: 'T0009' });
    await provider.execute(
      taskOf({ action: 'revoke', credentialKind: 'slack.app_installation', secret: token }),
      signal(),
    );
    const log = lines.join('');
    assert.ok(log.includes('apps.uninstall'), 'the SDK debug lines were captured');
    for (const secret of ['app-client-secret-abcdef', token, w.adminToken]) assert.ok(!log.includes(secret));
  });

  it('uninstalls any app as admin (admin.apps.uninstall); app_not_found is already revoked', async () => {
    const token = w.fake.mintToken({ type: 'bot', appId: 'A0OTHER', teamId: 'T0004' });
    const task = taskOf({ action: 'delete', credentialKind: 'slack.app', providerId: 'T0004:A0OTHER' });
    assert.equal(w.provider.needsSecret(task), false);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.isInstalled('A0OTHER', 'T0004'), false);
    assert.equal(w.fake.isLive(token), false);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
    w.fake.mintToken({ type: 'bot', appId: 'A0ORG', teamId: 'T0005' });
    const org = createSlackProvider({ ...w.cfg, teamId: undefined, enterpriseId: 'E0001' });
    const orgTask = taskOf({ action: 'revoke', credentialKind: 'slack.app', providerId: 'A0ORG' });
    assert.equal((await org.execute(orgTask, signal())).outcome, 'revoked');
    assert.equal(w.fake.isInstalled('A0ORG', 'T0005'), false);
  });

  it('ok:false answers → permanent PROVIDER_REJECTED with the Slack error, except transient ones', async () => {
    w.fake.addUser('UOWNER', TEAM, 1);
    const task = taskOf({ action: 'revoke', credentialKind: 'slack.user_session', providerId: 'UOWNER' });
    w.fake.inject(slackRoute('admin.users.session.reset'), slackFaults.error('cannot_reset_primary_owner'));
    const rejected = await rejects(w.provider.execute(task, signal()));
    assert.equal(rejected.code, 'PROVIDER_REJECTED');
    assert.equal(rejected.retriable, false);
    assert.equal((rejected.details as { error: string }).error, 'cannot_reset_primary_owner');
    w.fake.inject(slackRoute('admin.users.session.reset'), slackFaults.error('internal_error'));
    const transient = await rejects(w.provider.execute(task, signal()));
    assert.equal(transient.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(transient.retriable, true);
  });
});

describe('slack error classification', () => {
  let w: Awaited<ReturnType<typeof world>>;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  const botTask = () =>
    taskOf({
      action: 'revoke',
      credentialKind: 'slack.bot_token',
      secret: w.fake.mintToken({ type: 'bot' }),
    });

  it('a 429 on one token pauses nothing else: one client per token', async () => {
    w.fake.inject(slackRoute('auth.revoke'), slackFaults.rateLimited(30));
    const started = Date.now();
    const [limited, other] = await Promise.allSettled([
      w.provider.execute(botTask(), signal()),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return w.provider.execute(botTask(), signal());
      })(),
    ]);
    assert.equal(limited.status, 'rejected');
    const err = limited.status === 'rejected' ? (limited.reason as TourniquetError) : undefined;
    assert.equal(err?.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err?.retryAfterMs, 30_000);
    assert.equal(other.status === 'fulfilled' && other.value.outcome, 'revoked');
    assert.ok(Date.now() - started < 5_000, 'nothing waited for the 30 s Retry-After');
  });

  it('a 429 without Retry-After is still a retriable rate limit', async () => {
    w.fake.inject(slackRoute('auth.revoke'), {
      reply: () => ({ status: 429, body: { ok: false, error: 'ratelimited' } }),
      offDescription: 'Slack documents Retry-After on every 429; the adapter must cope without one',
    });
    const err = await rejects(w.provider.execute(botTask(), signal()));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
    assert.equal(err.retryAfterMs, undefined);
  });

  it('5xx → retriable PROVIDER_UNAVAILABLE; a slow answer → PROVIDER_TIMEOUT; no server → PROVIDER_NETWORK', async () => {
    w.fake.inject(slackRoute('auth.revoke'), slackFaults.serverError(502));
    const unavailable = await rejects(w.provider.execute(botTask(), signal()));
    assert.equal(unavailable.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(unavailable.retriable, true);

    const impatient = createSlackProvider({ ...w.cfg, timeoutMs: 150 });
    w.fake.inject(slackRoute('auth.revoke'), slackFaults.slow(1_000));
    const slow = await rejects(impatient.execute(botTask(), signal()));
    assert.equal(slow.code, 'PROVIDER_TIMEOUT');
    assert.equal(slow.retriable, true);

    const gone = new FakeSlack();
    await gone.start();
    const url = gone.apiUrl;
    await gone.close();
    const offline = createSlackProvider({ ...w.cfg, slackApiUrl: url });
    const network = await rejects(offline.execute(botTask(), signal()));
    assert.equal(network.code, 'PROVIDER_NETWORK');
    assert.equal(network.retriable, true);
  });

  it('SCIM: 5xx retriable, 401 permanent', async () => {
    w.fake.addUser('USCIMERR', TEAM);
    const task = taskOf({ action: 'disable', credentialKind: 'slack.user', providerId: 'USCIMERR' });
    w.fake.inject(SCIM_DELETE, slackFaults.serverError(500));
    const err = await rejects(w.provider.execute(task, signal()));
    assert.equal(err.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(err.retriable, true);
    const badAdmin = createSlackProvider({ ...w.cfg, adminToken: 'xoxp-not-an-admin' });
    const denied = await rejects(badAdmin.execute(task, signal()));
    assert.equal(denied.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(denied.retriable, false);
  });

  it('rejects what it cannot do, and malformed tasks, with codes', async () => {
    const rotate = taskOf({ action: 'rotate', credentialKind: 'slack.bot_token', secret: 'xoxb-1' });
    assert.equal((await rejects(w.provider.execute(rotate, signal()))).code, 'PROVIDER_UNSUPPORTED');
    const noSecret = taskOf({ action: 'revoke', credentialKind: 'slack.bot_token' });
    assert.equal((await rejects(w.provider.execute(noSecret, signal()))).code, 'SECRET_UNAVAILABLE');
    const badId = taskOf({ action: 'revoke', credentialKind: 'slack.user_session', providerId: 'not an id' });
    assert.equal((await rejects(w.provider.execute(badId, signal()))).code, 'INVALID_INPUT');
    const noAdmin = createSlackProvider({ ...w.cfg, adminToken: undefined });
    const session = taskOf({ action: 'revoke', credentialKind: 'slack.user_session', providerId: 'U1' });
    assert.equal((await rejects(noAdmin.execute(session, signal()))).code, 'PROVIDER_MISCONFIGURED');
  });
});

describe('slack configuration', () => {
  it('parses with defaults and rejects unknown keys', () => {
    const cfg = SlackProviderConfig.parse({ type: 'slack', name: 'sl' });
    assert.equal(cfg.slackApiUrl, 'https://slack.com/api/');
    assert.equal(cfg.scimApiUrl, 'https://api.slack.com/scim/v2/');
    assert.equal(cfg.userRemoval, 'admin');
    assert.equal(SlackProviderConfig.safeParse({ type: 'slack', name: 'sl', token: 'x' }).success, false);
  });

  it('resolves { env } secrets at construction and fails fast when one is missing', () => {
    const cfg: SlackProviderConfigInput = { type: 'slack', name: 'sl', adminToken: { env: 'SLACK_ADMIN' } };
    assert.throws(
      () => createSlackProvider(cfg, { env: {} }),
      (e: unknown) => e instanceof TourniquetError && e.code === 'INVALID_CONFIG',
    );
    assert.equal(createSlackProvider(cfg, { env: { SLACK_ADMIN: 'xoxp-admin' } }).type, 'slack');
  });
});
