/**
 * AWS Health credential-risk events → one leak trigger per affected access key id
 * (`subject.providerKeyId`; AWS never sends the secret). Id: `aws-health:` + SHA-256(affected
 * account, event ARN, key id): an event ARN alone is not unique across accounts.
 * Affected entities that are not access key ids (e.g. an IAM user named by a quarantine event) cannot
 * be matched by key id and are ignored with a reason; a `closed` risk event is ignored.
 */
import { isAwsAccessKeyId } from '../classify/index.js';
import { AWS_RISK_EVENT_CODES, AwsHealthEvent } from '../../schemas/sources/aws-health.js';
import { evidence, opt } from './evidence.js';
import { hashedId } from './ids.js';
import { parseEvent } from './input.js';
import { ignoredResult, Outcome, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const AWS_HEALTH_SOURCE = 'aws.health';

export function normalizeAwsHealth(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, AwsHealthEvent);
  if (!parsed.ok) return parsed.result;
  const event = parsed.event;
  const { detail } = event;
  if (!(AWS_RISK_EVENT_CODES as readonly string[]).includes(detail.eventTypeCode)) {
    return ignoredResult('AWS Health event is not a credential risk event');
  }
  if (detail.statusCode === 'closed') return ignoredResult('AWS Health risk event is closed');
  const entities = detail.affectedEntities ?? [];
  if (entities.length === 0) return ignoredResult('AWS Health risk event names no affected entity');
  const account = detail.affectedAccount ?? event.account;
  const outcome = new Outcome();
  entities.forEach((entity, i) => {
    if (!isAwsAccessKeyId(entity.entityValue)) {
      outcome.ignore('affected entity is not an access key id');
      return;
    }
    outcome.add(
      {
        kind: 'leak',
        id: hashedId('aws-health', account, detail.eventArn, entity.entityValue),
        source: AWS_HEALTH_SOURCE,
        occurredAt: isoTime(event.time) ?? isoTime(detail.startTime),
        subject: { providerKeyId: entity.entityValue },
        evidence: evidence({
          eventTypeCode: detail.eventTypeCode,
          eventArn: detail.eventArn,
          account,
          deliveredToAccount: event.account,
          region: opt(event.region),
          statusCode: opt(detail.statusCode),
          startTime: isoTime(detail.startTime),
        }),
      },
      ['detail', 'affectedEntities', i],
    );
  });
  return outcome.result();
}
