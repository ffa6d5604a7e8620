/**
 * The offboarding playbook at the identity providers, end to end: a leaver with accounts at Okta,
 * Microsoft Entra ID and Google Workspace (FAKES, test/fakes/{okta,entra,google}.ts) and a GitHub
 * org membership and fine-grained PAT (FAKE GitHub), from a real Okta event hook payload. Every
 * outcome is checked at the fakes: her sessions ended and her account closed at each IdP, sessions
 * before the account; her IdP accounts are closed before anything else of hers is touched: her
 * other tasks are a later phase of the plan, which runs once the identity-provider tasks are final.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeEntra } from '../fakes/entra.js';
import { FakeGithub } from '../fakes/github.js';
import { FakeGoogle } from '../fakes/google.js';
import { FakeOkta } from '../fakes/okta.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const OKTA_HOOK = await readFile(new URL('../fixtures/sources/okta.event-hook.json', import.meta.url));
const ADA = 'ada@acme.example';
const budget = { perSecond: 100, burst: 100, concurrency: 8 };

describe('offboarding playbook: a leaver at Okta, Entra ID and Google Workspace', () => {
  const okta = new FakeOkta();
  const entra = new FakeEntra();
  const google = new FakeGoogle();
  const github = new FakeGithub();
  const log = captureLogger('info');
  const githubWrites: { at: number; what: string }[] = [];
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const ids: Record<string, string> = {};

  before(async () => {
    await Promise.all([okta.start(), entra.start(), google.start(), github.start()]);
    dir = await tempDir();
    ids.okta = okta.addUser(ADA, { sessions: 3 });
    ids.entra = entra.addUser(ADA, 4);
    ids.google = google.addUser(ADA);
    github.addMember('acme', 'ada-gh');
    ids.patGrant = String(github.addPatGrant('acme', 'ada-gh'));
    // When GitHub saw each of her revocations (the fake answers every request through this hook).
    github.http.commonHeaders = (req) => {
      if (req.method !== 'GET')
        githubWrites.push({ at: performance.now(), what: `${req.method} ${req.path}` });
      return {};
    };
    const sa = google.addServiceAccount('acme-admin');
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [
          {
            type: 'okta',
            name: 'okta-main',
            orgUrl: okta.url,
            apiToken: okta.apiToken,
            propagationMs: 0,
            rateBudget: budget,
          },
          {
            type: 'entra',
            name: 'entra-main',
            tenantId: entra.tenantId,
            clientId: entra.clientId,
            clientSecret: entra.clientSecret,
            authorityUrl: entra.authorityUrl,
            graphUrl: entra.graphUrl,
            propagationMs: 0,
            rateBudget: budget,
          },
          {
            type: 'google_workspace',
            name: 'gws-main',
            serviceAccountKey: sa.keyJson,
            subject: 'admin@acme.example',
            tokenUrl: google.tokenUrl,
            directoryUrl: google.directoryUrl,
            propagationMs: 0,
            rateBudget: budget,
          },
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
            rateBudget: budget,
          },
        ],
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
            identities: { 'okta-main': ADA, 'entra-main': ADA, 'gws-main': ADA, 'github-main': 'ada-gh' },
          },
        ],
        credentials: [
          {
            id: 'ada-fine-pat',
            provider: 'github-main',
            kind: 'github.fine_grained_pat',
            providerId: `acme:${ids.patGrant}`,
            owner: ADA,
          },
        ],
      },
      'test',
    );
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime?.stop();
    await Promise.all([okta.close(), entra.close(), google.close(), github.close()]);
    await dir?.remove();
  });

  it('ends her sessions and closes her account at each IdP; her IdP tasks lead the plan and are released first', async (t) => {
    const ops = localOps(runtime.deps);
    const dry = (await ops.planSource('okta', OKTA_HOOK)).plans[0]!;
    const order = dry.tasks.map((x) => `${x.provider}:${x.credentialKind}`);
    // Her three IdP accounts lead the plan (among themselves in the stored identities' order).
    assert.deepEqual(order.slice(0, 3).sort(), [
      'entra-main:entra.user',
      'gws-main:google_workspace.user',
      'okta-main:okta.user',
    ]);
    assert.deepEqual(order.slice(3).sort(), [
      'github-main:github.fine_grained_pat',
      'github-main:github.org_member',
      'github-main:github.saml_authorizations',
    ]);

    const res = await ops.ingestSource('okta', OKTA_HOOK);
    const triggerId = res.accepted[0]!.id;
    const tasks = await waitFor(
      'every task succeeded',
      () => runtime.deps.store.listTasks({ triggerId }),
      (ts) => ts.length === order.length && ts.every((x) => x.status === 'succeeded'),
      30_000,
    );
    assert.deepEqual(
      tasks.filter((x) => x.provider !== 'github-main').map((x) => x.outcome),
      ['revoked', 'revoked', 'revoked'],
      'each IdP account was live and is now closed',
    );

    // At the fakes. Okta: sessions and OAuth tokens gone, grants revoked, deactivated.
    const o = okta.user(ids.okta!)!;
    assert.equal(o.sessions, 0);
    assert.equal(o.oauthTokens, 0);
    assert.deepEqual(o.grants, []);
    assert.equal(o.status, 'DEPROVISIONED');
    // Entra ID: sign-in sessions revoked, account disabled.
    assert.equal(entra.user(ids.entra!)?.sessions, 0);
    assert.equal(entra.user(ids.entra!)?.accountEnabled, false);
    // Google Workspace: signed out, tokens and app passwords deleted, suspended.
    const g = google.user(ids.google!)!;
    assert.equal(g.sessions, 0);
    assert.deepEqual([g.tokens, g.asps, g.suspended], [[], [], true]);
    // GitHub: the rest of hers.
    assert.equal(github.isMember('acme', 'ada-gh'), false);
    assert.equal(github.hasPatGrant('acme', Number(ids.patGrant)), false);

    // Sessions end before the account closes, at every IdP.
    for (const events of [okta.events, entra.events, google.events])
      assert.deepEqual(
        events.map((e) => e.what.split(':')[0]),
        ['sessions', events === okta.events ? 'deactivate' : events === entra.events ? 'disable' : 'suspend'],
      );
    // What the providers saw, in time order: every IdP account closed before GitHub heard of her.
    const closed = [okta.events, entra.events, google.events].map((events) =>
      Math.max(...events.map((e) => e.at)),
    );
    assert.ok(githubWrites.length > 0, 'her GitHub credentials were revoked');
    const firstOther = Math.min(...githubWrites.map((e) => e.at));
    for (const at of closed)
      assert.ok(at <= firstOther, 'an IdP account closed before her other credentials');
    const timeline = [
      ...okta.events.map((e) => ({ ...e, what: `okta ${e.what}` })),
      ...entra.events.map((e) => ({ ...e, what: `entra ${e.what}` })),
      ...google.events.map((e) => ({ ...e, what: `google ${e.what}` })),
      ...githubWrites.map((e) => ({ ...e, what: `github ${e.what}` })),
    ].sort((a, b) => a.at - b.at);
    t.diagnostic(timeline.map((e) => e.what).join(' → '));
  });
});
