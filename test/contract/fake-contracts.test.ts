/**
 * The FAKE GitHub and Slack servers hold to the providers' published API descriptions
 * (test/fakes/github-openapi.ts, slack-contract.ts): a wrong request — unknown path or method, wrong
 * HTTP verb, missing required argument, undocumented argument — and a reply of the wrong shape are
 * answered 500 and recorded, never passed to the handler; a recorded breach fails close() and, if
 * that failure is swallowed, the test process's exit code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeGithub, ROUTES } from '../fakes/github.js';
import { githubContract } from '../fakes/github-openapi.js';
import { FakeHttpServer } from '../fakes/http-fake.js';
import { slackContract } from '../fakes/slack-contract.js';
import { FakeSlack, slackFaults, slackRoute } from '../fakes/slack.js';

interface Answer {
  status: number;
  body: { fake_contract_violation?: { kind: string; problems: string[] } };
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
}
const json = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `token ${token}` } : {}) },
  body: JSON.stringify(body),
});
const form = (args: Record<string, string>, token: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
  body: new URLSearchParams(args).toString(),
});

/** The request was refused as a breach of `kind`, and exactly one breach was recorded. */
function refused(answer: Answer, fake: FakeHttpServer, kind: 'request' | 'response'): void {
  assert.equal(answer.status, 500);
  assert.equal(answer.body.fake_contract_violation?.kind, kind);
  const seen = fake.takeViolations();
  assert.equal(seen.length, 1, JSON.stringify(seen));
  assert.equal(seen[0]?.kind, kind);
  assert.ok((seen[0]?.problems.length ?? 0) > 0);
}

describe('fake GitHub against GitHub OpenAPI description', () => {
  let gh: FakeGithub;
  let base: string;
  let admin: string;
  before(async () => {
    gh = new FakeGithub();
    base = await gh.start();
    admin = gh.mintToken({ admin: true });
  });
  after(() => gh.close());

  it('refuses an unknown path and a verb the path does not have', async () => {
    refused(await send(`${base}/repos/acme/api/not-an-endpoint`), gh.http, 'request');
    refused(await send(`${base}/user/keys/1`, { method: 'PUT' }), gh.http, 'request');
  });

  it('refuses a missing required body parameter before the handler sees it', async () => {
    const before = gh.calls(ROUTES.revoke);
    refused(await send(`${base}/credentials/revoke`, json('POST', {})), gh.http, 'request');
    refused(await send(`${base}/credentials/revoke`, { method: 'POST' }), gh.http, 'request');
    // pat_ids belongs to the bulk endpoint (POST /orgs/{org}/personal-access-tokens), not the single one.
    const app = gh.mintToken({ prefix: 'ghs_' });
    const single = `${base}/orgs/acme/personal-access-tokens/${gh.addPatGrant('acme', 'mona')}`;
    refused(await send(single, json('POST', { action: 'revoke', pat_ids: [1] }, app)), gh.http, 'request');
    assert.equal(gh.calls(ROUTES.revoke), before);
  });

  it('refuses path and query parameters of the wrong type, and undocumented ones', async () => {
    const auth = { headers: { authorization: `token ${admin}` } };
    refused(await send(`${base}/repos/acme/api/keys/not-a-number`, auth), gh.http, 'request');
    refused(await send(`${base}/orgs/acme/outside_collaborators?per_page=ten`, auth), gh.http, 'request');
    refused(await send(`${base}/orgs/acme/outside_collaborators?bogus=1`, auth), gh.http, 'request');
    // The same calls, well formed, pass.
    const ok = await send(`${base}/orgs/acme/outside_collaborators?per_page=10`, auth);
    assert.equal(ok.status, 200);
    assert.deepEqual(gh.http.takeViolations(), []);
  });

  it('catches a reply of the wrong shape, and a status the operation does not have', async () => {
    const auth = { headers: { authorization: `token ${admin}` } };
    const id = gh.addDeployKey('acme', 'api');
    gh.inject(ROUTES.deployKeyGet, { reply: () => ({ status: 200, body: { id: 'one', title: 7 } }) });
    refused(await send(`${base}/repos/acme/api/keys/${id}`, auth), gh.http, 'response');
    gh.inject(ROUTES.deployKeyDelete, { reply: () => ({ status: 200, body: { deleted: true } }) });
    refused(
      await send(`${base}/repos/acme/api/keys/${id}`, { ...auth, method: 'DELETE' }),
      gh.http,
      'response',
    );
    gh.inject(ROUTES.deployKeyDelete, { reply: () => ({ status: 404, body: { message: 404 } }) });
    refused(
      await send(`${base}/repos/acme/api/keys/${id}`, { ...auth, method: 'DELETE' }),
      gh.http,
      'response',
    );
    // The fake's own answer to the same request holds to the description.
    assert.equal((await send(`${base}/repos/acme/api/keys/${id}`, auth)).status, 200);
    assert.deepEqual(gh.http.takeViolations(), []);
  });

  it('holds the list routes the discoverer reads to the description, paged and refused', async () => {
    const auth = { headers: { authorization: `token ${admin}` } };
    for (let i = 0; i < 3; i++) gh.addMember('lists', `member-${i}`, 'active', i === 0 ? 'admin' : 'member');
    gh.addOutsideCollaborator('lists', 'outsider');
    gh.addSamlAuthorization('lists', 'member-1');
    gh.addSamlAuthorization('lists', 'member-1', { type: 'SSH key' });
    gh.addDeployKey('lists', 'api', {
      readOnly: false,
      lastUsed: '2025-02-01T00:00:00Z',
      addedBy: 'member-1',
    });
    gh.addDeployKey('lists', 'api');
    const app = gh.mintToken({ prefix: 'ghs_' });
    gh.addPatGrant('lists', 'member-2', {
      expiresAt: '2031-01-01T00:00:00Z',
      lastUsedAt: '2025-01-02T00:00:00Z',
    });
    const pages = [
      `${base}/orgs/lists/members?role=admin&per_page=100`,
      `${base}/orgs/lists/members?per_page=2`,
      `${base}/orgs/lists/outside_collaborators?per_page=100`,
      `${base}/orgs/lists/credential-authorizations?per_page=1`,
      `${base}/orgs/lists/repos?type=all&per_page=100`,
      `${base}/repos/lists/api/keys?per_page=1`,
    ];
    for (const url of pages) {
      const res = await fetch(url, auth);
      assert.equal(res.status, 200, url);
      // The next page, as GitHub links it, holds to the description too.
      const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      if (next) assert.equal((await fetch(next, auth)).status, 200, next);
    }
    const grants = await fetch(`${base}/orgs/lists/personal-access-tokens?per_page=100`, {
      headers: { authorization: `token ${app}` },
    });
    assert.equal(grants.status, 200);
    // Refusals GitHub gives: a classic token without admin:org; a PAT where an App token is needed.
    const scoped = gh.mintToken({ admin: true, scopes: ['read:org'] });
    const sso = await fetch(`${base}/orgs/lists/credential-authorizations`, {
      headers: { authorization: `token ${scoped}` },
    });
    assert.equal(sso.status, 403);
    assert.equal(sso.headers.get('x-accepted-oauth-scopes'), 'admin:org');
    assert.equal((await fetch(`${base}/orgs/lists/personal-access-tokens`, auth)).status, 403);
    assert.deepEqual(gh.http.takeViolations(), []);
    // A role the description does not have is refused before the handler.
    refused(await send(`${base}/orgs/lists/members?role=owner`, auth), gh.http, 'request');
  });

  it('will not register a route the description does not have', () => {
    const server = new FakeHttpServer('github', githubContract());
    assert.throws(() => server.route('GET /repos/{owner}/{repo}/nope', () => ({ status: 200 })));
    assert.throws(() => server.route('PUT /user/keys/{key_id}', () => ({ status: 200 })));
  });
});

describe('fake Slack against Slack published method definitions', () => {
  let slack: FakeSlack;
  let admin: string;
  before(async () => {
    slack = new FakeSlack();
    await slack.start();
    admin = slack.mintToken({ type: 'admin' });
  });
  after(() => slack.close());

  it('refuses an unknown method, a wrong HTTP verb and a path outside the API', async () => {
    refused(await send(`${slack.apiUrl}auth.revokeEverything`, form({}, admin)), slack.http, 'request');
    refused(
      await send(`${slack.apiUrl}auth.test`, { headers: { authorization: `Bearer ${admin}` } }),
      slack.http,
      'request',
    );
    refused(await send(`${slack.http.baseUrl}/v2/users`, form({}, admin)), slack.http, 'request');
  });

  it('refuses a missing required argument before the handler sees it', async () => {
    slack.addUser('UGONE', 'T0001');
    const before = slack.calls(slackRoute('admin.users.remove'));
    refused(
      await send(`${slack.apiUrl}admin.users.remove`, form({ user_id: 'UGONE' }, admin)),
      slack.http,
      'request',
    );
    assert.equal(slack.calls(slackRoute('admin.users.remove')), before);
    assert.equal(slack.user('UGONE')?.teams.includes('T0001'), true);
  });

  it('refuses argument groups broken and arguments the method does not document', async () => {
    const uninstall = `${slack.apiUrl}admin.apps.uninstall`;
    // Exactly one of enterprise_id / team_ids: neither, then both.
    refused(await send(uninstall, form({ app_id: 'A1' }, admin)), slack.http, 'request');
    refused(
      await send(uninstall, form({ app_id: 'A1', team_ids: 'T1', enterprise_id: 'E1' }, admin)),
      slack.http,
      'request',
    );
    // `team_id` is the SDK type's spelling; Slack's method page documents `team_ids`.
    refused(await send(uninstall, form({ app_id: 'A1', team_id: 'T1' }, admin)), slack.http, 'request');
    // Both or neither of team_id / user_id.
    refused(
      await send(`${slack.apiUrl}admin.users.session.list`, form({ user_id: 'U1' }, admin)),
      slack.http,
      'request',
    );
  });

  it('catches an error name the method does not document, and a success without its fields', async () => {
    const bot = slack.mintToken({ type: 'bot' });
    slack.inject(slackRoute('auth.revoke'), slackFaults.error('token_is_kaput'));
    refused(await send(`${slack.apiUrl}auth.revoke`, form({}, bot)), slack.http, 'response');
    slack.inject(slackRoute('auth.test'), { reply: () => ({ status: 200, body: { ok: true } }) });
    refused(await send(`${slack.apiUrl}auth.test`, form({}, bot)), slack.http, 'response');
    slack.inject(slackRoute('auth.test'), { reply: () => ({ status: 403, body: { ok: false } }) });
    refused(await send(`${slack.apiUrl}auth.test`, form({}, bot)), slack.http, 'response');
    // The fake's own answer holds to the definitions.
    assert.equal((await send(`${slack.apiUrl}auth.test`, form({}, bot))).status, 200);
    assert.deepEqual(slack.http.takeViolations(), []);
  });

  it('lists users.list and admin.apps.approved.list page by page, as Slack pages them', async () => {
    slack.addUser('ULIST1', 'T0001', 0, 'one@example.com');
    slack.addUser('ULIST2', 'T0001', 0);
    slack.approveApp({ appId: 'A0LIST', name: 'list', scopes: [], dateUpdated: 1, teamId: 'T0001' });
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await fetch(
        `${slack.apiUrl}users.list`,
        form({ limit: '1', ...(cursor ? { cursor } : {}) }, admin),
      );
      const body = (await res.json()) as {
        ok: boolean;
        members: { id: string; profile: { email?: string } }[];
        response_metadata: { next_cursor: string };
      };
      assert.equal(body.ok, true);
      assert.equal(body.members.length, 1);
      seen.push(...body.members.map((m) => m.id));
      cursor = body.response_metadata.next_cursor;
      if (cursor === '') break;
    }
    assert.ok(seen.includes('ULIST1') && seen.includes('ULIST2'));
    assert.equal(new Set(seen).size, seen.length);
    const apps = await fetch(`${slack.apiUrl}admin.apps.approved.list`, form({ team_id: 'T0001' }, admin));
    const listed = (await apps.json()) as { approved_apps: { app: { id: string } }[] };
    assert.deepEqual(
      listed.approved_apps.map((a) => a.app.id),
      ['A0LIST'],
    );
    assert.deepEqual(slack.http.takeViolations(), []);
  });

  it('answers the listing errors Slack documents: a missing scope, a bad cursor, a wrong token type', async () => {
    const call = async (method: string, args: Record<string, string>, token: string) =>
      (await (await fetch(`${slack.apiUrl}${method}`, form(args, token))).json()) as {
        error?: string;
        needed?: string;
      };
    const scoped = slack.mintToken({ type: 'admin', scopes: ['users:read'] });
    const noScope = await call('admin.apps.approved.list', { team_id: 'T0001' }, scoped);
    assert.equal(noScope.error, 'missing_scope');
    assert.equal(noScope.needed, 'admin.apps:read');
    assert.equal((await call('users.list', { cursor: 'bm9wZQ==' }, admin)).error, 'invalid_cursor');
    const bot = slack.mintToken({ type: 'bot' });
    assert.equal(
      (await call('admin.apps.approved.list', { team_id: 'T0001' }, bot)).error,
      'not_allowed_token_type',
    );
    assert.deepEqual(slack.http.takeViolations(), []);
  });

  it('refuses a listing call with both a workspace and an org, or an undocumented argument', async () => {
    refused(
      await send(
        `${slack.apiUrl}admin.apps.approved.list`,
        form({ team_id: 'T1', enterprise_id: 'E1' }, admin),
      ),
      slack.http,
      'request',
    );
    refused(
      await send(`${slack.apiUrl}users.list`, form({ presence: 'true' }, admin)),
      slack.http,
      'request',
    );
  });

  it('will not register a method Slack does not have', () => {
    const server = new FakeHttpServer('slack', slackContract());
    assert.throws(() => server.route(slackRoute('auth.nope'), () => ({ status: 200 })));
    assert.throws(() => server.route('DELETE /scim/v2/Groupz/{id}', () => ({ status: 204 })));
  });
});

describe('a breach cannot go unnoticed', () => {
  it('close() fails with the breaches nobody collected', async () => {
    const gh = new FakeGithub();
    const base = await gh.start();
    await send(`${base}/no/such/endpoint`);
    await assert.rejects(gh.close(), { code: 'ERR_ASSERTION' });
    // Collected now, so they do not also fail this test process at exit (the next test shows that).
    assert.equal(gh.http.takeViolations().length, 1);
  });

  it('a swallowed close() failure still fails the test process', () => {
    const fakes = fileURLToPath(new URL('../fakes/', import.meta.url));
    const script = `
      const { FakeSlack } = await import(${JSON.stringify(`${fakes}slack.ts`)});
      const slack = new FakeSlack();
      await slack.start();
      await fetch(slack.apiUrl + 'auth.nope', { method: 'POST' });
      await slack.close().catch(() => undefined);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 1, child.stderr);
    // The same script without the breach exits 0.
    const clean = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script.replace("'auth.nope'", "'auth.test'")],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(clean.status, 0, clean.stderr);
  });
});
