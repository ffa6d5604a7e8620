/**
 * BambooHR webhooks, both payload styles (signed `X-BambooHR-Signature`, see
 * src/intake/verify/bamboohr.ts).
 *
 * Event-based: `{ type: employee.created|employee.updated|employee.deleted, timestamp,
 *   data: { companyId, employeeId, changedFields? } }`. It names the changed fields but not their new
 *   values, so a Status change cannot be told apart from a rehire: only `employee.deleted` triggers.
 * Field-based (global): `{ employees: [{ id, action: Created|Updated|Deleted, timestamp,
 *   changedFields, fields: { "Status": "Inactive", "Employment Status": "Terminated", … } }] }`.
 *   Termination = `Status` becomes inactive or `Employment Status` becomes terminated, or `Deleted`.
 *   Field names are BambooHR's English names or configured aliases; values are plain strings or
 *   `{ value }` objects.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, NumberOrString, OpenMap, TimeText } from './common.js';

export const BambooHrEventWebhook = z.looseObject({
  type: Label,
  timestamp: TimeText.nullish(),
  data: z.looseObject({
    companyId: NumberOrString.nullish(),
    employeeId: NumberOrString,
    changedFields: z.array(z.string().max(200)).nullish(),
  }),
});
export type BambooHrEventWebhook = z.infer<typeof BambooHrEventWebhook>;

export const BambooHrFieldEmployee = z.looseObject({
  id: NumberOrString,
  action: Label,
  timestamp: TimeText.nullish(),
  changedFields: z.array(z.string().max(200)).nullish(),
  /** Keys are field names chosen in BambooHR's settings: read by the handler, not validated here. */
  fields: OpenMap.nullish(),
});
export type BambooHrFieldEmployee = z.infer<typeof BambooHrFieldEmployee>;

export const BambooHrFieldWebhook = z.looseObject({ employees: z.array(z.unknown()).max(MAX_BATCH_RECORDS) });

export const BambooHrWebhook = z.union([BambooHrFieldWebhook, BambooHrEventWebhook]);
