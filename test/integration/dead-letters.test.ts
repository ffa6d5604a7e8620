/**
 * No secret at rest in the clear: a scanner batch with one malformed record dead-letters only that
 * record, sealed, on the embedded log and on the Kafka DLQ topic; the planted token is found in no
 * file of the data dir (nor next to it) and in no message of the DLQ topic. `dlq list` shows the
 * topic's dead messages (original headers kept, one key each), `dlq show --unseal` opens one for
 * responders only and is audited.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics } from '../../src/bus/kafka.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { SOURCE_HEADER } from '../../src/pipeline/input-topic.js';
import { getKafka, kafkaTopics } from '../support/kafka.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';
import { cloudEventOf } from '../support/cloudevents.js';

const token = (tag: string) => `ghp_${tag}${randomBytes(16).toString('hex')}`;

/** A Gitleaks report: two good findings and, at index 1, one whose StartLine is not a number. */
function report() {
  const good = [token('good1'), token('good2')];
  const planted = token('plant');
  const body = [
    { RuleID: 'github-pat', Secret: good[0], File: 'a.env', StartLine: 1 },
    { RuleID: 'github-pat', Secret: planted, File: 'b.env', StartLine: 'seven' },
    { RuleID: 'github-pat', Secret: good[1], File: 'c.env', StartLine: 3 },
  ];
  return { body: JSON.stringify(body), good, planted };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/** `grep -a` over every file under `dir`: the files that contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(needle)) hits.push(f);
  return hits;
}

async function embeddedRuntime(t: TestContext, extra: Record<string, unknown> = {}) {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const runtime = await createRuntime(
    testConfig({ dataDir: join(dir.path, 'data'), providers: [], ...extra }),
    {
      logger: captureLogger('warn').logger,
    },
  );
  return { dir, runtime };
}

describe('dead letters on the embedded log', () => {
  it('a malformed batch record is dead-lettered alone and sealed; its token is in no file', async (t) => {
    const { dir, runtime } = await embeddedRuntime(t);
    let rt: Runtime | undefined = runtime;
    t.after(() => rt?.stop());
    const { body, good, planted } = report();
    const ops = localOps(runtime.deps);
    const res = await ops.ingestSource('gitleaks', Buffer.from(body));
    assert.equal(res.accepted.length, 2);
    assert.deepEqual(
      res.skipped?.map((s) => s.path),
      ['$[1].StartLine'],
    );
    await runtime.startWorkers();
    await runtime.idle();

    const listed = await ops.listDeadMessages();
    assert.equal(listed.length, 1);
    const [dead] = listed;
    assert.equal(dead!.headers[SOURCE_HEADER], 'gitleaks');
    assert.equal(dead!.source.record, '$[1]');
    assert.equal(dead!.code, 'INVALID_INPUT');
    assert.equal(JSON.stringify(listed).includes(planted), false, 'list never shows a payload');
    // On the log as on Kafka, a dead letter is a CloudEvent (binary mode), read by the SDK.
    const [onLog] = await runtime.deps.bus.read!('dlq', 0, Date.now() + 1);
    const event = cloudEventOf(onLog!);
    assert.equal(event.type, 'io.tourniquet.dlq.dead_letter');
    assert.equal(event.id, dead!.id);

    const shown = await ops.showDeadMessage(dead!.id, { unseal: true, operator: 'responder-1' });
    assert.ok(shown.payload?.includes(planted), 'the bad record is kept for reprocessing');
    assert.ok(!good.some((g) => shown.payload?.includes(g)), 'and nothing of its siblings');
    const audit = await ops.listAudit({ limit: 1000 });
    const unsealed = audit.filter((r) => r.type === 'dlq.unsealed');
    assert.deepEqual(
      unsealed.map((r) => [r.actor, r.data.deadLetter]),
      [['responder-1', dead!.id]],
    );

    await runtime.stop();
    rt = undefined;
    // The data dir and what sits next to it (the audit anchor file).
    for (const secret of [planted, ...good]) assert.deepEqual(await filesContaining(dir.path, secret), []);
  });

  it('over the operator API: an analyst lists dead messages but cannot unseal them', async (t) => {
    const { runtime } = await embeddedRuntime(t);
    t.after(() => runtime.stop());
    const ops = localOps(runtime.deps);
    const app = buildApp({
      ops,
      logger: captureLogger('warn').logger,
      bodyLimitBytes: 64 * 1024,
      adminToken: 'admin-token',
      health: () => runtime.deps.bus.health(),
    });
    t.after(() => app.close());
    const { body, planted } = report();
    await ops.ingestSource('gitleaks', Buffer.from(body));
    const analyst = await ops.addOperator('ana', 'analyst');
    const responder = await ops.addOperator('rita', 'responder');
    const as = (tok: string) => ({ authorization: `Bearer ${tok}` });

    const list = await app.inject({ method: 'GET', url: '/v1/dlq/messages', headers: as(analyst.token) });
    assert.equal(list.statusCode, 200);
    const [dead] = (list.json() as { deadMessages: { id: string }[] }).deadMessages;
    assert.ok(dead);
    assert.ok(!list.body.includes(planted));
    const url = `/v1/dlq/messages/${encodeURIComponent(dead.id)}?unseal=true`;
    const denied = await app.inject({ method: 'GET', url, headers: as(analyst.token) });
    assert.equal(denied.statusCode, 403);
    assert.equal((denied.json() as { error: string }).error, 'FORBIDDEN');
    const opened = await app.inject({ method: 'GET', url, headers: as(responder.token) });
    assert.equal(opened.statusCode, 200);
    assert.ok(opened.body.includes(planted));
    const audit = await ops.listAudit({ limit: 1000 });
    assert.deepEqual(
      audit.filter((r) => r.type === 'dlq.unsealed').map((r) => r.actor),
      ['rita'],
    );
  });
});

describe('dead letters on Kafka', () => {
  it('the DLQ topic holds only the bad record, sealed, with its headers; dlq list shows every dead letter', async (t) => {
    const k = await getKafka(t);
    if (!k) return;
    const topics = kafkaTopics(k.topicPrefix);
    await createTopics({ brokers: k.brokers, clientId: 'dlq-test' }, Object.values(topics), 1);
    const key32 = () => randomBytes(32).toString('base64');
    const { dir, runtime } = await embeddedRuntime(t, {
      kafka: { brokers: k.brokers, topics, groupId: `${k.topicPrefix}.group`, partitions: 1 },
      keys: { fingerprint: key32(), seal: key32(), audit: key32(), anchor: key32() },
    });
    let rt: Runtime | undefined = runtime;
    t.after(() => rt?.stop());
    await runtime.startWorkers();

    const kafka = new Kafka({ brokers: k.brokers, clientId: 'dlq-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    const { body, good, planted } = report();
    await producer.send({
      topic: topics.leak,
      messages: [
        { key: 'batch', value: body, headers: { [SOURCE_HEADER]: 'gitleaks' } },
        // Three poison messages under one key: each must still get its own dead-letter key.
        { key: 'same', value: 'not json {' },
        { key: 'same', value: JSON.stringify({ kind: 'leak', source: 'x', subject: { nope: 1 } }) },
        { key: 'same', value: JSON.stringify({ kind: 'nope' }) },
      ],
    });
    const ops = localOps(runtime.deps);
    const listed = await waitFor(
      'four dead letters',
      () => ops.listDeadMessages(),
      (l) => l.length >= 4,
    );
    assert.equal(listed.length, 4);
    assert.equal(new Set(listed.map((d) => d.id)).size, 4);
    const batch = listed.find((d) => d.headers[SOURCE_HEADER] === 'gitleaks');
    assert.equal(batch?.source.record, '$[1]');

    const raw = await runtime.deps.bus.read!('dlq', 0, Date.now() + 1);
    assert.equal(raw.length, 4);
    assert.equal(new Set(raw.map((m) => m.key)).size, 4, 'a unique key per dead letter');
    assert.equal(
      raw.find((m) => m.headers[SOURCE_HEADER] === 'gitleaks')?.headers[SOURCE_HEADER],
      'gitleaks',
    );
    for (const m of raw) {
      // Each dead letter is a CloudEvent (binary mode), read by the CloudEvents SDK.
      const event = cloudEventOf(m);
      assert.equal(event.type, 'io.tourniquet.dlq.dead_letter');
      assert.equal(event.source, '/tourniquet/dlq');
      assert.equal(event.id, m.key);
      assert.equal(event.datacontenttype, 'application/json');
      const text = m.value + JSON.stringify(m.headers);
      for (const secret of [planted, ...good, 'not json {']) assert.ok(!text.includes(secret));
    }
    const shown = await ops.showDeadMessage(batch!.id, { unseal: true, operator: 'r' });
    assert.ok(shown.payload?.includes(planted));
    assert.ok(!good.some((g) => shown.payload?.includes(g)));

    await runtime.stop();
    rt = undefined;
    for (const secret of [planted, ...good]) assert.deepEqual(await filesContaining(dir.path, secret), []);
  });
});
