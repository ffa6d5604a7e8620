/**
 * `inventory sync` against a real OpenBao (issue 16's acceptance): tokens found by accessor with
 * owner (meta username → a person), policies as scopes, creation and expiry; a second sync writes
 * nothing; a token revoked behind our back is marked gone; an offboarding right after the sync
 * revokes a token no one typed in. The token ids (the secrets; accessors are not) never reach the
 * store, the audit trail or the logs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { GONE_LABEL } from '../../src/discovery/sync-merge.js';
import { localOps } from '../../src/ops/local.js';
import { findBao } from '../support/openbao.js';
import { captureLogger, tempDir, testConfig, type CapturedLogger } from '../support/runtime.js';
import { unavailable } from '../support/services.js';
import { waitFor } from '../support/wait.js';
import { childEnv } from '../support/service-process.js';

const BIN = join(import.meta.dirname, '../../bin/tourniquet.js');

const bao = await findBao();

if ('reason' in bao) {
  it('inventory sync against OpenBao', (t) => unavailable(t, bao.reason));
} else {
  describe('inventory sync against OpenBao', () => {
    const run = Date.now().toString(36);
    const tokens: { token: string; accessor: string }[] = [];
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let runtime: Runtime;
    let log: CapturedLogger;
    const ops = () => localOps(runtime.deps);
    const cred = async (id: string) => (await runtime.deps.store.findCredentials({ ids: [id] }))[0];
    const mint = async (body: Record<string, unknown>) => {
      const auth = (await bao.ok('POST', 'auth/token/create', body)).auth as {
        client_token: string;
        accessor: string;
      };
      tokens.push({ token: auth.client_token, accessor: auth.accessor });
      return { token: auth.client_token, accessor: auth.accessor };
    };
    const alive = async (accessor: string) =>
      (await bao.api('POST', 'auth/token/lookup-accessor', { accessor })).status === 200;

    before(async () => {
      await bao.ok('PUT', `sys/policy/ci-read-${run}`, {
        policy: 'path "secret/*" { capabilities = ["read"] }',
      });
      dir = await tempDir();
      log = captureLogger();
      runtime = await createRuntime(
        testConfig({
          dataDir: dir.path,
          providers: [
            { type: 'vault', name: 'bao', address: bao.url, token: bao.rootToken, propagationMs: 0 },
          ],
          drift: { intervalMs: 0 },
        }),
        { logger: log.logger },
      );
      await runtime.startWorkers();
      await ops().importInventory(
        { people: [{ id: 'ann@example.com', identities: { bao: `ann-${run}` } }], credentials: [] },
        'test',
      );
    });
    after(async () => {
      await runtime?.stop();
      await dir?.remove();
    });

    it('discovers tokens with owner, policies, creation and expiry', async () => {
      const ann = await mint({ policies: [`ci-read-${run}`], meta: { username: `ann-${run}` }, ttl: '2h' });
      const ci = await mint({ policies: ['default'], meta: { owner: 'team-ci', workload: 'ci' }, ttl: '1h' });
      const [r] = await ops().syncInventory({ provider: 'bao' }, 'test');
      assert.equal(r?.error, undefined);
      assert.deepEqual(r?.refused, []);
      assert.deepEqual(r?.complete, ['vault.token']);
      const a = await cred(`bao:${ann.accessor}`);
      assert.equal(a?.kind, 'vault.token');
      assert.equal(a?.owner, 'ann@example.com');
      assert.deepEqual(a?.scopes, ['default', `ci-read-${run}`].sort());
      assert.ok(a?.issuedAt);
      assert.ok(a?.expiresAt && Date.parse(a.expiresAt) > Date.now());
      const c = await cred(`bao:${ci.accessor}`);
      assert.equal(c?.owner, 'team-ci');
      assert.equal(c?.workload, 'ci');
    });

    it('a second sync writes nothing', async () => {
      const before = (await runtime.deps.store.auditHead()).seq;
      const [r] = await ops().syncInventory({ provider: 'bao' }, 'test');
      assert.deepEqual([r?.created, r?.updated, r?.gone], [0, 0, 0], JSON.stringify(r?.diff));
      assert.equal((await runtime.deps.store.auditHead()).seq, before);
    });

    it('a token revoked at OpenBao is marked gone', async () => {
      const ci = tokens[1]!;
      await bao.ok('POST', 'auth/token/revoke-accessor', { accessor: ci.accessor });
      const [r] = await ops().syncInventory({ provider: 'bao' }, 'test');
      assert.equal(r?.gone, 1);
      const c = await cred(`bao:${ci.accessor}`);
      assert.equal(c?.status, 'deleted');
      assert.ok(c?.labels[GONE_LABEL]);
    });

    it('an offboarding right after the sync revokes a token no one typed in', async () => {
      const ann = tokens[0]!;
      assert.ok(await alive(ann.accessor));
      await ops().ingest([{ kind: 'offboarding', subject: { person: 'ann@example.com' } }]);
      await runtime.idle();
      assert.equal(await alive(ann.accessor), false, "ann's token is revoked at OpenBao");
    });

    it('POST /v1/inventory/sync: a dry run answers the diff; bad input and unknown instances are refused', async () => {
      const app = buildApp({
        ops: ops(),
        logger: log.logger,
        bodyLimitBytes: 64 * 1024,
        adminToken: 'test-admin-token',
        health: () => runtime.deps.bus.health(),
      });
      try {
        const headers = { authorization: 'Bearer test-admin-token' };
        const post = (payload: unknown) =>
          app.inject({ method: 'POST', url: '/v1/inventory/sync', headers, payload: payload as object });
        const before = (await runtime.deps.store.auditHead()).seq;
        const ok = await post({ provider: 'bao', dryRun: true });
        assert.equal(ok.statusCode, 200, ok.body);
        const [r] = (ok.json() as { reports: { provider: string; dryRun: boolean }[] }).reports;
        assert.deepEqual([r?.provider, r?.dryRun], ['bao', true]);
        assert.equal((await runtime.deps.store.auditHead()).seq, before, 'a dry run writes nothing');
        assert.equal((await post({ provider: 'nope' })).statusCode, 404);
        assert.equal((await post({ dryrun: true })).statusCode, 400);
        const anonymous = await app.inject({ method: 'POST', url: '/v1/inventory/sync', payload: {} });
        assert.equal(anonymous.statusCode, 401);
      } finally {
        await app.close();
      }
    });

    it('no token id in the store, the audit trail or the logs', async () => {
      const where = [
        JSON.stringify(await runtime.deps.store.listCredentials(10_000)),
        JSON.stringify(await runtime.deps.store.listAudit({ limit: 10_000 })),
        log.text(),
      ].join('\n');
      for (const t of [...tokens.map((x) => x.token), bao.rootToken])
        assert.ok(!where.includes(t), 'a token id leaked');
      assert.ok(where.includes(tokens[0]!.accessor), 'accessors are stored (they are not secrets)');
    });
  });

  describe('tourniquet inventory sync (CLI, no service running)', () => {
    it('syncs into the local data dir, prints the report, and --json gives it whole', async () => {
      const d = await tempDir();
      try {
        const config = join(d.path, 'config.json');
        await writeFile(
          config,
          JSON.stringify({
            providers: [{ type: 'vault', name: 'bao', address: bao.url, token: { env: 'BAO_TOKEN' } }],
          }),
        );
        const env = childEnv({
          TOURNIQUET_DATA_DIR: join(d.path, 'data'),
          TOURNIQUET_CONFIG: config,
          TOURNIQUET_LOG_LEVEL: 'warn',
          BAO_TOKEN: bao.rootToken,
        });
        const cli = (args: string[]) =>
          spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
        const dry = cli(['inventory', 'sync', '--dry-run']);
        assert.equal(dry.status, 0, dry.stderr);
        assert.match(dry.stdout, /^bao \(dry run: nothing written\): \d+ discovered/);
        const real = cli(['inventory', 'sync', '--provider', 'bao', '--json']);
        assert.equal(real.status, 0, real.stderr);
        const [r] = JSON.parse(real.stdout) as { provider: string; created: number; discovered: number }[];
        assert.equal(r?.provider, 'bao');
        assert.ok((r?.created ?? 0) > 0 && r?.created === r?.discovered, 'the dry run wrote nothing');
        const unknown = cli(['inventory', 'sync', '--provider', 'nope']);
        assert.equal(unknown.status, 1);
        assert.match(unknown.stderr, /NOT_FOUND/);
        for (const out of [dry.stdout, real.stdout, real.stderr]) assert.ok(!out.includes(bao.rootToken));
      } finally {
        await d.remove();
      }
    });
  });

  describe('scheduled inventory sync', () => {
    it('the service syncs an instance named in sync.intervalsMs on its own', async () => {
      const d = await tempDir();
      const rt = await createRuntime(
        testConfig({
          dataDir: d.path,
          providers: [{ type: 'vault', name: 'bao', address: bao.url, token: bao.rootToken }],
          drift: { intervalMs: 0 },
          sync: { intervalsMs: { bao: 1_000 } },
        }),
        { logger: captureLogger().logger },
      );
      try {
        const auth = (await bao.ok('POST', 'auth/token/create', { policies: ['default'], ttl: '1h' }))
          .auth as {
          accessor: string;
        };
        await rt.startWorkers();
        await waitFor(
          'the scheduled sync',
          () => rt.deps.store.findCredentials({ ids: [`bao:${auth.accessor}`] }),
          (found) => found.length === 1,
        );
        const records = await rt.deps.store.listAudit({ limit: 1000 });
        assert.ok(records.some((r) => r.type === 'inventory.synced' && r.actor === 'scheduler'));
      } finally {
        await rt.stop();
        await d.remove();
      }
    });

    it('an interval for an instance without a discoverer is a config error at start', async () => {
      const d = await tempDir();
      const rt = await createRuntime(
        testConfig({ dataDir: d.path, drift: { intervalMs: 0 }, sync: { intervalsMs: { nope: 1_000 } } }),
        { logger: captureLogger().logger },
      );
      try {
        await assert.rejects(rt.startWorkers(), { code: 'INVALID_CONFIG' });
      } finally {
        await rt.stop();
        await d.remove();
      }
    });
  });
}
