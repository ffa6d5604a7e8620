/**
 * The AsyncAPI 3.0 contract of every Kafka topic tourniquet reads or writes, generated from the
 * zod schemas the code validates with (so it cannot drift from them): `npm run schemas` writes it
 * to schemas/json/asyncapi.json, and the tests validate it with @asyncapi/parser. Channel addresses
 * are the default topic names (config `kafka.topics` renames them). Payload schemas are JSON Schema
 * draft 7, the dialect AsyncAPI's default schema format is built on.
 */
import type { z } from 'zod';
import { embedSchema } from './json-schema.js';
import { SOURCE_NAMES } from '../../handlers/sources/registry.js';
import { AuditCheckpoint, AuditRecord } from '../../schemas/audit.js';
import { KafkaConfig } from '../../schemas/config.js';
import {
  CloudEventHeaders,
  DeadMessageRecord,
  InputHeaders,
  TaskMessage,
  TraceHeaders,
} from '../../schemas/messages.js';
import { Trigger, TriggerInput } from '../../schemas/trigger.js';

/** A payload schema: JSON Schema draft 7, the dialect of AsyncAPI's default schema format. */
function jsonSchema(schema: z.ZodType, name: string, shared: Record<string, unknown>) {
  return embedSchema(schema, name, shared, { target: 'draft-7', io: 'input' });
}

const key = (description: string) => ({ bindings: { kafka: { key: { type: 'string', description } } } });

export function asyncApiDocument(version: string): Record<string, unknown> {
  const topics = KafkaConfig.shape.topics.parse({}) as Record<string, string>;
  const shared: Record<string, unknown> = {};
  const inputHeaders = jsonSchema(InputHeaders, 'InputHeaders', shared);
  const ceHeaders = jsonSchema(CloudEventHeaders, 'CloudEventHeaders', shared);
  const traceHeaders = jsonSchema(TraceHeaders, 'TraceHeaders', shared);
  const inputMessages = {
    canonical: { $ref: '#/components/messages/canonicalTrigger' },
    sourceEvent: { $ref: '#/components/messages/sourceEvent' },
    normalised: { $ref: '#/components/messages/normalisedTrigger' },
  };
  const input = (kind: string, what: string) => ({
    address: topics[kind],
    title: `${kind} triggers`,
    description: `${what} Produced by HR systems, scanners and webhooks, and by tourniquet's own intake.`,
    messages: inputMessages,
  });
  const channels = {
    leak: input('leak', 'Secrets that leaked (scanner findings, partner alerts).'),
    offboarding: input('offboarding', 'People who left (HR, identity providers).'),
    decommission: input('decommission', 'Workloads that were retired.'),
    tasks: {
      address: topics.tasks,
      title: 'task wake-ups',
      description:
        'One message per task that may run now; the store holds the task. Keyed by the credential, so one credential is handled in order.',
      messages: { task: { $ref: '#/components/messages/task' } },
    },
    dlq: {
      address: topics.dlq,
      title: 'dead letters',
      description: 'Input or task messages that could not be processed, payload sealed.',
      messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
    },
    audit: {
      address: topics.audit,
      title: 'audit trail',
      description:
        'Every audit record as it is appended (hash-chained), and signed checkpoints of the chain head.',
      messages: {
        record: { $ref: '#/components/messages/auditRecord' },
        checkpoint: { $ref: '#/components/messages/auditCheckpoint' },
      },
    },
  };
  const op = (action: 'send' | 'receive', channel: keyof typeof channels, summary: string) => ({
    action,
    channel: { $ref: `#/channels/${channel}` },
    summary,
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'tourniquet',
      version,
      description: 'Revokes credentials the moment they must die: the topics it reads and writes.',
      license: { name: 'see the repository' },
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: 'Your brokers (config `kafka.brokers`).',
      },
    },
    channels,
    operations: {
      receiveLeak: op('receive', 'leak', 'tourniquet consumes leak triggers'),
      receiveOffboarding: op('receive', 'offboarding', 'tourniquet consumes offboarding triggers'),
      receiveDecommission: op('receive', 'decommission', 'tourniquet consumes decommission triggers'),
      sendTask: op('send', 'tasks', 'the planner wakes a task'),
      receiveTask: op('receive', 'tasks', 'a worker routes a task into its provider lane'),
      sendDeadLetter: op('send', 'dlq', 'what could not be processed is dead-lettered'),
      sendAudit: op('send', 'audit', 'the audit trail is mirrored as it is written'),
    },
    components: {
      messages: {
        canonicalTrigger: {
          name: 'canonicalTrigger',
          title: 'Canonical trigger',
          summary: 'A trigger in tourniquet’s own format (no `tourniquet-source` header).',
          headers: inputHeaders,
          payload: jsonSchema(TriggerInput, 'TriggerInput', shared),
          ...key('any; tourniquet derives ids from the content'),
        },
        sourceEvent: {
          name: 'sourceEvent',
          title: 'Source event',
          summary: `A producer's own format, named by the tourniquet-source header: ${SOURCE_NAMES.join(', ')}.`,
          headers: inputHeaders,
          payload: {
            description: 'The event as the producer emits it; each format is validated by its own schema.',
          },
          ...key('any'),
        },
        normalisedTrigger: {
          name: 'normalisedTrigger',
          title: 'Normalised trigger',
          summary: 'Written by tourniquet’s intake (header tourniquet-format: trigger): the secret sealed.',
          headers: inputHeaders,
          payload: jsonSchema(Trigger, 'Trigger', shared),
          ...key('the trigger id'),
        },
        task: {
          name: 'task',
          title: 'Task wake-up',
          headers: traceHeaders,
          payload: jsonSchema(TaskMessage, 'TaskMessage', shared),
          ...key('the credential (its id or fingerprint): its tasks stay in order'),
        },
        deadLetter: {
          name: 'deadLetter',
          title: 'Dead letter',
          summary: 'A CloudEvent (binary mode), type io.tourniquet.dlq.dead_letter.',
          headers: ceHeaders,
          payload: jsonSchema(DeadMessageRecord, 'DeadMessage', shared),
          ...key('the dead letter id'),
        },
        auditRecord: {
          name: 'auditRecord',
          title: 'Audit record',
          summary: 'A CloudEvent (binary mode), type io.tourniquet.audit.<record type>.',
          headers: ceHeaders,
          payload: jsonSchema(AuditRecord, 'AuditRecord', shared),
          ...key('the trigger id, or the sequence number'),
        },
        auditCheckpoint: {
          name: 'auditCheckpoint',
          title: 'Audit checkpoint',
          summary:
            'A signed checkpoint of the chain head; a CloudEvent, type io.tourniquet.audit.checkpoint.',
          headers: ceHeaders,
          payload: jsonSchema(AuditCheckpoint, 'AuditCheckpoint', shared),
          ...key('tourniquet.audit-checkpoint'),
        },
      },
      // Filled while the payloads above are built (the same object).
      schemas: shared,
    },
  };
}
