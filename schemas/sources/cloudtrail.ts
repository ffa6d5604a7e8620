/**
 * CloudTrail management events delivered by EventBridge (`detail-type: AWS API Call via CloudTrail`).
 * Acted on: IAM `DeleteRole`, `DeleteUser`, `DeleteAccessKey` and EC2 `TerminateInstances`, only when
 * the call succeeded (an `errorCode` means it failed and is ignored). IAM events arrive in us-east-1.
 *
 * Workload names (as the inventory must record them):
 *   DeleteRole         → `arn:aws:iam::<account>:role/<roleName>` (the role path is not in the event)
 *   DeleteUser         → `arn:aws:iam::<account>:user/<userName>`
 *   DeleteAccessKey    → `aws:access_key:<accessKeyId>` (copies of that key held elsewhere)
 *   TerminateInstances → `arn:aws:ec2:<region>:<account>:instance/<instanceId>`, one trigger each
 */
import { z } from 'zod';
import { Label, OpenMap, TimeText } from './common.js';

export const CLOUDTRAIL_EVENTS_ACTED_ON = [
  'DeleteRole',
  'DeleteUser',
  'DeleteAccessKey',
  'TerminateInstances',
] as const;

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');

export const CloudTrailRecord = z.looseObject({
  eventSource: z.string().max(100),
  eventName: z.string().min(1).max(100),
  eventTime: TimeText,
  awsRegion: z.string().max(50).nullish(),
  eventID: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a UUID'),
  recipientAccountId: AccountId.nullish(),
  userIdentity: z
    .looseObject({ type: z.string().max(100).nullish(), arn: z.string().max(2000).nullish() })
    .nullish(),
  requestParameters: OpenMap.nullish(),
  errorCode: z.string().max(200).nullish(),
});

export const CloudTrailEventBridgeEvent = z.looseObject({
  'detail-type': Label,
  source: Label,
  account: AccountId.nullish(),
  region: z.string().max(50).nullish(),
  detail: CloudTrailRecord,
});
export type CloudTrailEventBridgeEvent = z.infer<typeof CloudTrailEventBridgeEvent>;

/** IAM names: letters, digits and + = , . @ _ - (up to 64 characters). */
const IamName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'an IAM name');

export const DeleteRoleParameters = z.looseObject({ roleName: IamName });
export const DeleteUserParameters = z.looseObject({ userName: IamName });
export const DeleteAccessKeyParameters = z.looseObject({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'an access key id'),
  userName: IamName.nullish(),
});
export const TerminateInstancesParameters = z.looseObject({
  instancesSet: z.looseObject({
    items: z
      .array(z.looseObject({ instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an EC2 instance id') }))
      .min(1)
      .max(1000),
  }),
});
