/**
 * Reads a Kafka message as a CloudEvent with the official CloudEvents SDK (npm `cloudevents`), so
 * the headers tourniquet writes are checked by an independent implementation of the Kafka binding,
 * and validated against the CloudEvents 1.0 attribute rules (required attributes, formats).
 */
import { Kafka, type CloudEvent } from 'cloudevents';

export function cloudEventOf(m: {
  key: string;
  value: string;
  headers: Record<string, string>;
}): CloudEvent<unknown> {
  const message = { key: m.key, value: m.value, headers: m.headers, body: m.value };
  if (!Kafka.isEvent(message)) throw new Error(`not a CloudEvent: ${JSON.stringify(m.headers)}`);
  const e = Kafka.toEvent(message) as CloudEvent<unknown> | CloudEvent<unknown>[];
  if (Array.isArray(e)) throw new Error('a batch, not one event');
  e.validate();
  return e;
}
