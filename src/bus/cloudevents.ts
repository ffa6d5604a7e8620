/**
 * CloudEvents 1.0 in Kafka's binary mode (the CloudEvents Kafka protocol binding): the event's
 * attributes travel as `ce_`-prefixed headers, the data as the message value, its media type as
 * `content-type`. Put on what tourniquet publishes for others to consume — audit records and
 * checkpoints, dead letters — so a SIEM pipeline, Knative or any CloudEvents router takes them as
 * events without knowing our formats. Types are reverse-DNS (`io.tourniquet.audit.task.revoked`);
 * `source` names the topic's role, `id` is unique within it.
 */
export interface CloudEventAttributes {
  /** Unique within `source`. */
  id: string;
  /** A URI reference naming the producer context, e.g. `/tourniquet/audit`. */
  source: string;
  type: string;
  /** RFC 3339. */
  time: string;
  /** What the event is about within the source (a trigger id), when there is one. */
  subject?: string | null;
}

export const CE_TYPE_PREFIX = 'io.tourniquet';

export function cloudEventHeaders(a: CloudEventAttributes): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: a.id,
    ce_source: a.source,
    ce_type: a.type,
    ce_time: a.time,
    ...(a.subject ? { ce_subject: a.subject } : {}),
    'content-type': 'application/json',
  };
}
