/**
 * Contract tests of the GitHub provider's error classification (rate limits, 5xx, timeouts, network,
 * permanent refusals), configuration and the shared http-errors helpers, against the FAKE GitHub.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GithubProviderConfig, type GithubProviderConfigInput } from '../../schemas/providers/github.js';
import { TourniquetError } from '../../src/errors.js';
import { createGithubProvider } from '../../src/providers/github.js';
import { parseRateLimitReset, parseRetryAfter } from '../../src/providers/http-errors.js';
import { FakeGithub, githubFaults, ROUTES } from '../fakes/github.js';
import { rejects, signal, taskOf, world, type GithubWorld } from './github-world.js';

// --- classification ---------------------------------------------------------------------------

describe('github error classification', () => {
  let w: GithubWorld;
  before(async () => {
    w = await world();
  });
  after(() => w.fake.close());

  const deployKeyTask = () =>
    taskOf({
      action: 'delete',
      credentialKind: 'github.deploy_key',
      providerId: `acme/api:${w.fake.addDeployKey('acme', 'api')}`,
    });

  it('primary rate limit (403, remaining 0) → retriable, wait until x-ratelimit-reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.primaryLimit(reset));
    const err = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retriable, true);
    const expected = reset * 1000 - Date.now() + 1000;
    assert.ok(Math.abs((err.retryAfterMs ?? 0) - expected) < 2_000, `${err.retryAfterMs} ≈ ${expected}`);
  });

  it('primary rate limit on a 401 (unauthenticated budget) is a rate limit, not "already revoked"', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    const token = w.fake.mintToken({ prefix: 'ghs_' });
    w.fake.inject(ROUTES.installationRevoke, githubFaults.primaryLimit(reset, 401));
    const err = await rejects(
      w.provider.execute(
        taskOf({ action: 'revoke', credentialKind: 'github.installation_token', secret: token }),
        signal(),
      ),
    );
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(w.fake.isLive(token), true);
  });

  it('secondary rate limit without Retry-After → retriable after 60 s', async () => {
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.secondaryLimit());
    const err = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retryAfterMs, 60_000);
    assert.equal((err.details as { limit: string }).limit, 'secondary');
  });

  it('429 with Retry-After → retriable with that delay', async () => {
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.tooManyRequests(42));
    const err = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(err.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(err.retryAfterMs, 42_000);
  });

  it('5xx → retriable PROVIDER_UNAVAILABLE; Retry-After as an HTTP date is honoured', async () => {
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.serverError(500));
    const plain = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(plain.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(plain.retriable, true);
    const at = new Date(Date.now() + 90_000).toUTCString();
    w.fake.inject(ROUTES.deployKeyDelete, {
      reply: () => ({ status: 503, headers: { 'retry-after': at }, body: {} }),
    });
    const dated = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(dated.code, 'PROVIDER_UNAVAILABLE');
    assert.ok(Math.abs((dated.retryAfterMs ?? 0) - 90_000) < 2_000);
  });

  it('a slow answer → retriable PROVIDER_TIMEOUT', async () => {
    const provider = createGithubProvider({ ...w.cfg, timeoutMs: 150 });
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.slow(1_000));
    const err = await rejects(provider.execute(deployKeyTask(), signal()));
    assert.equal(err.code, 'PROVIDER_TIMEOUT');
    assert.equal(err.retriable, true);
  });

  it('no server → retriable PROVIDER_NETWORK', async () => {
    const gone = new FakeGithub();
    const baseUrl = await gone.start();
    await gone.close();
    const provider = createGithubProvider({ ...w.cfg, baseUrl });
    const err = await rejects(provider.execute(deployKeyTask(), signal()));
    assert.equal(err.code, 'PROVIDER_NETWORK');
    assert.equal(err.retriable, true);
    assert.equal((err.details as { errno?: string }).errno, 'ECONNREFUSED');
  });

  it('other 4xx → permanent with a code', async () => {
    w.fake.inject(ROUTES.deployKeyDelete, githubFaults.status(403, 'Must have admin rights to Repository.'));
    const forbidden = await rejects(w.provider.execute(deployKeyTask(), signal()));
    assert.equal(forbidden.code, 'PROVIDER_FORBIDDEN');
    assert.equal(forbidden.retriable, false);
    const noAdmin = createGithubProvider({ ...w.cfg, auth: { token: w.fake.mintToken() } });
    assert.equal((await rejects(noAdmin.execute(deployKeyTask(), signal()))).code, 'PROVIDER_FORBIDDEN');
    const badToken = createGithubProvider({ ...w.cfg, auth: { token: 'ghp_notavalidtoken' } });
    assert.equal((await rejects(badToken.execute(deployKeyTask(), signal()))).code, 'PROVIDER_AUTH_FAILED');
  });

  it('rejects what it cannot do, and malformed tasks, with codes', async () => {
    const unsupported = taskOf({
      action: 'rotate',
      credentialKind: 'github.deploy_key',
      providerId: 'a/b:1',
    });
    assert.equal(w.provider.needsSecret(unsupported), false);
    assert.equal((await rejects(w.provider.execute(unsupported, signal()))).code, 'PROVIDER_UNSUPPORTED');
    const foreign = taskOf({ action: 'revoke', credentialKind: 'slack.bot_token' });
    assert.equal((await rejects(w.provider.execute(foreign, signal()))).code, 'PROVIDER_UNSUPPORTED');
    const narrow = createGithubProvider({ ...w.cfg, credentialKinds: ['github.pat_classic'] });
    assert.equal((await rejects(narrow.execute(deployKeyTask(), signal()))).code, 'PROVIDER_UNSUPPORTED');
    assert.deepEqual(Object.keys(narrow.capabilities.actions), ['github.pat_classic']);
    const badId = taskOf({ action: 'delete', credentialKind: 'github.deploy_key', providerId: 'acme-api-1' });
    assert.equal((await rejects(w.provider.execute(badId, signal()))).code, 'INVALID_INPUT');
    const noSecret = taskOf({ action: 'revoke_by_value', credentialKind: 'github.pat_classic' });
    assert.equal((await rejects(w.provider.execute(noSecret, signal()))).code, 'SECRET_UNAVAILABLE');
  });
});

describe('github configuration', () => {
  it('parses with defaults and rejects unknown keys', () => {
    const cfg = GithubProviderConfig.parse({ type: 'github', name: 'gh' });
    assert.equal(cfg.baseUrl, 'https://api.github.com');
    assert.equal(cfg.authenticatedCredentialRevoke, false);
    assert.ok(cfg.credentialKinds.includes('github.deploy_key'));
    assert.equal(GithubProviderConfig.safeParse({ type: 'github', name: 'gh', tokn: 'x' }).success, false);
    assert.equal(
      GithubProviderConfig.safeParse({ type: 'github', name: 'gh', credentialKinds: ['github.nope'] })
        .success,
      false,
    );
  });

  it('resolves { env } secrets at construction and fails fast when one is missing', async () => {
    const fake = new FakeGithub();
    const baseUrl = await fake.start();
    try {
      const token = fake.mintToken({ admin: true });
      const cfg: GithubProviderConfigInput = {
        type: 'github',
        name: 'gh',
        baseUrl,
        auth: { token: { env: 'GH_ADMIN' } },
      };
      assert.throws(
        () => createGithubProvider(cfg, { env: {} }),
        (e: unknown) => e instanceof TourniquetError && e.code === 'INVALID_CONFIG',
      );
      const provider = createGithubProvider(cfg, { env: { GH_ADMIN: token } });
      const task = taskOf({
        action: 'delete',
        credentialKind: 'github.deploy_key',
        providerId: `o/r:${fake.addDeployKey('o', 'r')}`,
      });
      assert.equal((await provider.execute(task, signal())).outcome, 'revoked');
    } finally {
      await fake.close();
    }
  });
});

describe('http-errors helpers', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now), 90_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a past date means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('turns x-ratelimit-reset epoch seconds into a wait, with a second of margin', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRateLimitReset(String(now / 1000 + 30), now), 31_000);
    assert.equal(parseRateLimitReset(String(now / 1000 - 30), now), 1_000);
    assert.equal(parseRateLimitReset('later', now), undefined);
  });
});
