/**
 * SCIM 2.0 deprovisioning (RFC 7644), as the HTTP layer hands a request over:
 * `{ method, path?, userId?, body? }`, e.g.
 *   `{ "method": "PATCH", "path": "/scim/v2/Users/2819c223", "body": { "schemas": […PatchOp],
 *      "Operations": [{ "op": "replace", "path": "active", "value": false }] } }`
 *   `{ "method": "DELETE", "userId": "2819c223" }`
 * Deactivation spellings seen in the field: `op` in any case (`Replace`), `path: "active"` with
 * `value: false` or the string `"False"` (Entra ID), or no path and `value: { "active": false }` (Okta).
 * A PUT of the whole user with `active: false` is the RFC's replace and is accepted as well.
 */
import { z } from 'zod';

export const ScimPatchOperation = z.looseObject({
  op: z.string().min(1).max(20),
  path: z.string().max(500).nullish(),
  value: z.unknown().optional(),
});

export const ScimPatchBody = z.looseObject({
  schemas: z.array(z.string().max(200)).nullish(),
  Operations: z.array(ScimPatchOperation).min(1).max(1000),
});

/** The attributes read from a full SCIM User (PUT body). */
export const ScimUser = z.looseObject({
  active: z.union([z.boolean(), z.string().max(10)]).nullish(),
  userName: z.string().min(1).max(200).nullish(),
  externalId: z.string().min(1).max(200).nullish(),
});

export const ScimRequest = z.looseObject({
  method: z.string().min(1).max(10),
  /** Request path; the user id is its last segment after `/Users/`. */
  path: z.string().max(2000).nullish(),
  /** The SCIM resource id, when the route already extracted it (wins over `path`). */
  userId: z.string().min(1).max(200).nullish(),
  /** The person's userName when the route knows it (SCIM PATCH bodies rarely carry it). */
  userName: z.string().min(1).max(200).nullish(),
  body: z.unknown().optional(),
});
export type ScimRequest = z.infer<typeof ScimRequest>;
