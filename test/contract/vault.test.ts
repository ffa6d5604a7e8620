/**
 * Contract tests of the Vault / OpenBao adapter against a REAL OpenBao 2.7 dev server (one per test
 * process, test/support/openbao.ts): the shared provider conformance suite for each credential kind,
 * then behaviour specific to Vault, each outcome confirmed by asking the server directly. Faults the
 * server cannot give on cue come from a pass-through proxy (test/support/vault-proxy.ts); sealing
 * and rate limiting are the server's own. Failure classification, namespaces and secrets:
 * vault-faults.test.ts. Without `bao` the tests skip locally and fail in CI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyToken } from '../../handlers/classify/index.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { createVaultProvider } from '../../src/providers/vault.js';
import { rejected } from '../support/asserts.js';
import { findBao } from '../support/openbao.js';
import { unavailable } from '../support/services.js';
import { startVaultProxy } from '../support/vault-proxy.js';
import { providerConformance } from './provider-suite.js';
import { fresh, signal, task, world, type World } from './vault-world.js';

const bao = await findBao();

if ('reason' in bao) {
  it('vault provider against OpenBao', (t) => unavailable(t, bao.reason));
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

  /** One conformance run per credential kind, each through its own proxy to the real server. */
  const conformance = (label: string, revokePath: RegExp, live: (w: World) => Promise<ProviderTask>) =>
    providerConformance(`vault ${label} (real OpenBao)`, async ({ logger }) => {
      const proxy = await startVaultProxy(bao.url);
      return {
        provider: createVaultProvider(
          { type: 'vault', name: 'vault', address: proxy.url, token: bao.rootToken },
          { logger },
        ),
        makeLiveCredential: () => live(w),
        // A sealed OpenBao sends no Retry-After; a load balancer in front of it may.
        injectRetriable: () => {
          proxy.failNext(1, { status: 503, retryAfter: '4', path: revokePath });
          return { retryAfterMs: 4_000 };
        },
        // A refusal that echoes the caller's token, as a misbehaving proxy or plugin might.
        injectPermanent: () =>
          proxy.failNext(1, {
            status: 403,
            errors: [`permission denied for ${bao.rootToken}`],
            path: revokePath,
          }),
        plantedSecret: bao.rootToken,
        revokeCallCount: () => proxy.requests.filter((r) => revokePath.test(r.path)).length,
        close: () => proxy.close(),
      };
    });

  conformance('token (revoke-accessor)', /^\/v1\/auth\/token\/revoke-accessor$/, async (w) => {
    const { accessor } = await w.token();
    return task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor });
  });
  conformance('leaked token by value (auth/token/revoke)', /^\/v1\/auth\/token\/revoke$/, async (w) => {
    const { token } = await w.token();
    return task({ credentialKind: 'vault.service_token', action: 'revoke_by_value', secret: token });
  });
  conformance('PKI lease (sys/leases/revoke)', /^\/v1\/sys\/leases\/revoke$/, async (w) => {
    const [id] = await w.leases('conf-lease', 1);
    return task({ credentialKind: 'vault.lease', action: 'revoke', providerId: id });
  });
  conformance('lease prefix (sys/leases/revoke-prefix)', /^\/v1\/sys\/leases\/revoke-prefix\//, async (w) => {
    const role = fresh('conf-prefix');
    await w.leases(role, 2);
    return task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: `pki/issue/${role}` });
  });
  conformance('kv soft delete (DELETE data)', /^\/v1\/secret\/data\//, async (w) => {
    const path = fresh('conf/soft');
    await w.writeKv(path, 1);
    return task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: path });
  });
  conformance('kv destroy (PUT destroy)', /^\/v1\/secret\/destroy\//, async (w) => {
    const path = fresh('conf/destroy');
    await w.writeKv(path, 2);
    return task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: path });
  });

  describe('vault provider: tokens (real OpenBao)', () => {
    it('declares its capabilities; orphaning drops the accessor revoke, which cannot orphan', () => {
      const p = provider();
      assert.equal(p.type, 'vault');
      assert.deepEqual(p.capabilities.actions['vault.token'], ['revoke']);
      assert.deepEqual(p.capabilities.actions['vault.kv_secret'], ['disable', 'delete', 'rotate']);
      assert.deepEqual(p.capabilities.reversible, ['disable']);
      assert.equal(p.capabilities.maxBatch, 1);
      assert.equal(p.capabilities.canVerify, true);
      assert.equal(p.needsSecret({ action: 'revoke', credentialKind: 'vault.token' }), false);
      const orphan = provider({ tokenRevocation: 'orphan' });
      assert.equal(orphan.capabilities.actions['vault.token'], undefined);
      assert.deepEqual(orphan.capabilities.actions['vault.service_token'], ['revoke_by_value']);
    });

    it("revoking a parent's accessor kills its whole subtree at the server", async () => {
      const parent = await w.token();
      const child = await w.token({ parent });
      const grandchild = await w.token({ parent: child });
      const sibling = await w.token();
      const p = provider();
      const res = await p.execute(
        task({ credentialKind: 'vault.token', action: 'revoke', providerId: parent.accessor }),
        signal(),
      );
      assert.equal(res.outcome, 'revoked');
      assert.equal(res.details?.subtree, true);
      assert.equal(await w.accessorAlive(parent.accessor), false);
      assert.equal(await w.accessorAlive(child.accessor), false, 'the child died with its parent');
      assert.equal(await w.accessorAlive(grandchild.accessor), false, 'and the grandchild');
      assert.equal(await w.accessorAlive(sibling.accessor), true, 'an unrelated token lives on');
      const childTask = task({ credentialKind: 'vault.token', action: 'revoke', providerId: child.accessor });
      assert.equal((await p.verify(childTask, signal())).liveness, 'dead');
      assert.equal((await p.execute(childTask, signal())).outcome, 'already_revoked');
    });

    it('a leaked parent revoked by value takes its subtree; with tokenRevocation: orphan, only itself', async () => {
      for (const mode of ['subtree', 'orphan'] as const) {
        const parent = await w.token();
        const child = await w.token({ parent });
        const t = task({
          credentialKind: 'vault.service_token',
          action: 'revoke_by_value',
          secret: parent.token,
        });
        const p = provider({ tokenRevocation: mode });
        const res = await p.execute(t, signal());
        assert.equal(res.outcome, 'revoked', mode);
        assert.equal(res.details?.subtree, mode === 'subtree');
        assert.equal((await p.verify(t, signal())).liveness, 'dead', mode);
        assert.equal(await w.accessorAlive(parent.accessor), false, mode);
        assert.equal(await w.accessorAlive(child.accessor), mode === 'orphan', `${mode}: child`);
        assert.equal((await p.execute(t, signal())).outcome, 'already_revoked', mode);
      }
    });

    it('refuses an accessor revoke when configured to orphan children', async () => {
      const { accessor } = await w.token();
      const p = provider({ tokenRevocation: 'orphan' });
      const e = await rejected(
        p.execute(task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor }), signal()),
      );
      assert.equal(e.code, 'PROVIDER_UNSUPPORTED');
      assert.equal(e.retriable, false);
      assert.equal(await w.accessorAlive(accessor), true);
    });

    it("recognises the server's own token formats when they leak (root, namespaced, batch)", async () => {
      const ns = await w.namespace(fresh('fmt'));
      const seen = [
        [(await w.token()).token, 'vault.service_token'],
        [(await w.token({ namespace: ns })).token, 'vault.service_token'],
        [(await w.token({ type: 'batch' })).token, 'vault.batch_token'],
        [(await w.token({ type: 'batch', namespace: ns })).token, 'vault.batch_token'],
      ] as const;
      for (const [value, kind] of seen) {
        const shape = value.replace(/[A-Za-z0-9_-]/g, 'x').slice(0, 40);
        assert.equal(classifyToken(value).tokenType, kind, `classified ${shape}…`);
        assert.equal(classifyToken(value).providerType, 'vault');
      }
    });
  });

  describe('vault provider: leases (real OpenBao, PKI engine)', () => {
    it('revoke sends sync:true → gone at the server; again → already_revoked', async () => {
      const proxy = await startVaultProxy(bao.url);
      try {
        const p = provider({ address: proxy.url });
        const [leaseId = ''] = await w.leases('single', 2);
        const t = task({ credentialKind: 'vault.lease', action: 'revoke', providerId: leaseId });
        assert.equal((await p.verify(t, signal())).liveness, 'alive');
        assert.equal((await p.execute(t, signal())).outcome, 'revoked');
        const revoke = proxy.requests.filter((r) => r.path === '/v1/sys/leases/revoke').at(-1);
        assert.deepEqual(revoke?.body, { lease_id: leaseId, sync: true });
        assert.equal(await w.leaseAlive(leaseId), false);
        assert.equal((await p.verify(t, signal())).liveness, 'dead');
        assert.equal((await p.execute(t, signal())).outcome, 'already_revoked');
      } finally {
        await proxy.close();
      }
    });

    it("prefix revoke takes the role's directory, gone at the server, and spares a sibling sharing the string prefix", async () => {
      const role = fresh('deploy');
      for (const providerId of [`pki/issue/${role}`, `pki/issue/${role}x/`]) {
        const dir = providerId.replace(/\/$/, '');
        const mine = await w.leases(dir.slice('pki/issue/'.length), 2);
        const sibling = await w.leases(`${dir.slice('pki/issue/'.length)}-prod`, 1);
        const p = provider();
        const t = task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId });
        assert.equal((await p.verify(t, signal())).liveness, 'alive');
        const res = await p.execute(t, signal());
        assert.equal(res.outcome, 'revoked', providerId);
        for (const id of mine) assert.equal(await w.leaseAlive(id), false, `${id} revoked at the server`);
        for (const id of sibling) assert.equal(await w.leaseAlive(id), true, `${id} (sibling) untouched`);
        assert.equal((await p.verify(t, signal())).liveness, 'dead');
        assert.equal((await p.execute(t, signal())).outcome, 'already_revoked');
      }
    });
  });

  describe('vault provider: KV v2 (real OpenBao)', () => {
    const kvMeta = async (path: string) =>
      (await bao.ok('GET', `secret/metadata/${path}`)).data as {
        versions: Record<string, { destroyed: boolean; deletion_time: string }>;
      };

    it('soft delete (disable): latest version deleted, data kept (undeletable); again → already_revoked', async () => {
      const path = fresh('apps/billing');
      await w.writeKv(path, 2);
      const p = provider();
      const t = task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: path });
      assert.equal((await p.verify(t, signal())).liveness, 'alive');
      assert.equal((await p.execute(t, signal())).outcome, 'revoked');
      assert.equal((await p.verify(t, signal())).liveness, 'dead');
      assert.equal((await p.execute(t, signal())).outcome, 'already_revoked');
      const meta = await kvMeta(path);
      assert.notEqual(meta.versions['2']?.deletion_time, '', 'the latest version is deleted');
      assert.equal(meta.versions['2']?.destroyed, false, 'soft delete keeps the data');
      assert.equal(meta.versions['1']?.deletion_time, '', 'older versions are untouched');
    });

    it('destroy (delete): every version destroyed at the server; again → already_revoked', async () => {
      const path = fresh('apps/payments');
      await w.writeKv(path, 3);
      const p = provider();
      const t = task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: path });
      const res = await p.execute(t, signal());
      assert.equal(res.outcome, 'revoked');
      assert.equal(res.details?.versions, '1,2,3');
      const meta = await kvMeta(path);
      assert.deepEqual(
        Object.values(meta.versions).map((v) => v.destroyed),
        [true, true, true],
      );
      assert.equal((await p.verify(t, signal())).liveness, 'dead');
      assert.equal((await p.execute(t, signal())).outcome, 'already_revoked');
    });

    it('destroy narrowed by the versions label leaves other versions', async () => {
      const path = fresh('apps/search');
      await w.writeKv(path, 2);
      const p = provider();
      const t = task({
        credentialKind: 'vault.kv_secret',
        action: 'delete',
        providerId: path,
        labels: { versions: '1' },
      });
      assert.equal((await p.execute(t, signal())).outcome, 'revoked');
      assert.equal((await p.verify(t, signal())).liveness, 'dead');
      const all = task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: path });
      assert.equal((await p.verify(all, signal())).liveness, 'alive');
      assert.equal((await kvMeta(path)).versions['2']?.destroyed, false);
    });
  });

  describe('vault provider: missing things and bad tasks (real OpenBao)', () => {
    it('missing things are already revoked and verify dead', async () => {
      const p = provider();
      for (const t of [
        task({ credentialKind: 'vault.token', action: 'revoke', providerId: 'no-such-accessor' }),
        task({ credentialKind: 'vault.lease', action: 'revoke', providerId: 'pki/issue/none/l0' }),
        task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: 'pki/issue/none/' }),
        task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: 'never/written' }),
        task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: 'never/written' }),
      ]) {
        assert.equal((await p.execute(t, signal())).outcome, 'already_revoked', t.credentialKind);
        assert.equal((await p.verify(t, signal())).liveness, 'dead', t.credentialKind);
      }
    });

    it('rejects unsupported kinds, actions and missing ids as permanent errors', async () => {
      const p = provider();
      const codeOf = async (t: ProviderTask) => {
        const e = await rejected(p.execute(t, signal()));
        return [e.code, e.retriable];
      };
      assert.deepEqual(
        await codeOf(task({ credentialKind: 'vault.token', action: 'rotate', providerId: 'x' })),
        ['PROVIDER_UNSUPPORTED', false],
      );
      assert.deepEqual(
        await codeOf(task({ credentialKind: 'aws.access_key', action: 'revoke', providerId: 'x' })),
        ['PROVIDER_UNSUPPORTED', false],
      );
      assert.deepEqual(await codeOf(task({ credentialKind: 'vault.lease', action: 'revoke' })), [
        'INVALID_INPUT',
        false,
      ]);
      assert.deepEqual(
        await codeOf(task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: '/' })),
        ['INVALID_INPUT', false],
      );
    });
  });
}
