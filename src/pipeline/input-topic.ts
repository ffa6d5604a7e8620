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
import { now, type PipelineDeps } from './deps.js';
import { acceptInput } from './intake.js';
import { acceptSource } from '../intake/sources.js';
import type { Attempt } from './poison.js';
import { handleTrigger } from './triggers.js';

export const FORMAT_HEADER = 'tourniquet-format';
export const SOURCE_HEADER = 'tourniquet-source';
/** Dead-letter records keep at most this much of the original payload. */
export const DLQ_PAYLOAD_LIMIT = 256 * 1024;

export function triggerMessage(t: Trigger) {
  return { key: t.id, value: JSON.stringify(t), headers: { [FORMAT_HEADER]: 'trigger' } };
}

function decode(msg: InMessage, deps: PipelineDeps): Trigger[] {
  const source = msg.headers[SOURCE_HEADER];
  if (source) {
    const res = acceptSource(source, Buffer.from(msg.value, 'utf8'), deps);
    if (res.skipped.length > 0 && res.triggers.length === 0) {
      throw new TourniquetError('INVALID_INPUT', `${source}: no usable record`, { details: res.skipped });
    }
    return res.triggers;
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
    return [parsed.data];
  }
  const t = acceptInput(value, deps);
  if (t.kind !== msg.topic) {
    throw new TourniquetError('INVALID_INPUT', `a ${t.kind} trigger on the ${msg.topic} topic`);
  }
  return [t];
}

export async function handleInputMessage(msg: InMessage, deps: PipelineDeps): Promise<void> {
  let triggers: Trigger[];
  try {
    triggers = decode(msg, deps);
  } catch (e) {
    if (!isTourniquetError(e) || (e.code !== 'INVALID_INPUT' && e.code !== 'UNKNOWN_SOURCE')) throw e;
    await deadLetterMessage(msg, e, deps);
    return;
  }
  for (const t of triggers) await handleTrigger(t, deps);
}

/**
 * Text for the audit trail: zod messages can quote input keys (`Unrecognized key: "x\u0000"`), and
 * the store cannot hold U+0000 or lone surrogates, which would fail the dead letter itself.
 */
function storable(text: string): string {
  // eslint-disable-next-line no-control-regex -- U+0000 is what must go
  return text.replace(/[\u0000\p{Cs}]/gu, '\uFFFD');
}

/**
 * Dead-letters one message of any topic: the DLQ record (reason, origin, payload) and an audit
 * record. `attempts` is the failure history when the message failed in the handler (poison bound,
 * src/pipeline/poison.ts) rather than in decoding.
 */
export async function deadLetterMessage(
  msg: InMessage,
  e: TourniquetError,
  deps: PipelineDeps,
  attempts: readonly Attempt[] = [],
): Promise<void> {
  const truncated = msg.value.length > DLQ_PAYLOAD_LIMIT;
  const isTask = msg.topic === 'tasks';
  const record = {
    reason: e.message,
    code: e.code,
    issues: e.details ?? null,
    attempts,
    source: { topic: msg.topic, partition: msg.partition, offset: msg.offset, timestamp: msg.timestamp },
    payloadBytes: Buffer.byteLength(msg.value),
    payloadTruncated: truncated,
    // The DLQ mirrors the input topic (same ACLs and retention): the payload is kept for reprocessing.
    payload: truncated ? msg.value.slice(0, DLQ_PAYLOAD_LIMIT) : msg.value,
  };
  await deps.bus.publish('dlq', [
    { key: msg.key || `${msg.topic}-${msg.offset}`, value: JSON.stringify(record) },
  ]);
  const records = await deps.store.transaction((tx) =>
    tx.appendAudit(
      [
        {
          type: isTask ? 'message.dead_lettered' : 'trigger.rejected',
          actor: 'pipeline',
          data: {
            code: e.code,
            reason: storable(e.message),
            topic: msg.topic,
            partition: msg.partition,
            offset: msg.offset,
            attempts: attempts.length,
          },
        },
      ],
      now(deps),
    ),
  );
  await deps.onAudit?.(records);
  if (!isTask) {
    deps.events?.triggerHandled?.({
      kind: 'unknown',
      source: msg.headers[SOURCE_HEADER] ?? msg.topic,
      outcome: 'rejected',
    });
  }
  deps.logger.warn({ code: e.code, topic: msg.topic, offset: msg.offset }, 'message dead-lettered');
}
