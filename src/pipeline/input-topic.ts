/**
 * Input-topic handler: decodes a message into triggers and runs the trigger stage. A message that
 * cannot become a trigger goes to the dead-letter topic with the reason and where it came from, and
 * the partition moves on. Only infrastructure failures (store, bus) throw, causing redelivery; a
 * failure that is the message's fault but shows only later (the store rejects its data) is bounded
 * by src/pipeline/poison.ts, which dead-letters it here too.
 *
 * Message formats, chosen by headers:
 *   `tourniquet-format: trigger` — a Trigger produced by our own intake (fingerprinted and sealed);
 *   `tourniquet-source: <name>` — a raw source event in its producer's format (a TruffleHog line, an
 *     Okta event hook body…), normalized here exactly as the webhook and CLI paths do;
 *   neither — a canonical trigger input (what tools and people produce).
 */
import { Trigger } from '../../schemas/trigger.js';
import type { InMessage } from '../bus/port.js';
import { isTourniquetError, TourniquetError } from '../errors.js';
import { describeIssues, fieldIssues } from '../util/zod-issues.js';
import { contextFrom, messagingAttributes } from '../observe/trace-context.js';
import { inSpan, SpanKind } from '../observe/tracing.js';
import { type PipelineDeps } from './deps.js';
import { publishDeadMessages } from './dead-messages.js';
import { acceptInput } from './intake.js';
import { badRecords } from '../intake/bad-records.js';
import { acceptSource, type SourceAcceptance } from '../intake/sources.js';
import type { Attempt } from './poison.js';
import { handleTrigger } from './triggers.js';

export const FORMAT_HEADER = 'tourniquet-format';
export const SOURCE_HEADER = 'tourniquet-source';

export function triggerMessage(t: Trigger) {
  return { key: t.id, value: JSON.stringify(t), headers: { [FORMAT_HEADER]: 'trigger' } };
}

interface Decoded {
  triggers: Trigger[];
  /** Malformed records of a batch whose other records were accepted. */
  skipped?: SourceAcceptance['skipped'];
}

function decode(msg: InMessage, deps: PipelineDeps): Decoded {
  const source = msg.headers[SOURCE_HEADER];
  if (source) {
    const res = acceptSource(source, Buffer.from(msg.value, 'utf8'), deps);
    if (res.skipped.length > 0 && res.triggers.length === 0) {
      throw new TourniquetError('INVALID_INPUT', `${source}: no usable record`, { details: res.skipped });
    }
    return { triggers: res.triggers, skipped: res.skipped };
  }
  let value: unknown;
  try {
    value = JSON.parse(msg.value);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new TourniquetError('INVALID_INPUT', 'message is not JSON');
  }
  if (msg.headers[FORMAT_HEADER] === 'trigger') {
    const parsed = Trigger.safeParse(value);
    if (!parsed.success) {
      throw new TourniquetError('INVALID_INPUT', describeIssues(parsed.error), {
        details: fieldIssues(parsed.error),
      });
    }
    return { triggers: [parsed.data] };
  }
  const t = acceptInput(value, deps);
  if (t.kind !== msg.topic) {
    throw new TourniquetError('INVALID_INPUT', `a ${t.kind} trigger on the ${msg.topic} topic`);
  }
  return { triggers: [t] };
}

/** Handles one input message in a `process` span that continues the trace its headers carry. */
export function handleInputMessage(msg: InMessage, deps: PipelineDeps): Promise<void> {
  return inSpan(
    `process ${msg.topic}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFrom(msg.headers),
      attributes: {
        ...messagingAttributes(deps.config, msg.topic, 'process'),
        'messaging.destination.partition.id': String(msg.partition),
        'messaging.kafka.offset': Number(msg.offset),
        ...(msg.headers[SOURCE_HEADER] ? { 'tourniquet.trigger.source': msg.headers[SOURCE_HEADER] } : {}),
      },
    },
    () => handleInput(msg, deps),
  );
}

async function handleInput(msg: InMessage, deps: PipelineDeps): Promise<void> {
  let decoded: Decoded;
  try {
    decoded = decode(msg, deps);
  } catch (e) {
    if (!isTourniquetError(e) || (e.code !== 'INVALID_INPUT' && e.code !== 'UNKNOWN_SOURCE')) throw e;
    await deadLetterMessage(msg, e, deps);
    return;
  }
  for (const t of decoded.triggers) await handleTrigger(t, deps);
  if (decoded.skipped?.length) {
    // Only the malformed records: the accepted ones' secrets stay out of the DLQ.
    const bad = badRecords(Buffer.from(msg.value, 'utf8'), decoded.skipped, true);
    await publishDeadMessages(
      bad.map((b) => ({
        id: `${messageId(msg)}-${b.path}`,
        reason: 'malformed record in a batch',
        code: 'INVALID_INPUT',
        issues: b.issues,
        source: { ...origin(msg), record: b.path },
        headers: msg.headers,
        payload: b.payload,
      })),
      deps,
    );
  }
}

/** Unique per message: a dead letter's key and id. */
const messageId = (msg: InMessage) => `${msg.topic}-${msg.partition}-${msg.offset}`;
const origin = (msg: InMessage) => ({
  topic: msg.topic,
  partition: msg.partition,
  offset: msg.offset,
  timestamp: msg.timestamp,
});

/**
 * Dead-letters one message of any topic, sealed (src/pipeline/dead-messages.ts), with an audit
 * record. `attempts` is the failure history when the message failed in the handler (poison bound,
 * src/pipeline/poison.ts) rather than in decoding.
 */
export async function deadLetterMessage(
  msg: InMessage,
  e: TourniquetError,
  deps: PipelineDeps,
  attempts: readonly Attempt[] = [],
): Promise<void> {
  const isTask = msg.topic === 'tasks';
  await publishDeadMessages(
    [
      {
        id: messageId(msg),
        reason: e.message,
        code: e.code,
        issues: e.details ?? null,
        source: origin(msg),
        headers: msg.headers,
        attempts,
        auditType: isTask ? 'message.dead_lettered' : 'trigger.rejected',
        // Sealed by publishDeadMessages: the payload may hold a raw secret.
        payload: msg.value,
      },
    ],
    deps,
  );
  if (!isTask) {
    deps.events?.triggerHandled?.({
      kind: 'unknown',
      source: msg.headers[SOURCE_HEADER] ?? msg.topic,
      outcome: 'rejected',
    });
  }
  deps.logger.warn({ code: e.code, topic: msg.topic, offset: msg.offset }, 'message dead-lettered');
}
