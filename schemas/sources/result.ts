/**
 * What a source normalizer returns for one source event (see handlers/sources/registry.ts).
 *
 * - `ok: true`: zero or more triggers. Zero triggers always come with `ignored` (why the event asks for
 *   no action, e.g. a GitHub alert that was `resolved`). `skipped` lists records of a batch format
 *   (TruffleHog lines, Gitleaks findings, partner batches, Okta event lists…) that were malformed while
 *   their siblings were fine: intake should accept the triggers and dead-letter the event for the rest.
 * - `ok: false`: a typed rejection. Issues name the path of the bad field (`$.alert.number`,
 *   `$[3].token`) and never echo a value, so a rejection can be logged and dead-lettered even when the
 *   event carried a raw secret.
 */
import { z } from 'zod';
import { TriggerInput } from '../trigger.js';

export const NormalizeIssue = z
  .object({
    /** JSONPath-like location in the source event: `$`, `$.detail.eventName`, `$[2].Raw`. */
    path: z.string(),
    message: z.string(),
  })
  .strict();
export type NormalizeIssue = z.infer<typeof NormalizeIssue>;

export const NormalizeRejectCode = z.enum([
  /** Text or bytes that are not JSON (or not UTF-8). */
  'INVALID_JSON',
  /** JSON that does not have the documented shape of this source format. */
  'INVALID_SHAPE',
  /** The documented shape, but a variant this adapter cannot act on (version, method, subject format). */
  'UNSUPPORTED_EVENT',
  /** The normalizer itself failed (a bug); the registry turns an escaped exception into this. */
  'NORMALIZER_FAILED',
]);
export type NormalizeRejectCode = z.infer<typeof NormalizeRejectCode>;

export const NormalizeResult = z.discriminatedUnion('ok', [
  z
    .object({
      ok: z.literal(true),
      triggers: z.array(TriggerInput),
      ignored: z.string().optional(),
      skipped: z.array(NormalizeIssue).optional(),
    })
    .strict(),
  z
    .object({
      ok: z.literal(false),
      code: NormalizeRejectCode,
      issues: z.array(NormalizeIssue).min(1),
    })
    .strict(),
]);
export type NormalizeResult = z.infer<typeof NormalizeResult>;
