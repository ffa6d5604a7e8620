/**
 * Traces on the embedded runtime against a real OAuth server, recorded by the SDK's in-memory
 * exporter: one trace per trigger from intake through plan to each task and provider call, a
 * caller's `traceparent` continued, the trace context on the task topic's messages, and no secret
 * (token or fingerprint) anywhere in what was recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { dispatchTasks } from '../../src/pipeline/dispatch.js';
import { inSpan } from '../../src/observe/tracing.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import {
  captureLogger,
  leakOAuthToken,
  oauthProviderConfig,
  tempDir,
  testConfig,
} from '../support/runtime.js';

const spansOf = (spans: readonly ReadableSpan[], traceId: string) =>
  spans.filter((s) => s.spanContext().traceId === traceId);

function one(spans: readonly ReadableSpan[], name: string, attr?: [string, unknown]): ReadableSpan {
  const found = spans.filter((s) => s.name === name && (!attr || s.attributes[attr[0]] === attr[1]));
  assert.equal(found.length, 1, `one ${name} span ${attr ? attr.join('=') : ''}: ${found.length}`);
  return found[0]!;
}

const isChild = (child: ReadableSpan, parent: ReadableSpan) =>
  child.parentSpanContext?.spanId === parent.spanContext().spanId &&
  child.spanContext().traceId === parent.spanContext().traceId;

/** Every recorded string of a span: name, attributes, events, links, status. */
const recorded = (s: ReadableSpan) =>
  JSON.stringify({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    status: s.status,
  });

describe('tracing', () => {
  let oauth: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const exporter = new InMemorySpanExporter();
  const secrets: string[] = [];

  before(async () => {
    oauth = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(oauth)] }),
      { logger: captureLogger().logger, spanProcessors: [new SimpleSpanProcessor({ exporter })] },
    );
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime?.stop();
    await oauth?.close();
    await dir?.remove();
  });

  /** The trace of the trigger's plan span, after the runtime went quiet. */
  async function traceOf(triggerId: string): Promise<{ traceId: string; spans: ReadableSpan[] }> {
    await runtime.idle();
    const all = exporter.getFinishedSpans();
    const plan = one(all, 'trigger.plan', ['tourniquet.trigger.id', triggerId]);
    const traceId = plan.spanContext().traceId;
    return { traceId, spans: spansOf(all, traceId) };
  }

  async function revoked(triggerId: string) {
    await runtime.idle();
    const tasks = await runtime.deps.store.listTasks({ triggerId });
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.status, 'succeeded');
    assert.ok(tasks[0]!.verifiedAt, 'verified dead');
    return tasks[0]!;
  }

  it('records one trace per trigger: intake, publish, process, plan, task, provider calls', async () => {
    const first = await leakOAuthToken(runtime, oauth, 'oauth-main', 'traced-1');
    secrets.push(first.token, runtime.deps.fingerprint(first.token));
    const task = await revoked(first.triggerId);
    const { traceId, spans } = await traceOf(first.triggerId);

    const intake = one(spans, 'trigger.intake');
    assert.equal(intake.parentSpanContext, undefined, 'the trigger starts its trace');
    const publish = one(spans, 'publish leak');
    const consume = one(spans, 'process leak');
    const plan = one(spans, 'trigger.plan');
    const execute = one(spans, 'task.execute');
    const calls = spans.filter((s) => s.name === 'provider.call');
    assert.ok(isChild(publish, intake), 'publish under intake');
    assert.ok(isChild(consume, publish), 'the consumer continues the message headers');
    assert.ok(isChild(plan, consume), 'plan under process');
    assert.ok(isChild(execute, plan), 'the routed task under its plan');
    assert.deepEqual(
      calls.map((c) => [c.attributes['tourniquet.provider.operation'], isChild(c, execute)]).sort(),
      [
        ['execute', true],
        ['verify', true],
      ],
    );
    assert.equal(consume.attributes['messaging.system'], 'tourniquet_local_log');
    assert.equal(consume.attributes['messaging.destination.name'], 'leak');
    assert.deepEqual(
      {
        id: execute.attributes['tourniquet.task.id'],
        action: execute.attributes['tourniquet.task.action'],
        provider: execute.attributes['tourniquet.provider'],
        kind: execute.attributes['tourniquet.credential.kind'],
        attempt: execute.attributes['tourniquet.task.attempt'],
        status: execute.attributes['tourniquet.task.status'],
        outcome: execute.attributes['tourniquet.task.outcome'],
      },
      {
        id: task.id,
        action: 'revoke',
        provider: 'oauth-main',
        kind: 'oauth.access_token',
        attempt: 1,
        status: 'succeeded',
        outcome: 'revoked',
      },
    );
    for (const c of calls) assert.equal(c.attributes['tourniquet.provider'], 'oauth-main');

    const second = await leakOAuthToken(runtime, oauth, 'oauth-main', 'traced-2');
    secrets.push(second.token, runtime.deps.fingerprint(second.token));
    await revoked(second.triggerId);
    const other = await traceOf(second.triggerId);
    assert.notEqual(other.traceId, traceId, 'another trigger, another trace');
    one(other.spans, 'task.execute');
    // …and the first trace gained nothing from it.
    const firstAgain = spansOf(exporter.getFinishedSpans(), traceId);
    assert.equal(firstAgain.length, spans.length);
    one(firstAgain, 'trigger.plan', ['tourniquet.trigger.id', first.triggerId]);
  });

  it('continues the trace of an HTTP caller that sent a traceparent', async () => {
    const app = buildApp({
      ops: localOps(runtime.deps),
      logger: captureLogger().logger,
      bodyLimitBytes: 64 * 1024,
      adminToken: 'test-admin-token',
      health: () => runtime.deps.bus.health(),
    });
    try {
      const token = await oauth.mint();
      secrets.push(token, runtime.deps.fingerprint(token));
      await localOps(runtime.deps).importInventory(
        [{ id: 'traced-http', provider: 'oauth-main', kind: 'oauth.access_token', secret: token }],
        'test',
      );
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentId = '00f067aa0ba902b7';
      const res = await app.inject({
        method: 'POST',
        url: '/v1/triggers',
        headers: { authorization: 'Bearer test-admin-token', traceparent: `00-${traceId}-${parentId}-01` },
        payload: { kind: 'leak', source: 'test', subject: { token } },
      });
      assert.equal(res.statusCode, 202, res.body);
      const triggerId = (res.json() as { accepted: { id: string }[] }).accepted[0]!.id;
      await revoked(triggerId);
      const trace = await traceOf(triggerId);
      assert.equal(trace.traceId, traceId);
      assert.equal(one(trace.spans, 'trigger.intake').parentSpanContext?.spanId, parentId);
      one(trace.spans, 'task.execute');
      assert.equal(trace.spans.filter((s) => s.name === 'provider.call').length, 2);
    } finally {
      await app.close();
    }
  });

  it('carries the trace context on the task topic, and the consumer continues it', async () => {
    const from = Date.now();
    const taskId = 'f'.repeat(32); // no such task: routed, then not claimed
    const deps = { ...runtime.deps };
    delete deps.dispatch; // as a process without lanes does: through the topic
    let traceId = '';
    await inSpan('test.parent', {}, async (span) => {
      traceId = span.spanContext().traceId;
      await dispatchTasks(deps, [{ id: taskId, credentialId: 'c', provider: 'oauth-main' }]);
    });
    await runtime.idle();
    const msgs = (await runtime.deps.bus.read!('tasks', from, Date.now() + 1)).filter((m) =>
      m.value.includes(taskId),
    );
    assert.equal(msgs.length, 1);
    assert.match(msgs[0]!.headers.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const spans = spansOf(exporter.getFinishedSpans(), traceId);
    const publish = one(spans, 'publish tasks');
    const consume = one(spans, 'process tasks');
    const execute = one(spans, 'task.execute', ['tourniquet.task.id', taskId]);
    assert.ok(isChild(consume, publish));
    assert.ok(isChild(execute, consume));
    assert.equal(execute.attributes['tourniquet.task.claimed'], false);
  });

  it('records no token and no fingerprint in any span', () => {
    const spans = exporter.getFinishedSpans();
    assert.ok(spans.length > 10);
    assert.equal(secrets.length, 6);
    for (const s of spans) {
      const text = recorded(s);
      for (const secret of secrets) assert.ok(!text.includes(secret), `${s.name} holds a secret`);
    }
  });
});
