/**
 * The whole pipeline on Kafka (issue 3 acceptance): tourniquet runs as a child process on a real
 * broker and PostgreSQL, and revokes at a real OAuth server (oidc-provider). Input messages are
 * produced with kafkajs as any producer would; the audit and DLQ topics are read back the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { leakInput, pipelineSetup, waitForFinalTasks, type TopicRecord } from '../support/kafka-pipeline.js';
import { cloudEventOf } from '../support/cloudevents.js';

interface AuditJson {
  seq: number;
  type: string;
  hash: string;
  at: string;
  triggerId?: string | null;
}

const auditOf = (r: TopicRecord) => r.json as AuditJson;

test('a leak produced to the leak topic ends revoked and verified, audited on the audit topic', async (t) => {
  const ctx = await pipelineSetup(t);
  if (!ctx) return;
  const svc = await ctx.start('e2e');
  const [token] = await ctx.importTokens(svc, 1);
  await ctx.produce('leak', [{ key: 'scanner-1', value: leakInput(token!) }]);

  assert.deepEqual(await waitForFinalTasks(ctx, 1, 30_000), { succeeded: 1 });
  assert.equal(await ctx.oauth.introspect(token!), false, 'the OAuth server says the token is dead');
  assert.equal(ctx.oauth.revocationCalls(), 1);
  const [cred] = await ctx.query<{ status: string }>("SELECT status FROM credentials WHERE id = 'c0'");
  assert.equal(cred?.status, 'revoked');

  // Every audit record of the trigger, as stored, also reached the audit topic (same seq and hash).
  const stored = await ctx.query<{ seq: string; type: string; hash: string }>(
    'SELECT seq, type, hash FROM audit WHERE trigger_id IS NOT NULL ORDER BY seq',
  );
  const types = stored.map((r) => r.type);
  for (const want of ['trigger.accepted', 'plan.created', 'task.revoked', 'task.verified']) {
    assert.ok(types.includes(want), `stored audit has ${want}: ${types.join(',')}`);
  }
  const onTopic = await ctx.collect('audit', (rs) =>
    stored.every((s) => rs.some((r) => auditOf(r).seq === Number(s.seq))),
  );
  for (const s of stored) {
    const mirrored = onTopic.find((r) => auditOf(r).seq === Number(s.seq));
    assert.equal(
      mirrored && auditOf(mirrored).hash,
      s.hash,
      `audit #${s.seq} (${s.type}) mirrored as stored`,
    );
  }
  assert.ok(!onTopic.some((r) => r.value.includes(token!)), 'no raw token on the audit topic');
  // Every record on the audit topic is a CloudEvent (binary mode), read by the CloudEvents SDK.
  for (const r of onTopic) {
    const event = cloudEventOf(r);
    const record = auditOf(r);
    assert.equal(event.type, `io.tourniquet.audit.${record.type}`);
    assert.equal(event.id, `record-${record.seq}`);
    assert.equal(event.time, new Date(record.at).toISOString());
  }
  assert.equal(await svc.stop('SIGTERM'), 0, 'SIGTERM drains and exits 0');
});

test('poison messages go to the DLQ with reason and origin; the next good message is processed', async (t) => {
  const ctx = await pipelineSetup(t);
  if (!ctx) return;
  const svc = await ctx.start('poison');
  const [token] = await ctx.importTokens(svc, 1);
  const huge = JSON.stringify({
    kind: 'leak',
    source: 'big',
    subject: { token: 'x'.repeat(5 * 1024 * 1024) },
  });
  const poison = [
    { key: 'not-json', value: 'this is {not json' },
    { key: 'bad-schema', value: JSON.stringify({ kind: 'leak', source: 'x', subject: { nope: 1 } }) },
    { key: 'huge', value: huge },
  ];
  // One key → one partition, so the good message queues behind all three poison messages.
  await ctx.produce(
    'leak',
    [...poison, { key: 'good', value: leakInput(token!) }].map((m) => ({
      key: 'same-partition',
      value: m.value,
    })),
  );

  assert.deepEqual(await waitForFinalTasks(ctx, 1, 60_000), { succeeded: 1 });
  assert.equal(await ctx.oauth.introspect(token!), false);

  const dlq = await ctx.collect('dlq', (rs) => rs.length >= 3);
  assert.equal(dlq.length, 3);
  const records = dlq
    .map(
      (r) =>
        r.json as {
          code: string;
          reason: string;
          source: { topic: string; partition: number; offset: string };
          payload?: string;
          sealedPayload: string;
          payloadBytes: number;
          payloadTruncated: boolean;
        },
    )
    .sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
  records.forEach((rec, i) => {
    assert.equal(rec.code, 'INVALID_INPUT');
    assert.ok(rec.reason.length > 0);
    assert.equal(rec.source.topic, 'leak');
    assert.equal(typeof rec.source.partition, 'number');
    assert.equal(rec.source.offset, String(i), 'offsets 0, 1, 2 of the shared partition');
  });
  // Payloads are sealed (they may hold raw secrets); each dead letter has its own key.
  for (const rec of records) {
    assert.equal(rec.payload, undefined);
    assert.match(rec.sealedPayload, /^v1\./);
  }
  assert.ok(dlq.every((r) => !r.value.includes('not json') && !r.value.includes('x'.repeat(64))));
  assert.equal(new Set(dlq.map((r) => r.key)).size, 3);
  assert.equal(records[0]!.payloadBytes, Buffer.byteLength(poison[0]!.value));
  assert.equal(records[2]!.payloadTruncated, true);
  assert.equal(records[2]!.payloadBytes, Buffer.byteLength(huge));

  const rejected = await ctx.query<{ n: string }>(
    "SELECT count(*) AS n FROM audit WHERE type = 'trigger.rejected'",
  );
  assert.equal(Number(rejected[0]!.n), 3, 'each poison message is audited as rejected');
  assert.equal(await svc.stop('SIGTERM'), 0);
});
