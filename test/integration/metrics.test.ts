/**
 * Metrics end to end: a real runtime on the embedded default revokes leaked tokens at a real OAuth
 * server (oidc-provider), and GET /metrics — the HTTP app's route, through inject() — shows the
 * counters, histograms and gauges moving with the right, bounded labels.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { localOps } from '../../src/ops/local.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough of it for these assertions). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels are exactly `labels`; 0 when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hits = samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  );
  assert.ok(hits.length <= 1, `${name} ${want} appears ${hits.length} times`);
  return hits[0]?.value ?? 0;
}

describe('GET /metrics on a real runtime', () => {
  let oauth: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger();

  before(async () => {
    oauth = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [oauthProviderConfig(oauth)],
        retry: { schedulerIntervalMs: 100, baseMs: 100, capMs: 300 },
      }),
      { logger: log.logger },
    );
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime?.stop();
    await oauth?.close();
    await dir?.remove();
  });

  const app = () =>
    buildApp({
      ops: localOps(runtime.deps),
      logger: runtime.deps.logger,
      bodyLimitBytes: 1_000_000,
      adminToken: 'unused-in-this-test',
      health: () => runtime.deps.bus.health(),
      metrics: runtime.metrics,
    });
  async function scrape(): Promise<Sample[]> {
    const a = app();
    try {
      // No bearer token: /metrics is unauthenticated, like /healthz.
      const res = await a.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return parse(res.body);
    } finally {
      await a.close();
    }
  }
  async function leak(id: string, source: string) {
    const token = await oauth.mint();
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      [{ id, provider: 'oauth-main', kind: 'oauth.access_token', owner: 'ann@example.com', secret: token }],
      'test',
    );
    const res = await ops.ingest([{ kind: 'leak', source, subject: { token } }]);
    return { token, triggerId: res.accepted[0]!.id };
  }
  const taskOf = async (triggerId: string) => (await runtime.deps.store.listTasks({ triggerId }))[0];

  it('counts a revoked leak: trigger, task, latency histograms, gauges and process metrics', async () => {
    const before = await scrape();
    const { token, triggerId } = await leak('metrics-1', 'scanner-a');
    await runtime.idle();
    assert.equal((await taskOf(triggerId))?.status, 'succeeded');
    assert.equal(await oauth.introspect(token), false);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    assert.equal(
      delta('tourniquet_triggers_total', { kind: 'leak', source: 'scanner-a', outcome: 'planned' }),
      1,
    );
    assert.equal(
      delta('tourniquet_tasks_total', {
        provider: 'oauth-main',
        action: 'revoke',
        outcome: 'revoked',
        status: 'succeeded',
      }),
      1,
    );
    const kp = { kind: 'leak', provider: 'oauth-main' };
    assert.equal(delta('tourniquet_trigger_to_revoked_seconds_count', kp), 1);
    assert.equal(delta('tourniquet_trigger_to_verified_seconds_count', kp), 1);
    const revokedSecs = delta('tourniquet_trigger_to_revoked_seconds_sum', kp);
    assert.ok(revokedSecs > 0, `trigger→revoked took ${revokedSecs} s`);
    assert.equal(value(after, 'tourniquet_trigger_to_verified_seconds_bucket', { ...kp, le: '+Inf' }), 1);
    assert.equal(
      value(after, 'tourniquet_trigger_to_verified_seconds_bucket', { ...kp, le: '0.25' }) <= 1,
      true,
    );

    assert.equal(value(after, 'tourniquet_dead_letters'), 0);
    assert.equal(value(after, 'tourniquet_circuit_state', { provider: 'oauth-main' }), 0);
    assert.equal(value(after, 'tourniquet_consumer_lag', { topic: 'leak' }), 0);
    assert.equal(value(after, 'tourniquet_consumer_lag', { topic: 'tasks' }), 0);
    assert.ok(
      after.some((s) => s.name === 'process_cpu_user_seconds_total'),
      'default process metrics',
    );
    assert.ok(
      after.some((s) => s.name === 'nodejs_eventloop_lag_seconds'),
      'default Node.js metrics',
    );

    // Bounded labels: no sample carries an id, a fingerprint or the token.
    for (const s of after) {
      for (const v of Object.values(s.labels)) {
        assert.ok(
          !v.includes(triggerId) && !v.includes('metrics-1') && !v.includes(token),
          `${s.name} label ${v}`,
        );
        assert.ok(!/^[0-9a-f]{32,}$/.test(v), `${s.name} has an id-like label ${v}`);
      }
    }
  });

  it('counts duplicates and rejected input messages', async () => {
    const before = await scrape();
    const token = await oauth.mint();
    const ops = localOps(runtime.deps);
    await ops.ingest([{ kind: 'leak', source: 'scanner-b', subject: { token } }]);
    await runtime.idle();
    await ops.ingest([{ kind: 'leak', source: 'scanner-b', subject: { token } }]);
    await runtime.deps.bus.publish('leak', [{ key: 'garbage', value: '{"kind":"leak","subject":{}}' }]);
    await runtime.idle();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    assert.equal(
      delta('tourniquet_triggers_total', { kind: 'leak', source: 'scanner-b', outcome: 'planned' }),
      1,
    );
    assert.equal(
      delta('tourniquet_triggers_total', { kind: 'leak', source: 'scanner-b', outcome: 'duplicate' }),
      1,
    );
    const rejected = after
      .filter((s) => s.name === 'tourniquet_triggers_total' && s.labels.outcome === 'rejected')
      .reduce((n, s) => n + s.value, 0);
    const rejectedBefore = before
      .filter((s) => s.name === 'tourniquet_triggers_total' && s.labels.outcome === 'rejected')
      .reduce((n, s) => n + s.value, 0);
    assert.equal(rejected - rejectedBefore, 1);
  });

  it('counts a retry by provider and code, and a dead letter in the counter and the gauge', async () => {
    const before = await scrape();
    oauth.failNextRevocations(1, 503);
    const retried = await leak('metrics-retry', 'scanner-c');
    await waitFor(
      'retried task',
      () => taskOf(retried.triggerId),
      (t) => t?.status === 'succeeded',
      20_000,
    );

    oauth.failNextRevocations(1, 401);
    const dead = await leak('metrics-dead', 'scanner-c');
    await waitFor(
      'dead-lettered task',
      () => taskOf(dead.triggerId),
      (t) => t?.status === 'dead_lettered',
      20_000,
    );

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    assert.equal(
      delta('tourniquet_task_retries_total', { provider: 'oauth-main', code: 'PROVIDER_UNAVAILABLE' }),
      1,
    );
    assert.equal(
      delta('tourniquet_tasks_total', {
        provider: 'oauth-main',
        action: 'revoke',
        outcome: 'none',
        status: 'dead_lettered',
      }),
      1,
    );
    assert.equal(delta('tourniquet_dead_letters'), 1);
    assert.equal(
      value(after, 'tourniquet_dead_letters'),
      (await runtime.deps.store.listTasks({ statuses: ['dead_lettered'] })).length,
    );
  });

  it('keeps one registry per runtime, and caps free-form label values', async () => {
    // A second registry over the same runtime's parts: no "already registered" clash with the first.
    const second = createMetrics(
      { store: runtime.deps.store, bus: runtime.deps.bus, admission: runtime.deps.admission },
      { maxLabelValues: 2, processMetrics: false },
    );
    for (const source of ['s1', 's2', 's3', 's4'])
      second.events.triggerHandled?.({ kind: 'leak', source, outcome: 'planned' });
    const samples = parse(await second.registry.metrics());
    const sources = samples
      .filter((s) => s.name === 'tourniquet_triggers_total')
      .map((s) => [s.labels.source, s.value]);
    assert.deepEqual(sources.sort(), [
      ['other', 2],
      ['s1', 1],
      ['s2', 1],
    ]);
    assert.equal(value(samples, 'tourniquet_dead_letters'), value(await scrape(), 'tourniquet_dead_letters'));
    assert.ok(!samples.some((s) => s.name.startsWith('process_')), 'process metrics only where asked');
  });
});
