/**
 * Contract tests of the GitHub provider: the real Octokit client over real HTTP against the FAKE
 * GitHub in test/fakes/github.ts. The conformance suite runs for four endpoint families; then each
 * action. Classification, batching limits and configuration: github-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createGithubProvider } from '../../src/providers/github.js';
import { githubFaults, ROUTES } from '../fakes/github.js';
import { rejects, signal, taskOf, world, type GithubWorld } from './github-world.js';
import { providerConformance } from './provider-suite.js';

// --- conformance ------------------------------------------------------------------------------

providerConformance('github revoke_by_value (POST /credentials/revoke)', async ({ logger }) => {
  const { fake, cfg, adminToken } = await world();
  return {
    provider: createGithubProvider(cfg, { logger }),
    makeLiveCredential: async () =>
      taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic', secret: fake.mintToken() }),
    injectRetriable: () => {
      fake.inject(ROUTES.revoke, githubFaults.tooManyRequests(30));
      return { retryAfterMs: 30_000 };
    },
    // GitHub's 422 validation answer, echoing the request body (the token) into the message.
    injectPermanent: () => fake.inject(ROUTES.revoke, githubFaults.echoingValidationError()),
    plantedSecret: adminToken,
    revokeCallCount: () => fake.calls(ROUTES.revoke),
    close: () => fake.close(),
  };
});

providerConformance('github installation token (DELETE /installation/token)', async ({ logger }) => {
  const { fake, cfg, adminToken } = await world();
  return {
    provider: createGithubProvider(cfg, { logger }),
    makeLiveCredential: async () =>
      taskOf({
        action: 'revoke',
        credentialKind: 'github.installation_token',
        secret: fake.mintToken({ prefix: 'ghs_' }),
      }),
    injectRetriable: () => fake.inject(ROUTES.installationRevoke, githubFaults.serverError(502)),
    injectPermanent: () => fake.inject(ROUTES.installationRevoke, githubFaults.status(403, 'Forbidden')),
    plantedSecret: adminToken,
    revokeCallCount: () => fake.calls(ROUTES.installationRevoke),
    close: () => fake.close(),
  };
});

providerConformance('github deploy key (DELETE /repos/{owner}/{repo}/keys/{key_id})', async ({ logger }) => {
  const { fake, cfg, adminToken } = await world();
  return {
    provider: createGithubProvider(cfg, { logger }),
    makeLiveCredential: async () =>
      taskOf({
        action: 'delete',
        credentialKind: 'github.deploy_key',
        providerId: `acme/api:${fake.addDeployKey('acme', 'api')}`,
      }),
    injectRetriable: () => {
      fake.inject(ROUTES.deployKeyDelete, githubFaults.secondaryLimit(7));
      return { retryAfterMs: 7_000 };
    },
    injectPermanent: () =>
      fake.inject(ROUTES.deployKeyDelete, githubFaults.status(403, 'Must have admin rights')),
    plantedSecret: adminToken,
    revokeCallCount: () => fake.calls(ROUTES.deployKeyDelete),
    close: () => fake.close(),
  };
});

providerConformance('github OAuth token (DELETE /applications/{client_id}/token)', async ({ logger }) => {
  const { fake, cfg } = await world();
  return {
    provider: createGithubProvider(cfg, { logger }),
    makeLiveCredential: async () =>
      taskOf({
        action: 'revoke',
        credentialKind: 'github.oauth_token',
        secret: fake.mintToken({ prefix: 'gho_', clientId: 'Iv1.fakeclient' }),
      }),
    injectRetriable: () => {
      const reset = Math.floor(Date.now() / 1000) + 120;
      fake.inject(ROUTES.oauthDeleteToken, githubFaults.primaryLimit(reset));
      return { retryAfterMs: reset * 1000 - Date.now() + 1000 };
    },
    injectPermanent: () => fake.inject(ROUTES.oauthDeleteToken, githubFaults.echoingValidationError()),
    plantedSecret: 'fake-client-secret-0123456789',
    revokeCallCount: () => fake.calls(ROUTES.oauthDeleteToken),
    close: () => fake.close(),
  };
});

// --- actions ----------------------------------------------------------------------------------

describe('github provider actions', () => {
  let w: GithubWorld;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  it('revoke_by_value: a dead token is already_revoked without calling /credentials/revoke', async () => {
    const token = w.fake.mintToken({ prefix: 'github_pat_' });
    const task = taskOf({
      action: 'revoke_by_value',
      credentialKind: 'github.fine_grained_pat',
      secret: token,
    });
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.isLive(token), false);
    const calls = w.fake.calls(ROUTES.revoke);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
    assert.equal(w.fake.calls(ROUTES.revoke), calls);
  });

  it('revoke_by_value of a refresh token cannot be probed: revoked each time, verify unknown', async () => {
    const task = taskOf({
      action: 'revoke_by_value',
      credentialKind: 'github.refresh_token',
      secret: w.fake.mintToken({ prefix: 'ghr_' }),
    });
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal((await w.provider.verify(task, signal())).liveness, 'unknown');
  });

  it('revokes a batch of leaked tokens in one request', async () => {
    const tokens = [
      w.fake.mintToken(),
      w.fake.mintToken({ prefix: 'gho_' }),
      w.fake.mintToken({ prefix: 'ghu_' }),
    ];
    const kinds = ['github.pat_classic', 'github.oauth_token', 'github.user_to_server_token'];
    const tasks = tokens.map((secret, i) =>
      taskOf({ action: 'revoke_by_value', credentialKind: kinds[i] ?? '', secret }),
    );
    const calls = w.fake.calls(ROUTES.revoke);
    const results = await w.provider.revokeByValueBatch(tasks, signal());
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['revoked', 'revoked', 'revoked'],
    );
    assert.equal(w.fake.calls(ROUTES.revoke), calls + 1);
    for (const token of tokens) assert.equal(w.fake.isLive(token), false);
    assert.deepEqual(await w.provider.revokeByValueBatch([], signal()), []);
  });

  it('refuses batches GitHub would refuse, before calling it', async () => {
    const many = Array.from({ length: 1001 }, () =>
      taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic', secret: 'ghp_x' }),
    );
    assert.equal((await rejects(w.provider.revokeByValueBatch(many, signal()))).code, 'INVALID_INPUT');
    const ghs = taskOf({
      action: 'revoke_by_value',
      credentialKind: 'github.installation_token',
      secret: 'ghs_x',
    });
    assert.equal(
      (await rejects(w.provider.revokeByValueBatch([ghs], signal()))).code,
      'PROVIDER_UNSUPPORTED',
    );
    const noSecret = taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic' });
    assert.equal(
      (await rejects(w.provider.revokeByValueBatch([noSecret], signal()))).code,
      'SECRET_UNAVAILABLE',
    );
  });

  it('declares the /credentials/revoke limits: 1000 per request, 60 requests an hour', () => {
    assert.equal(w.provider.capabilities.maxBatch, 1000);
    assert.equal(w.provider.revokeByValueLimits.maxBatch, 1000);
    assert.equal(Math.round(w.provider.revokeByValueLimits.rateBudget.perSecond * 3600), 60);
  });

  it('maps 422 on /credentials/revoke to a permanent PROVIDER_REJECTED that does not carry the token', async () => {
    const token = w.fake.mintToken();
    w.fake.inject(ROUTES.revoke, githubFaults.echoingValidationError());
    const err = await rejects(
      w.provider.execute(
        taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic', secret: token }),
        signal(),
      ),
    );
    assert.equal(err.code, 'PROVIDER_REJECTED');
    assert.equal(err.retriable, false);
    assert.equal((err.details as { status: number }).status, 422);
    assert.ok(!inspect(err, { depth: Infinity, showHidden: true }).includes(token));
    assert.equal(err.cause, undefined);
  });

  it('removes an org member (and a pending invitation), then verifies', async () => {
    w.fake.addMember('acme', 'mona');
    w.fake.addMember('acme', 'hubot', 'pending');
    for (const login of ['mona', 'hubot']) {
      const task = taskOf({
        action: 'revoke',
        credentialKind: 'github.org_member',
        providerId: `acme:${login}`,
      });
      assert.equal((await w.provider.verify(task, signal())).liveness, 'alive');
      assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
      assert.equal(w.fake.isMember('acme', login), false);
      assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
      assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
    }
  });

  it('removes an outside collaborator, verifying across pages; 422 for a member is permanent', async () => {
    for (let i = 0; i < 130; i++) w.fake.addOutsideCollaborator('acme', `contractor${i}`);
    const task = taskOf({
      action: 'delete',
      credentialKind: 'github.outside_collaborator',
      providerId: 'acme:contractor120',
    });
    assert.equal((await w.provider.verify(task, signal())).liveness, 'alive', 'found on page 2');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
    w.fake.addMember('acme', 'insider');
    const member = taskOf({
      action: 'delete',
      credentialKind: 'github.outside_collaborator',
      providerId: 'acme:insider',
    });
    const err = await rejects(w.provider.execute(member, signal()));
    assert.equal(err.code, 'PROVIDER_REJECTED');
    assert.equal(err.retriable, false);
  });

  it("revokes a fine-grained PAT's org access with the App token; a PAT may not", async () => {
    const patId = w.fake.addPatGrant('acme', 'mona');
    const task = taskOf({
      action: 'revoke',
      credentialKind: 'github.fine_grained_pat',
      providerId: `acme:${patId}`,
    });
    assert.equal(w.provider.needsSecret(task), false);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'alive');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.hasPatGrant('acme', patId), false);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');

    const withPat = createGithubProvider({ ...w.cfg, auth: { ...w.cfg.auth, appToken: w.adminToken } });
    const other = taskOf({
      action: 'revoke',
      credentialKind: 'github.fine_grained_pat',
      providerId: `acme:${w.fake.addPatGrant('acme', 'x')}`,
    });
    assert.equal((await rejects(withPat.execute(other, signal()))).code, 'PROVIDER_FORBIDDEN');
  });

  it('deletes a whole OAuth grant: every token of it dies', async () => {
    const first = w.fake.mintToken({ prefix: 'gho_', clientId: 'Iv1.fakeclient', login: 'lisa' });
    const second = w.fake.mintToken({ prefix: 'gho_', clientId: 'Iv1.fakeclient', login: 'lisa' });
    const task = taskOf({ action: 'revoke', credentialKind: 'github.oauth_grant', secret: first });
    assert.equal(w.provider.needsSecret(task), true);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.isLive(second), false);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
  });

  it('removes a SAML SSO credential authorization', async () => {
    const id = w.fake.addSamlAuthorization('acme', 'mona');
    const task = taskOf({
      action: 'revoke',
      credentialKind: 'github.saml_authorization',
      providerId: `acme:${id}`,
    });
    assert.equal((await w.provider.verify(task, signal())).liveness, 'alive');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.hasSamlAuthorization('acme', id), false);
    assert.equal((await w.provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
  });

  it("deletes a user's SSH key with the user's own token", async () => {
    const userToken = w.fake.mintToken({ login: 'mona' });
    const provider = createGithubProvider({ ...w.cfg, auth: { ...w.cfg.auth, userToken } });
    const id = w.fake.addSshKey('mona');
    const task = taskOf({ action: 'delete', credentialKind: 'github.ssh_key', providerId: String(id) });
    assert.equal((await provider.verify(task, signal())).liveness, 'alive');
    assert.equal((await provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.hasSshKey(id), false);
    assert.equal((await provider.verify(task, signal())).liveness, 'dead');
    assert.equal((await provider.execute(task, signal())).outcome, 'already_revoked');
    assert.equal((await rejects(w.provider.execute(task, signal()))).code, 'PROVIDER_MISCONFIGURED');
  });

  it('a leaked installation token given as revoke_by_value revokes itself', async () => {
    const token = w.fake.mintToken({ prefix: 'ghs_' });
    const task = taskOf({
      action: 'revoke_by_value',
      credentialKind: 'github.installation_token',
      secret: token,
    });
    const calls = w.fake.calls(ROUTES.revoke);
    assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
    assert.equal(w.fake.isLive(token), false);
    assert.equal(w.fake.calls(ROUTES.revoke), calls, '/credentials/revoke does not take ghs_ tokens');
  });

  it('closes a secret-scanning alert as revoked', async () => {
    const n = w.fake.addAlert('acme', 'api');
    const result = await w.provider.closeSecretScanningAlert('acme', 'api', n, signal());
    assert.equal(result.outcome, 'revoked');
    assert.deepEqual(w.fake.alert('acme', 'api', n), { state: 'resolved', resolution: 'revoked' });
    const err = await rejects(w.provider.closeSecretScanningAlert('acme', 'api', 999_999));
    assert.equal(err.code, 'PROVIDER_REJECTED');
    assert.equal(err.retriable, false);
  });

  it('GHES: authenticates /credentials/revoke when configured to', async () => {
    const { fake, cfg } = await world({ authenticatedCredentialRevoke: true });
    fake.authenticatedRevoke = true;
    try {
      const token = fake.mintToken();
      const provider = createGithubProvider(cfg);
      await provider.execute(
        taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic', secret: token }),
        signal(),
      );
      assert.equal(fake.isLive(token), false);
    } finally {
      await fake.close();
    }
  });
});
