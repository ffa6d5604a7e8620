/**
 * When the pipeline checks liveness before acting, against a real OAuth server that counts calls:
 * a first attempt goes straight to the revocation (two calls per revocation, not three); a retry
 * after a call that may have reached the provider checks first and records `already_revoked`
 * instead of revoking again; `precheck: true` also checks first attempts; a proof check refused
 * with 429 is asked again rather than leaving the revocation unverified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import {
  captureLogger,
  leakOAuthToken,
  oauthProviderConfig,
  tempDir,
  testConfig,
} from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

describe('liveness checks before acting', () => {
  let plain: OAuthServer;
  let checked: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger();

  before(async () => {
    plain = await startOAuthServer();
    checked = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [
          { ...oauthProviderConfig(plain, 'oauth-plain'), propagationMs: 0 },
          { ...oauthProviderConfig(checked, 'oauth-checked'), propagationMs: 0, precheck: true },
        ],
        retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300, maxAttempts: 10 },
      }),
      { logger: log.logger },
    );
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime.stop();
    await plain.close();
    await checked.close();
    await dir.remove();
  });

  const leak = (server: OAuthServer, provider: string, id: string, token?: string) =>
    leakOAuthToken(runtime, server, provider, id, token);
  const finished = (triggerId: string) =>
    waitFor(
      'task finished',
      async () => (await runtime.deps.store.listTasks({ triggerId }))[0],
      (t) => t?.status === 'succeeded' || t?.status === 'dead_lettered' || t?.status === 'failed',
      20_000,
    );

  it('a first attempt revokes without asking first: one revocation, one introspection (the proof)', async () => {
    const r0 = plain.revocationCalls();
    const i0 = plain.introspectionCalls();
    const l = await leak(plain, 'oauth-plain', 'first-1');
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'revoked');
    assert.equal(plain.revocationCalls() - r0, 1);
    assert.equal(plain.introspectionCalls() - i0, 1);
    assert.equal(await plain.introspect(l.token), false);
  });

  it('a retry after a failure that hid a revocation checks first and does not revoke again', async () => {
    plain.failAfterRevoking(1, 503);
    const r0 = plain.revocationCalls();
    const l = await leak(plain, 'oauth-plain', 'hidden-1');
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'already_revoked');
    assert.equal(plain.revocationCalls() - r0, 1, 'the retry did not call the revocation endpoint');
    const audit = await runtime.deps.store.listAudit({ triggerId: l.triggerId });
    const retry = audit.find((r) => r.type === 'task.retry_scheduled');
    assert.equal(retry?.data.code, 'PROVIDER_UNAVAILABLE', 'the first attempt saw the failure');
    const verified = audit.find((r) => r.type === 'task.verified');
    assert.equal(verified?.data.after, 'earlier attempt');
  });

  it('a retry whose check gets no answer asks again later instead of revoking blind', async () => {
    // The first call revoked but was answered 503; the retry's check is answered 503 too. Acting
    // then would revoke a second time (seen under load, when checks timed out after a SIGKILL).
    // A first attempt does not check, so the first introspection is the retry's.
    plain.failAfterRevoking(1, 503);
    plain.failNextIntrospections(1, 503);
    const r0 = plain.revocationCalls();
    const l = await leak(plain, 'oauth-plain', 'unanswered-1');
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'already_revoked');
    assert.equal(plain.revocationCalls() - r0, 1, 'revoked once: the unanswered check did not act');
    const retries = (await runtime.deps.store.listAudit({ triggerId: l.triggerId })).filter(
      (r) => r.type === 'task.retry_scheduled',
    );
    assert.deepEqual(
      retries.map((r) => r.data.code),
      ['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE'],
      'the unanswered check is recorded as a retriable failure',
    );
  });

  it('a retry after a failure that did not revoke checks, finds it alive, and revokes', async () => {
    plain.failNextRevocations(1, 503);
    const r0 = plain.revocationCalls();
    const l = await leak(plain, 'oauth-plain', 'refused-1');
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'revoked');
    assert.equal(plain.revocationCalls() - r0, 2);
    assert.equal(await plain.introspect(l.token), false);
  });

  it('a proof check answered 429 is asked again after Retry-After, and the task ends verified', async () => {
    const r0 = plain.revocationCalls();
    const i0 = plain.introspectionCalls();
    plain.failNextIntrospections(1, 429, '1');
    const l = await leak(plain, 'oauth-plain', 'slow-proof-1');
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'revoked');
    assert.ok(task?.verifiedAt, 'proven dead, not "unverified"');
    assert.equal(plain.revocationCalls() - r0, 1);
    assert.equal(plain.introspectionCalls() - i0, 2, 'the refused check, then the proof');
    const verified = (await runtime.deps.store.listAudit({ triggerId: l.triggerId })).find(
      (r) => r.type === 'task.verified',
    );
    assert.equal(verified?.data.checks, 2);
  });

  it('precheck: true also checks first attempts: a token already dead is not revoked again', async () => {
    const token = await checked.mint();
    const direct = await fetch(checked.revocationEndpoint, {
      method: 'POST',
      headers: {
        authorization:
          'Basic ' + Buffer.from(`${checked.client.id}:${checked.client.secret}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    assert.equal(direct.status, 200);
    const r0 = checked.revocationCalls();
    const l = await leak(checked, 'oauth-checked', 'dead-1', token);
    const task = await finished(l.triggerId);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'already_revoked');
    assert.equal(checked.revocationCalls() - r0, 0);

    const i0 = checked.introspectionCalls();
    const alive = await leak(checked, 'oauth-checked', 'alive-1');
    const t2 = await finished(alive.triggerId);
    assert.equal(t2?.outcome, 'revoked');
    assert.equal(checked.introspectionCalls() - i0, 2, 'one check before, one proof after');
  });
});
