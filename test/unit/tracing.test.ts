/**
 * Tracing setup: off by default (no SDK provider registered, spans are the API's non-recording
 * ones, no trace context written or read, nothing sent), on with an OTLP endpoint (spans reach the
 * endpoint, over HTTP to a local sink), and the standard OTEL_* variables in the config.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { TracingConfig } from '../../schemas/config.js';
import { loadConfig } from '../../src/config.js';
import { contextFrom, traceHeaders } from '../../src/observe/trace-context.js';
import { inSpan, startTracing, tracer } from '../../src/observe/tracing.js';

const sdkRegistered = () =>
  (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() instanceof TracerProvider;

/** Some spans, as the pipeline makes them; what a span saw of the propagation. */
async function someSpans(): Promise<{ recording: boolean; headers: Record<string, string> }> {
  return inSpan('trigger.plan', { attributes: { 'tourniquet.trigger.id': 't1' } }, (span) =>
    inSpan('task.execute', {}, async () => ({ recording: span.isRecording(), headers: traceHeaders() })),
  );
}

describe('tracing setup', () => {
  let sink: Server;
  let endpoint: string;
  const received: { method: string; url: string; bytes: number }[] = [];

  before(async () => {
    // A stand-in OTLP/HTTP collector (a fake): records what reached it, answers 200.
    sink = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  });
  after(() => new Promise<void>((r) => sink.close(() => r())));

  it('is off by default: no SDK provider, non-recording spans, no trace context, nothing sent', async () => {
    const config = TracingConfig.parse({});
    assert.equal(config.otlpEndpoint, undefined);
    assert.equal(await startTracing(config), null);
    assert.equal(sdkRegistered(), false);
    assert.equal(tracer().startSpan('x').isRecording(), false);
    assert.deepEqual(await someSpans(), { recording: false, headers: {} });
    const incoming = contextFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    assert.equal(trace.getSpanContext(incoming), undefined, 'no propagator reads it');
    assert.equal(received.length, 0);
  });

  it('exports spans to the OTLP endpoint when one is configured, and unregisters on shutdown', async () => {
    const tracing = await startTracing(TracingConfig.parse({ otlpEndpoint: endpoint }));
    assert.ok(tracing);
    try {
      assert.equal(sdkRegistered(), true);
      const seen = await someSpans();
      assert.equal(seen.recording, true);
      assert.match(seen.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const incoming = contextFrom({
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
      assert.equal(trace.getSpanContext(incoming)?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await tracing.shutdown(); // flushes the batch
    }
    assert.equal(sdkRegistered(), false);
    assert.equal(tracer().startSpan('after').isRecording(), false);
    assert.ok(received.length >= 1, 'the batch was sent');
    assert.ok(received.every((r) => r.method === 'POST' && r.url === '/v1/traces' && r.bytes > 0));
  });

  it('a sample ratio of 0 records no new trace, yet continues a sampled caller', async () => {
    const tracing = await startTracing(TracingConfig.parse({ otlpEndpoint: endpoint, sampleRatio: 0 }));
    assert.ok(tracing);
    try {
      assert.equal((await someSpans()).recording, false);
      const caller = contextFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      const recording = await inSpan('trigger.intake', { parent: caller }, async (s) => s.isRecording());
      assert.equal(recording, true);
    } finally {
      await tracing.shutdown();
    }
  });

  it('takes the OTLP endpoint and service name from the standard environment variables', async () => {
    const base = { TOURNIQUET_CONFIG: undefined };
    assert.equal((await loadConfig(base)).tracing.otlpEndpoint, undefined);
    const fromBase = await loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'tq-east',
    });
    assert.equal(fromBase.tracing.otlpEndpoint, 'http://collector:4318/v1/traces');
    assert.equal(fromBase.tracing.serviceName, 'tq-east');
    const exact = await loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/traces',
    });
    assert.equal(exact.tracing.otlpEndpoint, 'https://otel.example.com/traces');
    await assert.rejects(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }),
      (e: { code?: string }) => e.code === 'INVALID_CONFIG',
    );
  });
});
