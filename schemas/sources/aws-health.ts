/**
 * AWS Health risk events delivered through EventBridge (`source: aws.health`,
 * `detail-type: AWS Health Event`). For credential risk events AWS names the exposed access key id in
 * `detail.affectedEntities[].entityValue`; the secret is never included.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, TimeText } from './common.js';

/** The risk event codes that tourniquet acts on; every other Health event is ignored. */
export const AWS_RISK_EVENT_CODES = [
  'AWS_RISK_CREDENTIALS_EXPOSED',
  'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
  'AWS_RISK_CREDENTIALS_COMPROMISED',
  'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
  'AWS_RISK_IAM_QUARANTINE',
] as const;

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');

export const AwsHealthAffectedEntity = z.looseObject({
  entityValue: z.string().min(1).max(1600),
  status: z.string().max(50).nullish(),
  lastUpdatedTime: TimeText.nullish(),
});

export const AwsHealthEvent = z.looseObject({
  id: z.string().max(200).nullish(),
  'detail-type': Label,
  source: z.literal('aws.health'),
  /** Account the event was delivered to (the management account for organizational views). */
  account: AccountId,
  /** When EventBridge received the notification (RFC 3339). */
  time: TimeText,
  region: z.string().max(50).nullish(),
  detail: z.looseObject({
    /** Not unique across accounts: ids combine it with the affected account. */
    eventArn: z.string().min(1).max(1600),
    service: z.string().max(100).nullish(),
    eventTypeCode: z.string().min(3).max(100),
    eventTypeCategory: z.string().max(100).nullish(),
    eventScopeCode: z.string().max(50).nullish(),
    /** `open` | `closed` | `upcoming`. */
    statusCode: z.string().max(50).nullish(),
    /** RFC 1123 in EventBridge deliveries, e.g. `Sat, 05 Jun 2016 15:10:09 GMT`. */
    startTime: TimeText.nullish(),
    affectedAccount: AccountId.nullish(),
    affectedEntities: z.array(AwsHealthAffectedEntity).max(MAX_BATCH_RECORDS).nullish(),
  }),
});
export type AwsHealthEvent = z.infer<typeof AwsHealthEvent>;
