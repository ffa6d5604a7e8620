/** The HTTP API (fastify inject) over a real embedded runtime. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

describe('HTTP API', () => {
  let runtime: Runtime;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: ReturnType<typeof buildApp>;
  const log = captureLogger();
  const auth = { authorization: 'Bearer test-admin-token' };

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: log.logger });
    await runtime.startWorkers();
    app = buildApp({
      ops: localOps(runtime.deps),
      logger: log.logger,
      bodyLimitBytes: 64 * 1024,
      adminToken: 'test-admin-token',
      health: () => runtime.deps.bus.health(),
    });
  });
  after(async () => {
    await app.close();
    await runtime.stop();
    await dir.remove();
  });

  it('answers 401 without a valid bearer token', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/v1/audit' })).statusCode, 401);
    const res = await app.inject({
      method: 'GET',
      url: '/v1/audit',
      headers: { authorization: 'Bearer wrong' },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, 'UNAUTHORIZED');
  });

  it('answers 400 naming the query parameter for a bad or unknown one, on every route that reads one', async () => {
    const cases: [string, string][] = [
      ['/v1/audit?limit=-1', 'limit'],
      ['/v1/audit?limit=abc', 'limit'],
      ['/v1/audit?limit=1e308', 'limit'],
      ['/v1/audit?limit=1.5', 'limit'],
      ['/v1/audit?trigger=', 'trigger'],
      ['/v1/audit?limt=5', '(root)'],
      ['/v1/tasks?trigger=' + 'x'.repeat(300), 'trigger'],
      ['/v1/tasks?limit=5', '(root)'],
      ['/v1/plans?limit=abc', 'limit'],
      ['/v1/plans?limt=5', '(root)'],
      ['/v1/audit?type=nope', 'type'],
      ['/v1/audit?since=yesterday', 'since'],
      ['/v1/dlq?limit=-1', '(root)'],
      ['/v1/inventory?limit=-1', 'limit'],
      ['/v1/inventory?offset=5', '(root)'],
    ];
    for (const [url, field] of cases) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error, 'INVALID_INPUT');
      const paths = (res.json().issues as { path: string }[]).map((i) => i.path);
      assert.ok(paths.includes(field), `${url} names ${field}: ${paths.join(',')}`);
    }
    const ok = await app.inject({ method: 'GET', url: '/v1/audit?limit=5', headers: auth });
    assert.equal(ok.statusCode, 200);
  });

  it('reads an audit time range with any offset ISO allows (PostgreSQL refuses offsets past 15:59)', async () => {
    for (const t of ['0151-11-22T11:06:31-16:28', '9999-12-31T23:59:59-15:59', '2026-01-01T00:00:00Z']) {
      const url = `/v1/audit?since=${encodeURIComponent(t)}&until=${encodeURIComponent(t)}`;
      const res = await app.inject({ method: 'GET', url, headers: auth });
      assert.equal(res.statusCode, 200, `${t}: ${res.body}`);
    }
  });

  it('pages the inventory in id order (limit, after), and remote paging reads every page', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `page-cred-${String(i).padStart(2, '0')}`);
    await localOps(runtime.deps).importInventory(
      { credentials: ids.map((id) => ({ id, provider: 'none', kind: 'oauth.access_token' })) },
      'test',
    );
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const q = `limit=10${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const res = await app.inject({ method: 'GET', url: `/v1/inventory?${q}`, headers: auth });
      assert.equal(res.statusCode, 200, res.body);
      const page = (res.json() as { credentials: { id: string }[] }).credentials;
      assert.ok(page.length <= 10);
      seen.push(...page.map((c) => c.id));
      if (page.length < 10) break;
      after = page.at(-1)!.id;
    }
    assert.deepEqual(seen, [...seen].sort(), 'id order');
    assert.equal(new Set(seen).size, seen.length, 'no credential on two pages');
    for (const id of ids) assert.ok(seen.includes(id), id);
    const { inventoryPages } = await import('../../src/ops/inventory-pages.js');
    const pages: number[] = [];
    for await (const p of inventoryPages(localOps(runtime.deps), 10)) pages.push(p.length);
    assert.equal(
      pages.reduce((a, b) => a + b, 0),
      seen.length,
    );
    const bad = await app.inject({ method: 'GET', url: '/v1/inventory?limit=10001', headers: auth });
    assert.equal(bad.statusCode, 400);
  });

  it('answers 413 for more documents in one request than it validates (triggers, plans, inventory)', async () => {
    const many = Array.from({ length: 10_001 }, () => ({}));
    for (const [url, payload] of [
      ['/v1/triggers', many],
      ['/v1/plan', many],
      ['/v1/inventory', { credentials: many }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, headers: auth, payload });
      assert.equal(res.statusCode, 413, `${url}: ${res.body}`);
      assert.equal(res.json().error, 'PAYLOAD_TOO_LARGE');
    }
  });

  it('accepts a trigger with 202 once it is durably in the log, and processes it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/triggers',
      headers: auth,
      payload: { kind: 'decommission', subject: { workload: 'w1' } },
    });
    assert.equal(res.statusCode, 202);
    const id = res.json().accepted[0].id as string;
    await runtime.idle();
    const audit = await app.inject({ method: 'GET', url: `/v1/audit?trigger=${id}`, headers: auth });
    assert.deepEqual(
      audit.json().records.map((r: { type: string }) => r.type),
      ['trigger.accepted', 'plan.created'],
    );
  });

  it('accepts JSON Lines', async () => {
    const body = [
      '{"kind":"decommission","subject":{"workload":"w2"}}',
      '{"kind":"decommission","subject":{"workload":"w3"}}',
    ].join('\n');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/triggers',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().accepted.length, 2);
  });

  it('answers 400 listing the bad fields, and 400 for a body that is not JSON without echoing it', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/triggers',
      headers: auth,
      payload: { kind: 'leak', subject: {} },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'INVALID_INPUT');
    assert.ok(bad.json().issues.some((i: { path: string }) => i.path === 'subject'));
    const secret = 'ghp_notjson' + 'x'.repeat(30);
    const garbage = await app.inject({
      method: 'POST',
      url: '/v1/triggers',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: `{"token": "${secret}"`,
    });
    assert.equal(garbage.statusCode, 400);
    assert.ok(!garbage.body.includes(secret));
    assert.ok(!log.text().includes(secret));
  });

  it('answers 413 for an oversized body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/triggers',
      headers: auth,
      payload: {
        kind: 'decommission',
        subject: { workload: 'w' },
        evidence: { pad: 'x'.repeat(100 * 1024) },
      },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error, 'PAYLOAD_TOO_LARGE');
  });

  it('reports health and readiness', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().member, true);
  });
});
