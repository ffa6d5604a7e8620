/**
 * Walking skeleton, end to end on the embedded default (PGlite + local log) against a real OAuth
 * server (oidc-provider): a leak trigger becomes a planned, executed, verified, audited revocation.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { isTourniquetError } from '../../src/errors.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import {
  captureLogger,
  oauthProviderConfig,
  tempDir,
  testConfig,
  type CapturedLogger,
} from '../support/runtime.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('walking skeleton on the embedded default', () => {
  let oauth: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let log: CapturedLogger;
  let token: string;
  let otherToken: string;
  const errorsSeen: string[] = [];

  before(async () => {
    oauth = await startOAuthServer();
    dir = await tempDir();
    log = captureLogger();
    token = await oauth.mint('api:read');
    otherToken = await oauth.mint('api:write');
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(oauth)] }),
      {
        logger: log.logger,
      },
    );
    await runtime.startWorkers();
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      {
        credentials: [
          {
            id: 'billing-token',
            provider: 'oauth-main',
            kind: 'oauth.access_token',
            owner: 'alice@example.com',
            secret: token,
          },
          {
            id: 'reports-token',
            provider: 'oauth-main',
            kind: 'oauth.access_token',
            owner: 'bob@example.com',
            secret: otherToken,
          },
        ],
      },
      'test',
    );
  });

  after(async () => {
    await runtime?.stop();
    await oauth?.close();
    await dir?.remove();
  });

  it('revokes a leaked token at the real OAuth server, verifies it dead, and audits each step', async () => {
    assert.equal(await oauth.introspect(token), true, 'the minted token starts active');
    const ops = localOps(runtime.deps);
    const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token } }]);
    await runtime.idle();
    const triggerId = res.accepted[0]!.id;

    assert.equal(await oauth.introspect(token), false, 'introspection answers active:false after the leak');
    assert.equal(await oauth.introspect(otherToken), true, 'an unrelated token stays alive');
    const types = (await ops.listAudit({ triggerId })).map((r) => r.type);
    assert.deepEqual(types, [
      'trigger.accepted',
      'plan.created',
      'task.attempt',
      'task.revoked',
      'task.verified',
    ]);
    const [task] = await ops.listTasks({ triggerId });
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.outcome, 'revoked');
    assert.ok(task?.verifiedAt, 'verifiedAt recorded');
    const [cred] = await runtime.deps.store.findCredentials({ ids: ['billing-token'] });
    assert.equal(cred?.status, 'revoked');
  });

  it('makes exactly one revocation call when the same trigger is ingested twice', async () => {
    const fresh = await oauth.mint('api:read');
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      [{ id: 'dup-token', provider: 'oauth-main', kind: 'oauth.access_token', secret: fresh }],
      'test',
    );
    const before = oauth.revocationCalls();
    const first = await ops.ingest([{ kind: 'leak', source: 'scanner-a', subject: { token: fresh } }]);
    await runtime.idle();
    // Reported again by another scanner, as a redelivered or forked finding would be.
    const second = await ops.ingest([{ kind: 'leak', source: 'scanner-b', subject: { token: fresh } }]);
    await runtime.idle();
    assert.equal(first.accepted[0]!.id, second.accepted[0]!.id, 'same secret → same trigger id');
    assert.equal(oauth.revocationCalls() - before, 1);
    const types = (await ops.listAudit({ triggerId: first.accepted[0]!.id })).map((r) => r.type);
    assert.equal(types.filter((t) => t === 'task.revoked').length, 1);
    assert.ok(types.includes('trigger.duplicate'));
  });

  it('rejects a malformed trigger naming the field, and stores nothing of it', async () => {
    const ops = localOps(runtime.deps);
    const beforeAudit = (await runtime.deps.store.auditHead()).seq;
    await assert.rejects(
      ops.ingest([
        { kind: 'offboarding', subject: { person: 'carol@example.com' } },
        { kind: 'offboarding', subject: { persn: 'dave@example.com' } },
      ]),
      (e: unknown) => {
        assert.ok(isTourniquetError(e));
        assert.equal(e.code, 'INVALID_INPUT');
        errorsSeen.push(e.message, JSON.stringify(e.details));
        const paths = (e.details as { path: string }[]).map((i) => i.path);
        assert.ok(paths.includes('subject.person'), `issues name subject.person: ${paths.join(',')}`);
        return true;
      },
    );
    await runtime.idle();
    assert.equal(
      (await runtime.deps.store.auditHead()).seq,
      beforeAudit,
      'no audit record: nothing half-stored',
    );
    assert.equal(
      (await runtime.deps.store.listTriggers({})).filter((t) => t.kind === 'offboarding').length,
      0,
    );
  });

  it('never writes a planted raw token to logs, the store, the data dir, the audit or error output', async () => {
    const planted = await oauth.mint('api:write');
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      [{ id: 'planted', provider: 'oauth-main', kind: 'oauth.access_token', secret: planted }],
      'test',
    );
    // Evidence that quotes the secret (a scanner's matched line) is kept, with the secret cut out.
    const res = await ops.ingest([
      {
        kind: 'leak',
        source: 'test',
        subject: { token: planted },
        evidence: { note: 'planted', line: `export API_TOKEN="${planted}" # ci` },
      },
    ]);
    await runtime.idle();
    // A malformed input that carries the token must not echo it either.
    await assert.rejects(
      ops.ingest([{ kind: 'leak', subject: { token: planted, extra: planted } }]),
      (e: unknown) => {
        errorsSeen.push(
          (e as Error).message,
          JSON.stringify((e as { details?: unknown }).details ?? null),
          String((e as Error).stack),
        );
        return true;
      },
    );
    assert.equal(await oauth.introspect(planted), false);
    const kept = await runtime.deps.store.getTrigger(res.accepted[0]!.id);
    assert.match(String(kept?.evidence.line), /^export API_TOKEN="\[redacted [0-9a-f]{8}\]" # ci$/);

    const exported: string[] = [];
    for await (const r of ops.exportAudit()) exported.push(JSON.stringify(r));
    assert.ok(exported.length > 0);
    assert.ok(!exported.join('\n').includes(planted), 'audit export');
    assert.ok(log.text().length > 0 && !log.text().includes(planted), 'log lines');
    assert.ok(!errorsSeen.join('\n').includes(planted), 'error output');
    const tables = ['credentials', 'triggers', 'plans', 'tasks', 'audit'];
    await runtime.stop();
    const db = await PGlite.create(join(dir.path, 'pgdata'));
    for (const table of tables) {
      const rows = await db.query(`SELECT * FROM ${table}`);
      assert.ok(!JSON.stringify(rows.rows).includes(planted), `table ${table}`);
    }
    await db.close();
    for (const f of await filesUnder(dir.path)) {
      const bytes = await readFile(f);
      assert.ok(!bytes.includes(planted), `file ${f}`);
    }
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(oauth)] }),
      { logger: log.logger },
    );
  });

  it('audit verify detects one altered row and one deleted row', async () => {
    const ok = await localOps(runtime.deps).verifyAudit();
    assert.equal(ok.ok, true);
    assert.ok(ok.records > 5);
    await runtime.stop();
    const db = await PGlite.create(join(dir.path, 'pgdata'));
    await db.query(`UPDATE audit SET data = jsonb_set(data, '{provider}', '"edited"') WHERE seq = 3`);
    await db.close();
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(oauth)] }),
      { logger: log.logger },
    );
    const edited = await localOps(runtime.deps).verifyAudit();
    assert.equal(edited.ok, false);
    assert.deepEqual(
      edited.problems.map((p) => [p.seq, p.problem]),
      [[3, 'hash_mismatch']],
    );

    await runtime.stop();
    const db2 = await PGlite.create(join(dir.path, 'pgdata'));
    await db2.query(`UPDATE audit SET data = jsonb_set(data, '{provider}', '"oauth-main"') WHERE seq = 3`);
    const restored = await db2.query<{ hash: string; prev_hash: string; data: unknown }>(
      'SELECT * FROM audit WHERE seq = 3',
    );
    assert.ok(restored.rows.length === 1);
    await db2.query('DELETE FROM audit WHERE seq = 5');
    await db2.close();
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(oauth)] }),
      { logger: log.logger },
    );
    const deleted = await localOps(runtime.deps).verifyAudit();
    assert.equal(deleted.ok, false);
    assert.ok(deleted.problems.some((p) => p.seq === 5 && p.problem === 'missing_record'));
  });
});
