/**
 * CloudTrail (via EventBridge) → decommission triggers for successful IAM DeleteRole, DeleteUser,
 * DeleteAccessKey and EC2 TerminateInstances (workload naming in schemas/sources/cloudtrail.ts).
 * Id: `cloudtrail:<eventID>` (plus `:<instanceId>` for each terminated instance).
 */
import {
  CLOUDTRAIL_EVENTS_ACTED_ON,
  CloudTrailEventBridgeEvent,
  DeleteAccessKeyParameters,
  DeleteRoleParameters,
  DeleteUserParameters,
  TerminateInstancesParameters,
} from '../../schemas/sources/cloudtrail.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { ignoredResult, issuesFromZod, Outcome, reject, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const CLOUDTRAIL_SOURCE = 'aws.cloudtrail';

const PARAMS_PATH = ['detail', 'requestParameters'];

export function normalizeCloudTrail(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, CloudTrailEventBridgeEvent);
  if (!parsed.ok) return parsed.result;
  const event = parsed.event;
  const d = event.detail;
  if (!(CLOUDTRAIL_EVENTS_ACTED_ON as readonly string[]).includes(d.eventName)) {
    return ignoredResult('CloudTrail event is not a decommissioning API call');
  }
  if (d.errorCode) return ignoredResult('CloudTrail call failed (errorCode present)');
  const account = d.recipientAccountId ?? event.account;
  if (!account)
    return rejectAt('INVALID_SHAPE', ['detail', 'recipientAccountId'], 'required (or a top-level account)');
  const region = d.awsRegion ?? event.region ?? undefined;
  const occurredAt = isoTime(d.eventTime);
  const base = {
    eventName: d.eventName,
    eventSource: d.eventSource,
    account,
    region,
    actor: opt(d.userIdentity?.arn),
  };
  const outcome = new Outcome();
  const add = (workload: string, id: string, extra: Record<string, string>): void =>
    outcome.add({
      kind: 'decommission',
      id,
      source: CLOUDTRAIL_SOURCE,
      occurredAt,
      subject: { workload },
      evidence: evidence({ ...base, ...extra }),
    });

  const params = d.requestParameters ?? undefined;
  switch (d.eventName) {
    case 'DeleteRole': {
      const p = DeleteRoleParameters.safeParse(params);
      if (!p.success) return reject('INVALID_SHAPE', issuesFromZod(p.error, PARAMS_PATH));
      add(`arn:aws:iam::${account}:role/${p.data.roleName}`, `cloudtrail:${d.eventID}`, {
        roleName: p.data.roleName,
      });
      break;
    }
    case 'DeleteUser': {
      const p = DeleteUserParameters.safeParse(params);
      if (!p.success) return reject('INVALID_SHAPE', issuesFromZod(p.error, PARAMS_PATH));
      add(`arn:aws:iam::${account}:user/${p.data.userName}`, `cloudtrail:${d.eventID}`, {
        userName: p.data.userName,
      });
      break;
    }
    case 'DeleteAccessKey': {
      const p = DeleteAccessKeyParameters.safeParse(params);
      if (!p.success) return reject('INVALID_SHAPE', issuesFromZod(p.error, PARAMS_PATH));
      add(`aws:access_key:${p.data.accessKeyId}`, `cloudtrail:${d.eventID}`, {
        accessKeyId: p.data.accessKeyId,
        ...(p.data.userName ? { userName: p.data.userName } : {}),
      });
      break;
    }
    default: {
      // TerminateInstances, the only other acted-on name.
      const p = TerminateInstancesParameters.safeParse(params);
      if (!p.success) return reject('INVALID_SHAPE', issuesFromZod(p.error, PARAMS_PATH));
      if (!region) return rejectAt('INVALID_SHAPE', ['detail', 'awsRegion'], 'required for EC2 events');
      for (const { instanceId } of p.data.instancesSet.items) {
        add(
          `arn:aws:ec2:${region}:${account}:instance/${instanceId}`,
          `cloudtrail:${d.eventID}:${instanceId}`,
          {
            instanceId,
          },
        );
      }
    }
  }
  return outcome.result();
}
