/**
 * The audit topic as an anchor (Kafka mode): checkpoints travel on the topic that already carries
 * every audit record, under one key so they share a partition. Reading the newest looks at recent
 * messages first (the topic is large; checkpoints are frequent) and widens the window until it finds
 * one, ending with the whole retained topic.
 */
import type { AuditCheckpoint, AuditRecord } from '../../schemas/audit.js';
import { CE_TYPE_PREFIX, cloudEventHeaders } from '../bus/cloudevents.js';
import type { Bus } from '../bus/port.js';
// The input topics' format header, so every consumer of a topic tells our own messages apart alike.
const FORMAT_HEADER = 'tourniquet-format';
import { newestOf, parseCheckpoint, type Anchor } from './anchor.js';

export const CHECKPOINT_KEY = 'tourniquet.audit-checkpoint';
export const CHECKPOINT_FORMAT = 'audit-checkpoint';

/** The CloudEvents `source` of everything on the audit topic. */
export const AUDIT_SOURCE = '/tourniquet/audit';

/** An audit record as a CloudEvent: its chain position is its id, its type the record's. */
export function auditEventHeaders(r: AuditRecord): Record<string, string> {
  return cloudEventHeaders({
    id: `record-${r.seq}`,
    source: AUDIT_SOURCE,
    type: `${CE_TYPE_PREFIX}.audit.${r.type}`,
    time: r.at,
    subject: r.triggerId,
  });
}

const WINDOWS_MS = [3_600_000, 86_400_000, 30 * 86_400_000];

export function busAnchor(bus: Bus, name: string, clock: () => Date): Anchor {
  return {
    name,
    append: (c: AuditCheckpoint) =>
      bus.publish('audit', [
        {
          key: CHECKPOINT_KEY,
          value: JSON.stringify(c),
          headers: {
            [FORMAT_HEADER]: CHECKPOINT_FORMAT,
            ...cloudEventHeaders({
              id: `checkpoint-${c.epoch}-${c.seq}`,
              source: AUDIT_SOURCE,
              type: `${CE_TYPE_PREFIX}.audit.checkpoint`,
              time: c.at,
            }),
          },
        },
      ]),
    async newest() {
      if (!bus.read) return null;
      const to = clock().getTime() + 1;
      for (const from of [...WINDOWS_MS.map((w) => to - w), 0]) {
        const msgs = await bus.read('audit', Math.max(0, from), to);
        const found = newestOf(
          msgs
            .filter((m) => m.headers[FORMAT_HEADER] === CHECKPOINT_FORMAT)
            .map((m) => parseCheckpoint(m.value)),
        );
        if (found || from <= 0) return found;
      }
      return null;
    },
  };
}
