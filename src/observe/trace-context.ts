/**
 * W3C trace context (`traceparent`, `tracestate`) on header records: Kafka message headers, the
 * embedded log's, HTTP request headers. Through the API's propagator, so with tracing off nothing
 * is written and nothing read. Plus the messaging attributes of publish and process spans
 * (OpenTelemetry semantic conventions, messaging.*).
 */
import { context, propagation, ROOT_CONTEXT, type Attributes, type Context } from '@opentelemetry/api';
import type { Config } from '../../schemas/config.js';
import type { Bus, OutMessage, Topic } from '../bus/port.js';
import { inSpan, SpanKind } from './tracing.js';

type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The trace context of `ctx` (the active one by default) as headers; empty when there is none. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  return out;
}

/**
 * The context a message or request carries, over an empty one: never the caller's own, so that a
 * message handled in the publisher's async context (the embedded bus) joins only the trace its
 * headers name, and one without them starts its own.
 */
export function contextFrom(headers: HeaderRecord | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
}

/** Runs `fn` in the context the headers carry (an empty one without them). */
export function withContextOf<T>(headers: HeaderRecord | undefined, fn: () => T): T {
  return context.with(contextFrom(headers), fn);
}

/** messaging.* attributes of a publish (`send`) or `process` span on one topic. */
export function messagingAttributes(
  config: Pick<Config, 'kafka'>,
  topic: Topic,
  operation: 'send' | 'process',
  count?: number,
): Attributes {
  return {
    'messaging.system': config.kafka ? 'kafka' : 'tourniquet_local_log',
    'messaging.destination.name': config.kafka ? config.kafka.topics[topic] : topic,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation === 'send' ? 'publish' : 'process',
    ...(count !== undefined && count !== 1 ? { 'messaging.batch.message_count': count } : {}),
  };
}

/**
 * Publishes in a `publish <topic>` producer span, each message carrying that span's trace context,
 * so its consumer's `process` span continues the trace, in this process or another.
 */
export function publishTraced(
  deps: { bus: Pick<Bus, 'publish'>; config: Pick<Config, 'kafka'> },
  topic: Topic,
  messages: readonly OutMessage[],
): Promise<void> {
  return inSpan(
    `publish ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes(deps.config, topic, 'send', messages.length) },
    () => {
      const trace = traceHeaders();
      return deps.bus.publish(
        topic,
        messages.map((m) => ({ ...m, headers: { ...m.headers, ...trace } })),
      );
    },
  );
}
