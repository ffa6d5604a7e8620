/**
 * Tracing: the one place that knows the OpenTelemetry SDK. Everything else creates spans through
 * `tracer()` and `inSpan` (the API only), which are no-ops until `startTracing` registers a
 * provider. Off by default: with no OTLP endpoint (and no processor handed in) nothing is loaded,
 * nothing registered, and every span is the API's non-recording span.
 *
 * Spans (names and parents; attributes in the code that makes them):
 *   trigger.intake (HTTP or CLI ingest; continues an incoming `traceparent`)
 *     └ publish <input topic> ─┐ traceparent in the message headers
 *   process <input topic> ─────┘ (parent: the message's context; a root when it has none)
 *     └ trigger.plan
 *         ├ publish tasks ─┐ (a fan-out; a small batch is routed in process with the context)
 *   process tasks ─────────┘
 *         └ task.execute (parent: the context the task was routed with; a root after the store
 *             └ provider.call     republished it: retries and recoveries carry no context)
 * Attributes never hold a secret, a fingerprint or evidence text: ids, kinds, names, codes.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Config } from '../../schemas/config.js';
import { coerceError } from '../errors.js';
import { packageVersion } from '../util/version.js';

const NAME = 'tourniquet';

/** The tracer of the provider registered now (the API's no-op one when tracing is off). */
export function tracer(): Tracer {
  // Looked up per use, not kept: a tracer taken from one provider would outlive its shutdown.
  return trace.getTracer(NAME, packageVersion());
}

export { SpanKind };
export type { SpanProcessor };

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
}

/**
 * Runs `fn` in a new active span and ends it. A throw marks the span failed with the error's code
 * (`error.type`), never its message: a foreign error's text may quote what it was given.
 */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = opts.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        failSpan(span, coerceError(e).code);
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

export function failSpan(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

export interface Tracing {
  /** Flushes what was recorded, then unregisters. */
  shutdown(): Promise<void>;
}

/** What started tracing in this process: runtimes in one process share it (the API is global). */
let active: { users: number; stop(): Promise<void> } | undefined;

/**
 * Starts the SDK when an OTLP endpoint is configured or processors are given (tests hand in an
 * in-memory exporter's): W3C trace context propagation, an AsyncLocalStorage context manager, a
 * parent-based ratio sampler. Returns null when tracing is off.
 */
export async function startTracing(
  config: Config['tracing'],
  opts: { spanProcessors?: readonly SpanProcessor[] } = {},
): Promise<Tracing | null> {
  const extra = opts.spanProcessors ?? [];
  if (!config.otlpEndpoint && extra.length === 0) return null;
  if (!active) {
    const [sdk, { resourceFromAttributes }, semconv, { W3CTraceContextPropagator }, als] = await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
      import('@opentelemetry/core'),
      import('@opentelemetry/context-async-hooks'),
    ]);
    const processors: SpanProcessor[] = [...extra];
    if (config.otlpEndpoint) {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(
        new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.otlpEndpoint }) }),
      );
    }
    const provider = new sdk.TracerProvider({
      resource: resourceFromAttributes({
        [semconv.ATTR_SERVICE_NAME]: config.serviceName,
        [semconv.ATTR_SERVICE_VERSION]: packageVersion(),
      }),
      sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.sampleRatio) }),
      spanProcessors: processors,
    });
    const contextManager = new als.AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    active = {
      users: 0,
      async stop() {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
        }
      },
    };
  }
  const shared = active;
  shared.users++;
  let stopped = false;
  return {
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (--shared.users > 0) return;
      if (active === shared) active = undefined;
      await shared.stop();
    },
  };
}
