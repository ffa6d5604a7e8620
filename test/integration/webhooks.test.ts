/**
 * Authenticated webhook intake over the real pipeline (fastify inject → durable log → plan →
 * provider): signatures, freshness, body limits, shapes, dedup, SSF push and Okta/SCIM specifics,
 * and a TruffleHog finding that ends as a revoked token at the (fake) GitHub.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeGithub } from '../fakes/github.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';
import { fixtureText } from '../unit/sources/fixtures.js';

const HOOK_SECRET = 'github-webhook-secret-for-tests';
const GG_TOKEN = 'gitguardian-signature-token-for-tests';
const BEARER = 'scanner-upload-token-for-tests';
const OKTA = 'okta-static-secret-for-tests';

describe('webhook intake', () => {
  let github: FakeGithub;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let app: ReturnType<typeof buildApp>;
  let signSet: (claims: Record<string, unknown>, iat?: number) => Promise<string>;
  let adminToken: string;
  const log = captureLogger();

  before(async () => {
    github = new FakeGithub();
    const baseUrl = await github.start();
    adminToken = github.mintToken({ prefix: 'ghp_', login: 'security-bot', admin: true });
    dir = await tempDir();
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    signSet = (claims, iat) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' })
        .setIssuedAt(iat)
        .sign(privateKey);
    const config = testConfig({
      dataDir: dir.path,
      providers: [
        {
          type: 'github',
          name: 'github-main',
          baseUrl,
          auth: { token: adminToken },
          propagationMs: 0,
          timeoutMs: 2000,
        },
      ],
      intake: {
        'github.secret_scanning_alert': { webhookSecret: HOOK_SECRET },
        gitguardian: { token: GG_TOKEN },
        okta: { secret: OKTA },
        ssf: {
          issuer: 'https://idp.acme.example/',
          audience: 'https://tourniquet.acme.example/ssf',
          jwks: { keys: [jwk] },
        },
        bearer: { trufflehog: BEARER, scim: BEARER },
      },
      http: { bodyLimitBytes: 256 * 1024 },
    });
    runtime = await createRuntime(config, { logger: log.logger });
    await runtime.startWorkers();
    app = buildApp({
      ops: localOps(runtime.deps),
      intake: config.intake,
      logger: log.logger,
      bodyLimitBytes: config.http.bodyLimitBytes,
      adminToken: 'admin',
      health: () => runtime.deps.bus.health(),
    });
  });
  after(async () => {
    await app.close();
    await runtime.stop();
    await github.close();
    await dir.remove();
  });

  const ghHeaders = (body: string, secret = HOOK_SECRET) => ({
    'content-type': 'application/json',
    'x-github-event': 'secret_scanning_alert',
    'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(body).digest('hex'),
  });

  it('GitHub secret_scanning_alert: 202 with a valid signature, 401 with a bad one, same trigger on redelivery; the secret is fetched from the alert and revoked', async () => {
    const leaked = github.mintToken({ prefix: 'ghp_' });
    github.addAlert('acme', 'payments', leaked, 42);
    const body = fixtureText('github-secret-scanning-alert.created.json');
    const bad = await app.inject({
      method: 'POST',
      url: '/hooks/github.secret_scanning_alert',
      headers: ghHeaders(body, 'wrong'),
      payload: body,
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error, 'INVALID_SIGNATURE');
    const first = await app.inject({
      method: 'POST',
      url: '/hooks/github.secret_scanning_alert',
      headers: ghHeaders(body),
      payload: body,
    });
    assert.equal(first.statusCode, 202, first.body);
    const again = await app.inject({
      method: 'POST',
      url: '/hooks/github.secret_scanning_alert',
      headers: ghHeaders(body),
      payload: body,
    });
    assert.equal(
      first.json().accepted[0].id,
      again.json().accepted[0].id,
      'a redelivered webhook is the same trigger',
    );
    await runtime.idle();
    const types = (await runtime.deps.store.listAudit({ triggerId: first.json().accepted[0].id })).map(
      (r) => r.type,
    );
    assert.deepEqual(types.filter((t) => t === 'trigger.accepted').length, 1);
    assert.ok(types.includes('trigger.duplicate'));
    await waitFor(
      'alert secret revoked',
      async () => github.isLive(leaked),
      (live) => !live,
      20_000,
    ).catch(async (e: unknown) => {
      const audit = await runtime.deps.store.listAudit({ triggerId: first.json().accepted[0].id });
      throw new Error(`audit: ${audit.map((r) => `${r.type}:${JSON.stringify(r.data)}`).join(' | ')}`, {
        cause: e,
      });
    });
    assert.ok(!log.text().includes(leaked));
  });

  it('400 lists the issues of a bad shape; 404 for an unconfigured source; 413 for an oversized body', async () => {
    const body = JSON.stringify({ action: 'created', alert: { number: 'not-a-number' } });
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/github.secret_scanning_alert',
      headers: ghHeaders(body),
      payload: body,
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'INVALID_INPUT');
    assert.ok(res.json().issues.issues.length > 0);
    assert.equal(
      (await app.inject({ method: 'POST', url: '/hooks/gitleaks', payload: '[]' })).statusCode,
      404,
    );
    const big = 'x'.repeat(300 * 1024);
    const huge = await app.inject({
      method: 'POST',
      url: '/hooks/trufflehog',
      headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/x-ndjson' },
      payload: big,
    });
    assert.equal(huge.statusCode, 413);
  });

  it('GitGuardian: a stale Timestamp is refused even with a valid signature', async () => {
    const body = fixtureText('gitguardian.incident-triggered.json');
    const sign = (ts: string) =>
      'sha256=' +
      createHmac('sha256', ts + GG_TOKEN)
        .update(body)
        .digest('hex');
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const old = await app.inject({
      method: 'POST',
      url: '/hooks/gitguardian',
      headers: { 'content-type': 'application/json', timestamp: stale, 'gitguardian-signature': sign(stale) },
      payload: body,
    });
    assert.equal(old.statusCode, 401);
    assert.equal(old.json().error, 'STALE_TIMESTAMP');
    const ts = String(Math.floor(Date.now() / 1000));
    const ok = await app.inject({
      method: 'POST',
      url: '/hooks/gitguardian',
      headers: { 'content-type': 'application/json', timestamp: ts, 'gitguardian-signature': sign(ts) },
      payload: body,
    });
    assert.equal(ok.statusCode, 202, ok.body);
  });

  it('TruffleHog finding → revoke by value at GitHub, verified dead; the raw token is never logged or audited', async () => {
    const token = github.mintToken({ prefix: 'ghp_' });
    const line = JSON.parse(fixtureText('trufflehog.jsonl').split('\n')[0]!) as Record<string, unknown>;
    const body = JSON.stringify({ ...line, Raw: token, RawV2: '' });
    const unauth = await app.inject({
      method: 'POST',
      url: '/hooks/trufflehog',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    assert.equal(unauth.statusCode, 401);
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/trufflehog',
      headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    assert.equal(res.statusCode, 202, res.body);
    const triggerId = res.json().accepted[0].id as string;
    const [task] = await waitFor(
      'task done',
      () => runtime.deps.store.listTasks({ triggerId }),
      (ts) => ts[0]?.status === 'succeeded',
      20_000,
    );
    assert.equal(task?.action, 'revoke_by_value');
    assert.equal(github.isLive(token), false, 'GitHub revoked it');
    const audit = JSON.stringify(await runtime.deps.store.listAudit({ triggerId }));
    assert.match(audit, /task\.verified/);
    assert.ok(!audit.includes(token) && !log.text().includes(token));
  });

  it('Okta: answers the one-time verification challenge only with the right header', async () => {
    const denied = await app.inject({
      method: 'GET',
      url: '/hooks/okta',
      headers: { 'x-okta-verification-challenge': 'abc' },
    });
    assert.equal(denied.statusCode, 401);
    const ok = await app.inject({
      method: 'GET',
      url: '/hooks/okta',
      headers: { authorization: OKTA, 'x-okta-verification-challenge': 'abc' },
    });
    assert.deepEqual(ok.json(), { verification: 'abc' });
    const body = fixtureText('okta.event-hook.json');
    const ev = await app.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: { authorization: OKTA, 'content-type': 'application/json' },
      payload: body,
    });
    assert.equal(ev.statusCode, 202, ev.body);
    assert.equal(ev.json().accepted[0].kind, 'offboarding');
  });

  it('SCIM: PATCH active=false deprovisions; a missing bearer token is refused', async () => {
    const body = JSON.stringify(
      (JSON.parse(fixtureText('scim.patch-deactivate.json')) as { body: unknown }).body,
    );
    assert.equal(
      (
        await app.inject({
          method: 'PATCH',
          url: '/hooks/scim/Users/u-123',
          headers: { 'content-type': 'application/scim+json' },
          payload: body,
        })
      ).statusCode,
      401,
    );
    const res = await app.inject({
      method: 'PATCH',
      url: '/hooks/scim/Users/u-123',
      headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/scim+json' },
      payload: body,
    });
    assert.equal(res.statusCode, 204, res.body);
  });

  it('SSF push (RFC 8935): 202 for a valid SET, 400 with an err code otherwise', async () => {
    const claims = JSON.parse(fixtureText('ssf.account-disabled.json')) as Record<string, unknown>;
    delete claims.iat;
    const set = await signSet(claims);
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/ssf',
      headers: { 'content-type': 'application/secevent+jwt' },
      payload: set,
    });
    assert.equal(res.statusCode, 202, res.body);
    const wrongAud = await signSet({ ...claims, aud: 'https://someone-else.example/' });
    const bad = await app.inject({
      method: 'POST',
      url: '/hooks/ssf',
      headers: { 'content-type': 'application/secevent+jwt' },
      payload: wrongAud,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().err, 'invalid_audience');
    const garbage = await app.inject({
      method: 'POST',
      url: '/hooks/ssf',
      headers: { 'content-type': 'application/secevent+jwt' },
      payload: 'not.a.jwt',
    });
    assert.equal(garbage.statusCode, 400);
    assert.ok(typeof garbage.json().err === 'string');
  });

  it('answers 404 for route names that are inherited object properties', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'bearer']) {
      const res = await app.inject({
        method: 'POST',
        url: `/hooks/${name}`,
        headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
        payload: '{}',
      });
      assert.equal(res.statusCode, 404, `${name}: ${res.body}`);
      assert.equal(res.json().error, 'UNKNOWN_SOURCE');
    }
  });

  it('SSF push refuses a SET issued ten years ago (default max age 7 days)', async () => {
    const claims = JSON.parse(fixtureText('ssf.account-disabled.json')) as Record<string, unknown>;
    delete claims.iat;
    const tenYears = Math.floor(Date.now() / 1000) - 10 * 365 * 24 * 3600;
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/ssf',
      headers: { 'content-type': 'application/secevent+jwt' },
      payload: await signSet(claims, tenYears),
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().description, 'STALE_TIMESTAMP');
    assert.equal(typeof res.json().err, 'string');
  });
});
