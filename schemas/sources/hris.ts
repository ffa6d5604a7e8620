/**
 * tourniquet's generic HRIS termination format, for HR systems without a native adapter (Workday
 * integrations, Paylocity, an internal HR tool, a spreadsheet export). One object or a JSON array:
 *
 *   {
 *     "employeeId": "E-1042",                  required: the HR system's id for the person
 *     "email": "ada@example.com",              optional: preferred as the trigger's person
 *     "login": "ada",                          optional: another alias (SSO login, GitHub login…)
 *     "aliases": ["ada.lovelace"],             optional: more aliases (≤ 50)
 *     "status": "terminated",                  terminated | offboarded → offboarding; anything else is ignored
 *     "effectiveAt": "2025-03-31T17:00:00Z",   required, RFC 3339: when access must end
 *     "eventId": "hr-2025-000123",             optional, stable: makes resubmissions deduplicate
 *     "system": "workday",                     optional: the originating system, for evidence
 *     "reason": "voluntary"                    optional, for evidence
 *   }
 *
 * The trigger is emitted when the event arrives: a sender must post at (not before) `effectiveAt`.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, IdFragment, Label, TimeText } from './common.js';

export const HRIS_TERMINATION_STATUSES = ['terminated', 'offboarded'] as const;

export const HrisEvent = z.looseObject({
  employeeId: z.string().min(1).max(200),
  email: z.string().min(3).max(200).nullish(),
  login: z.string().min(1).max(200).nullish(),
  aliases: z.array(z.string().min(1).max(200)).max(50).nullish(),
  status: Label,
  effectiveAt: TimeText,
  eventId: IdFragment.nullish(),
  system: z.string().max(100).nullish(),
  reason: z.string().max(500).nullish(),
});
export type HrisEvent = z.infer<typeof HrisEvent>;

export const HrisBatch = z.union([HrisEvent, z.array(HrisEvent).max(MAX_BATCH_RECORDS)]);
