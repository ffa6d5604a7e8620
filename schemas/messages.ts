/**
 * What travels on the Kafka topics besides triggers and audit records (schemas/trigger.ts,
 * schemas/audit.ts): the task wake-up, the dead letter, and the headers. The AsyncAPI document
 * (src/contracts/asyncapi.ts, `npm run schemas`) is generated from these.
 */
import { z } from 'zod';

/** `tasks`: "this task may run now". The store holds the task; the provider names its lane. */
export const TaskMessage = z
  .object({
    taskId: z.string().regex(/^[0-9a-f]{32}$/),
    provider: z.string().nullable().optional(),
  })
  .describe('A task that may run now (the task row is in the store); keyed by the credential.');
export type TaskMessage = z.infer<typeof TaskMessage>;

/** `dlq`: a message that could not be processed, with its payload sealed (v2). */
export const DeadMessageRecord = z
  .object({
    v: z.literal(2),
    id: z.string(),
    at: z.string().describe('RFC 3339'),
    reason: z.string(),
    code: z.string().describe('a tourniquet error code, e.g. INVALID_INPUT'),
    issues: z.unknown(),
    source: z
      .record(z.string(), z.union([z.string(), z.number(), z.null()]))
      .describe('where it came from: topic, partition, offset, or the source format and record path'),
    headers: z.record(z.string(), z.string()).describe("the original message's headers"),
    attempts: z.array(z.unknown()).optional(),
    payloadBytes: z.number().int().nonnegative(),
    payloadTruncated: z.boolean(),
    sealedPayload: z
      .string()
      .nullable()
      .describe('the bad payload, sealed (AES-GCM under the seal key); `dlq show --unseal` opens it'),
  })
  .describe('A dead letter: never a secret in the clear.');

/** Binary-mode CloudEvents attributes (src/bus/cloudevents.ts). */
export const CloudEventHeaders = z.object({
  ce_specversion: z.literal('1.0'),
  ce_id: z.string(),
  ce_source: z.string(),
  ce_type: z.string(),
  ce_time: z.string(),
  ce_subject: z.string().optional(),
  'content-type': z.literal('application/json'),
});

/**
 * W3C Trace Context (src/observe/trace-context.ts): set when tracing is on, so the consumer's spans
 * join the producer's trace. A producer of input events may set them too.
 */
export const TraceHeaders = z.object({
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional()
    .describe('W3C traceparent: version-traceid-parentid-flags'),
  tracestate: z.string().optional().describe('W3C tracestate'),
});

/** Headers a producer sets on an input topic. */
export const InputHeaders = TraceHeaders.extend({
  'tourniquet-source': z
    .string()
    .optional()
    .describe("the producer's format (gitleaks, sarif, okta, …); absent: a canonical trigger"),
  'tourniquet-format': z
    .literal('trigger')
    .optional()
    .describe("set by tourniquet's own intake: a normalised trigger, its secret sealed"),
});
