/**
 * tourniquet's generic decommission format, for anything without a native adapter (a CMDB, a CI job
 * retiring a service, a ticket workflow). One object or a JSON array:
 *
 *   {
 *     "workload": "payments-api@prod",         required: the workload as the inventory names it
 *     "eventId": "chg-2025-0042",              optional, stable: makes resubmissions deduplicate
 *     "occurredAt": "2025-03-31T17:00:00Z",    optional, RFC 3339
 *     "reason": "service retired",             optional, for evidence
 *     "requestedBy": "ada@example.com",        optional, for evidence
 *     "system": "servicenow"                   optional: the originating system, for evidence
 *   }
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, IdFragment, TimeText } from './common.js';

export const DecommissionEvent = z.looseObject({
  workload: z.string().min(1).max(300),
  eventId: IdFragment.nullish(),
  occurredAt: TimeText.nullish(),
  reason: z.string().max(2000).nullish(),
  requestedBy: z.string().max(200).nullish(),
  system: z.string().max(100).nullish(),
});
export type DecommissionEvent = z.infer<typeof DecommissionEvent>;

export const DecommissionBatch = z.union([
  DecommissionEvent,
  z.array(DecommissionEvent).max(MAX_BATCH_RECORDS),
]);
