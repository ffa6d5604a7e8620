/**
 * The Vault / OpenBao adapter's failure classification, namespaces and secret handling, against a
 * REAL OpenBao dev server (test/support/openbao.ts). Sealed, rate-limited (a real rate-limit
 * quota), forbidden, unknown-mount and unknown-namespace answers are the server's own; a pass-through
 * proxy (test/support/vault-proxy.ts) injects only what a server cannot give on cue. Without `bao`
 * the tests skip locally and fail in CI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logger.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { createVaultProvider } from '../../src/providers/vault.js';
import { rejected } from '../support/asserts.js';
import { findBao } from '../support/openbao.js';
import { unavailable } from '../support/services.js';
import { startVaultProxy, type VaultProxy } from '../support/vault-proxy.js';
import { fresh, signal, task, world } from './vault-world.js';

const bao = await findBao();

if ('reason' in bao) {
  it('vault provider failure classification against OpenBao', (t) => unavailable(t, bao.reason));
} else {
  const w = await world(bao);
  const provider = (over: Record<string, unknown> = {}) =>
    createVaultProvider({
      type: 'vault',
      name: 'vault-test',
      address: bao.url,
      token: bao.rootToken,
      ...over,
    });
  const lease = async (): Promise<ProviderTask> => {
    const [id] = await w.leases('faults', 1);
    return task({ credentialKind: 'vault.lease', action: 'revoke', providerId: id });
  };
  const withProxy = async (fn: (proxy: VaultProxy) => Promise<void>) => {
    const proxy = await startVaultProxy(bao.url);
    try {
      await fn(proxy);
    } finally {
      await proxy.close();
    }
  };

  describe('vault provider: failure classification (real OpenBao where it can)', () => {
    it('a really sealed server is retriable (503, no Retry-After); after unsealing the retry succeeds', async () => {
      const p = provider();
      const t = await lease();
      await bao.seal();
      try {
        const e = await rejected(p.execute(t, signal()));
        assert.equal(e.code, 'PROVIDER_UNAVAILABLE');
        assert.equal(e.retriable, true);
        assert.equal(e.retryAfterMs, undefined, 'a sealed OpenBao announces no delay');
        const v = await rejected(p.verify(t, signal()));
        assert.equal(v.retriable, true);
      } finally {
        await bao.unseal();
      }
      assert.equal((await p.execute(t, signal())).outcome, 'revoked');
      assert.equal(await w.leaseAlive(t.providerId ?? ''), false);
    });

    it('a real rate-limit quota answers 429: retriable; Retry-After carried once the server sends it', async () => {
      const mount = fresh('kvq');
      await bao.ok('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
      const path = fresh('apps/limited');
      await w.writeKv(path, 1, mount);
      const quota = fresh('q');
      await bao.ok('POST', `sys/quotas/rate-limit/${quota}`, { path: `${mount}/`, rate: 1, interval: '60s' });
      const p = provider();
      const t = task({
        credentialKind: 'vault.kv_secret',
        action: 'disable',
        providerId: path,
        labels: { mount },
      });
      const quiet = await rejected(p.execute(t, signal()));
      assert.equal(quiet.code, 'PROVIDER_RATE_LIMITED');
      assert.equal(quiet.retriable, true);
      assert.equal(quiet.retryAfterMs, undefined, 'no Retry-After until rate-limit headers are enabled');
      await bao.ok('POST', 'sys/quotas/config', { enable_rate_limit_response_headers: true });
      const told = await rejected(p.execute(t, signal()));
      assert.equal(told.code, 'PROVIDER_RATE_LIMITED');
      assert.ok(
        told.retryAfterMs !== undefined && told.retryAfterMs > 0 && told.retryAfterMs <= 60_000,
        `retryAfterMs ${told.retryAfterMs} within the quota interval`,
      );
      await bao.ok('DELETE', `sys/quotas/rate-limit/${quota}`);
      assert.equal((await p.execute(t, signal())).outcome, 'revoked');
    });

    it('a 503 with Retry-After (a load balancer in front) carries the delay; the retry succeeds', () =>
      withProxy(async (proxy) => {
        const p = provider({ address: proxy.url });
        const t = await lease();
        proxy.failNext(1, { status: 503, retryAfter: '2', path: /^\/v1\/sys\/leases\/revoke$/ });
        const e = await rejected(p.execute(t, signal()));
        assert.equal(e.code, 'PROVIDER_UNAVAILABLE');
        assert.equal(e.retriable, true);
        assert.equal(e.retryAfterMs, 2000);
        assert.equal((await p.execute(t, signal())).outcome, 'revoked');
      }));

    it('500 is retriable; another 400 is permanent', () =>
      withProxy(async (proxy) => {
        const p = provider({ address: proxy.url });
        proxy.failNext(1, { status: 500, errors: ['internal error'] });
        const e1 = await rejected(p.execute(await lease(), signal()));
        assert.equal(e1.code, 'PROVIDER_UNAVAILABLE');
        assert.equal(e1.retriable, true);
        proxy.failNext(1, { status: 400, errors: ['1 error occurred:\n\t* something else is wrong\n\n'] });
        const e2 = await rejected(p.execute(await lease(), signal()));
        assert.equal(e2.code, 'PROVIDER_REJECTED');
        assert.equal(e2.retriable, false);
      }));

    it('a token the server refuses (403 permission denied) is permanent', async () => {
      const e = await rejected(
        provider({ token: 'hvs.not-the-root-token-000000' }).execute(await lease(), signal()),
      );
      assert.equal(e.code, 'PROVIDER_FORBIDDEN');
      assert.equal(e.retriable, false);
    });

    it('an unknown KV mount (404 no handler) is a permanent misconfiguration', async () => {
      const t = task({
        credentialKind: 'vault.kv_secret',
        action: 'disable',
        providerId: 'x',
        labels: { mount: 'not-mounted' },
      });
      const e = await rejected(provider().execute(t, signal()));
      assert.equal(e.code, 'PROVIDER_MISCONFIGURED');
      assert.equal(e.retriable, false);
    });

    it('a reset connection is a retriable network failure; silence is a retriable timeout', () =>
      withProxy(async (proxy) => {
        proxy.failNext(1, { reset: true });
        const e1 = await rejected(provider({ address: proxy.url }).execute(await lease(), signal()));
        assert.equal(e1.code, 'PROVIDER_NETWORK');
        assert.equal(e1.retriable, true);
        proxy.failNext(1, { hang: true });
        const e2 = await rejected(
          provider({ address: proxy.url, timeoutMs: 200 }).execute(await lease(), signal()),
        );
        assert.equal(e2.code, 'PROVIDER_TIMEOUT');
        assert.equal(e2.retriable, true);
      }));

    it('an unreachable server is a retriable network failure', async () => {
      const gone = await startVaultProxy(bao.url);
      await gone.close();
      const e = await rejected(provider({ address: gone.url }).execute(await lease(), signal()));
      assert.equal(e.code, 'PROVIDER_NETWORK');
      assert.equal(e.retriable, true);
    });
  });

  describe('vault provider: namespaces (real OpenBao)', () => {
    it('the configured namespace is sent, and a token of that namespace is revoked there', () =>
      withProxy(async (proxy) => {
        const ns = await w.namespace(fresh('team'));
        const parent = await w.token({ namespace: ns });
        const child = await w.token({ namespace: ns, parent });
        const p = provider({ address: proxy.url, namespace: ns });
        const t = task({ credentialKind: 'vault.token', action: 'revoke', providerId: parent.accessor });
        assert.equal((await p.execute(t, signal())).outcome, 'revoked');
        assert.equal(proxy.requests.at(-1)?.namespace, ns);
        assert.equal(await w.accessorAlive(parent.accessor, ns), false);
        assert.equal(await w.accessorAlive(child.accessor, ns), false, 'its child died with it');
        assert.equal((await p.verify(t, signal())).liveness, 'dead');
      }));

    it("a credential's namespace label overrides the configured one (tokens and KV)", async () => {
      const ns = await w.namespace(fresh('team'));
      await bao.ok('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, { namespace: ns });
      const { accessor } = await w.token({ namespace: ns });
      await w.writeKv('apps/db', 1, 'secret', ns);
      const p = provider({ namespace: 'some-other-team' });
      const labels = { namespace: ns };
      const tok = task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor, labels });
      assert.equal((await p.execute(tok, signal())).outcome, 'revoked');
      assert.equal(await w.accessorAlive(accessor, ns), false);
      const kv = task({
        credentialKind: 'vault.kv_secret',
        action: 'disable',
        providerId: 'apps/db',
        labels,
      });
      assert.equal((await p.verify(kv, signal())).liveness, 'alive');
      assert.equal((await p.execute(kv, signal())).outcome, 'revoked');
      assert.equal((await p.verify(kv, signal())).liveness, 'dead');
    });

    it('an accessor asked for in the wrong namespace is a permanent misconfiguration, not a 5xx to retry', async () => {
      const ns = await w.namespace(fresh('team'));
      const { accessor } = await w.token({ namespace: ns });
      const t = task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor });
      // The server answers 500 "cannot lookup token in different namespace".
      for (const e of [
        await rejected(provider().execute(t, signal())),
        await rejected(provider().verify(t, signal())),
      ]) {
        assert.equal(e.code, 'PROVIDER_MISCONFIGURED');
        assert.equal(e.retriable, false);
      }
      assert.equal(await w.accessorAlive(accessor, ns), true);
    });

    it('an unknown namespace (404 namespace not found) is a permanent misconfiguration for every kind', async () => {
      const p = provider({ namespace: 'no-such-namespace' });
      for (const t of [
        task({ credentialKind: 'vault.token', action: 'revoke', providerId: 'acc' }),
        task({ credentialKind: 'vault.lease', action: 'revoke', providerId: 'pki/issue/x/l' }),
        task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: 'pki/issue/x' }),
        task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: 'apps/x' }),
      ]) {
        for (const e of [await rejected(p.execute(t, signal())), await rejected(p.verify(t, signal()))]) {
          assert.equal(e.code, 'PROVIDER_MISCONFIGURED', t.credentialKind);
          assert.equal(e.retriable, false, t.credentialKind);
        }
      }
    });
  });

  describe('vault provider: configuration and secrets (real OpenBao)', () => {
    it('reads the token from an environment variable', async () => {
      const p = createVaultProvider(
        { type: 'vault', name: 'v', address: bao.url, token: { env: 'TEST_VAULT_TOKEN' } },
        { env: { TEST_VAULT_TOKEN: bao.rootToken } },
      );
      const { accessor } = await w.token();
      const t = task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor });
      assert.equal((await p.execute(t, signal())).outcome, 'revoked');
      assert.equal(await w.accessorAlive(accessor), false);
    });

    it('refuses bad configuration and a missing token variable', () => {
      const bad = (input: Record<string, unknown>, env = {}) =>
        assert.throws(
          () =>
            createVaultProvider(
              { type: 'vault', name: 'v', address: bao.url, token: 't', ...input },
              { env },
            ),
          (e: { code?: string }) => e.code === 'INVALID_CONFIG',
        );
      bad({ address: 'not a url' });
      bad({ token: { env: 'UNSET_X' } });
      bad({ tokenRevocation: 'children' });
    });

    it("never lets the server's root token or a leaked token reach a result, an error or a log line", () =>
      withProxy(async (proxy) => {
        const lines: string[] = [];
        const p = createVaultProvider(
          { type: 'vault', name: 'v', address: proxy.url, token: bao.rootToken },
          { logger: createLogger('trace', { write: (l: string) => void lines.push(l) }) },
        );
        const leaked = await w.token();
        const byValue = task({
          credentialKind: 'vault.service_token',
          action: 'revoke_by_value',
          secret: leaked.token,
        });
        const t = await lease();
        const seen: unknown[] = [];
        seen.push(await p.execute(t, signal()), await p.verify(t, signal()), await p.execute(t, signal()));
        for (const fault of [
          { status: 503 },
          { status: 403, errors: [`bad token ${bao.rootToken} ${leaked.token}`] },
          { status: 400, errors: [`1 error occurred:\n\t* invalid token ${bao.rootToken}\n\n`] },
          { reset: true as const },
        ]) {
          proxy.failNext(1, fault);
          const e = await rejected(p.execute(byValue, signal()));
          seen.push({ message: e.message, details: e.details, code: e.code, stack: e.stack });
        }
        seen.push(await p.execute(byValue, signal()), await p.verify(byValue, signal()));
        assert.ok(lines.length > 0, 'the adapter logged something to check');
        const blob = JSON.stringify(seen) + lines.join('\n');
        assert.ok(!blob.includes(bao.rootToken), 'the root token leaked');
        // The token's random part: a leaked `s.` token without its prefix is still the secret.
        assert.ok(!blob.includes(leaked.token.slice(2)), 'the leaked token leaked');
      }));
  });
}
