/**
 * Dead-lettered messages: input that could not become a trigger (a malformed event, or the bad
 * records of a batch), kept on the DLQ topic (Kafka, or `dlq.jsonl` in the embedded log) with the
 * reason, where it came from and its original headers. The payload is sealed (AES-256-GCM under
 * the seal key, bound to the dead letter's id), never kept in the clear: it may hold a raw secret.
 * Each dead letter has its own key (`id`), so three bad messages never share one.
 *
 * `dlq list` shows them without payloads; `dlq show --unseal` (responders) opens one and is audited.
 */
import type { AuditRecord } from '../../schemas/audit.js';
import { CE_TYPE_PREFIX, cloudEventHeaders } from '../bus/cloudevents.js';
import type { InMessage, OutMessage } from '../bus/port.js';
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from './deps.js';

/** Dead-letter records keep at most this much of the original payload. */
export const DLQ_PAYLOAD_LIMIT = 256 * 1024;
/** Marks our dead letters on the DLQ topic (task dead letters live in the store). */
export const DEAD_LETTER_HEADER = 'tourniquet-dead-letter';
/** The CloudEvents `source` of dead letters. */
export const DLQ_SOURCE = '/tourniquet/dlq';

export interface DeadMessageInput {
  id: string;
  reason: string;
  code: string;
  issues: unknown;
  /** Where it came from: topic/partition/offset, or the source, and the record's path. */
  source: Record<string, string | number | null>;
  headers: Record<string, string>;
  /** The bad part of the input (null when it could not be cut out of a partial batch). */
  payload: string | null;
  /** The failures of a message that failed in its handler (the poison bound), oldest first. */
  attempts?: readonly unknown[];
  /** `message.dead_lettered` for a task message; input that never became a trigger is rejected. */
  auditType?: 'trigger.rejected' | 'message.dead_lettered';
}

/** What the DLQ topic holds per message (v2; v1 kept `payload` in the clear). */
export interface DeadMessage {
  v: 2;
  id: string;
  at: string;
  reason: string;
  code: string;
  issues: unknown;
  source: Record<string, string | number | null>;
  headers: Record<string, string>;
  attempts?: readonly unknown[];
  payloadBytes: number;
  payloadTruncated: boolean;
  sealedPayload: string | null;
}

export type DeadMessageView = Omit<DeadMessage, 'sealedPayload' | 'v'> & {
  /** A dead letter written before payloads were sealed: its payload is in the clear on the topic. */
  clearPayload?: boolean;
};

const aad = (id: string) => `dlq:${id}`;

export function deadMessage(
  input: DeadMessageInput,
  deps: Pick<PipelineDeps, 'sealer' | 'clock'>,
): OutMessage {
  const p = input.payload;
  const truncated = p !== null && p.length > DLQ_PAYLOAD_LIMIT;
  const record: DeadMessage = {
    v: 2,
    id: input.id,
    at: now(deps),
    reason: input.reason,
    code: input.code,
    issues: input.issues,
    source: input.source,
    headers: input.headers,
    ...(input.attempts?.length ? { attempts: input.attempts } : {}),
    payloadBytes: p === null ? 0 : Buffer.byteLength(p),
    payloadTruncated: truncated,
    sealedPayload:
      p === null ? null : deps.sealer.seal(truncated ? p.slice(0, DLQ_PAYLOAD_LIMIT) : p, aad(input.id)),
  };
  return {
    key: input.id,
    value: JSON.stringify(record),
    // The original headers travel on (tourniquet-source says how to reprocess it); a dead
    // letter is a CloudEvent of its own, replacing any `ce_` attributes the original carried.
    headers: {
      ...withoutCloudEvent(input.headers),
      [DEAD_LETTER_HEADER]: '2',
      ...cloudEventHeaders({
        id: input.id,
        source: DLQ_SOURCE,
        type: `${CE_TYPE_PREFIX}.dlq.dead_letter`,
        time: record.at,
        subject: typeof input.source.topic === 'string' ? input.source.topic : null,
      }),
    },
  };
}

/** The original's own CloudEvent attributes stay in the dead letter's value (`headers`), not on it. */
function withoutCloudEvent(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([k]) => !k.startsWith('ce_') && k.toLowerCase() !== 'content-type'),
  );
}

/** Publishes dead letters and audits each (`trigger.rejected`, with its id; never the payload). */
export async function publishDeadMessages(
  inputs: readonly DeadMessageInput[],
  deps: PipelineDeps,
): Promise<AuditRecord[]> {
  if (inputs.length === 0) return [];
  await deps.bus.publish(
    'dlq',
    inputs.map((i) => deadMessage(i, deps)),
  );
  const records = await deps.store.transaction((tx) =>
    tx.appendAudit(
      inputs.map((i) => ({
        type: i.auditType ?? ('trigger.rejected' as const),
        actor: 'pipeline',
        data: {
          code: i.code,
          reason: storable(i.reason),
          deadLetter: i.id,
          ...i.source,
          ...(i.attempts?.length ? { attempts: i.attempts.length } : {}),
        },
      })),
      now(deps),
    ),
  );
  await deps.onAudit?.(records);
  return records;
}

/**
 * Text for the audit trail: zod messages can quote input keys (`Unrecognized key: "x\u0000"`), and
 * the store cannot hold U+0000 or lone surrogates, which would fail the dead letter itself.
 */
function storable(text: string): string {
  // eslint-disable-next-line no-control-regex -- U+0000 is what must go
  return text.replace(/[\u0000\p{Cs}]/gu, '\uFFFD');
}

type Stored = { view: DeadMessageView; sealed: string | null; clear: string | null };

function decode(m: InMessage): Stored | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(m.value) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
  if (v === null || typeof v !== 'object' || typeof v.reason !== 'string') return null;
  const id = typeof v.id === 'string' ? v.id : `${m.topic}-${m.partition}-${m.offset}`;
  const clear = v.v !== 2 && typeof v.payload === 'string' ? v.payload : null;
  const view: DeadMessageView = {
    id,
    at: typeof v.at === 'string' ? v.at : new Date(m.timestamp).toISOString(),
    reason: v.reason,
    code: typeof v.code === 'string' ? v.code : 'INVALID_INPUT',
    issues: v.issues ?? null,
    source: (v.source ?? {}) as DeadMessageView['source'],
    headers: (v.headers as Record<string, string> | undefined) ?? m.headers,
    payloadBytes: typeof v.payloadBytes === 'number' ? v.payloadBytes : clear ? Buffer.byteLength(clear) : 0,
    payloadTruncated: v.payloadTruncated === true,
    ...(clear !== null ? { clearPayload: true } : {}),
  };
  return { view, sealed: typeof v.sealedPayload === 'string' ? v.sealedPayload : null, clear };
}

async function readAll(deps: Pick<PipelineDeps, 'bus' | 'clock'>): Promise<Map<string, Stored>> {
  if (!deps.bus.read) {
    throw new TourniquetError('INTERNAL', 'this transport cannot read its dead-letter topic');
  }
  const msgs = await deps.bus.read('dlq', 0, deps.clock().getTime() + 1);
  // A redelivered message is dead-lettered again under the same id: the latest copy is shown.
  const byId = new Map<string, Stored>();
  for (const m of msgs) {
    const d = decode(m);
    if (d) byId.set(d.view.id, d);
  }
  return byId;
}

export async function listDeadMessages(
  deps: Pick<PipelineDeps, 'bus' | 'clock'>,
): Promise<DeadMessageView[]> {
  return [...(await readAll(deps)).values()].map((d) => d.view);
}

/**
 * One dead letter; with `unseal` (responders; the caller checks the role) its payload opened, and
 * the opening audited (`dlq.unsealed`, who and which id, never the payload).
 */
export async function showDeadMessage(
  id: string,
  opts: { unseal: boolean; operator: string },
  deps: PipelineDeps,
): Promise<DeadMessageView & { payload?: string }> {
  const d = (await readAll(deps)).get(id);
  if (!d) throw new TourniquetError('NOT_FOUND', `no dead letter ${id}`);
  if (!opts.unseal) return d.view;
  const payload = d.sealed !== null ? deps.sealer.open(d.sealed, aad(id)) : d.clear;
  const records = await deps.store.appendAudit(
    [{ type: 'dlq.unsealed', actor: opts.operator, data: { deadLetter: id, operator: opts.operator } }],
    now(deps),
  );
  await deps.onAudit?.(records);
  return { ...d.view, ...(payload !== null ? { payload } : {}) };
}
