/**
 * Small building blocks shared by the canonical schemas. This folder imports nothing but zod.
 */
import { z } from 'zod';

/** HMAC-SHA256 of a secret value, hex: the only form in which a secret is stored or compared. */
export const Fingerprint = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a 64-hex-digit HMAC-SHA256 fingerprint');

/** RFC 3339 timestamp with an offset; normalised to UTC ISO strings by the pipeline. */
export const Timestamp = z.iso.datetime({ offset: true });

/** Identifiers end up in URLs, Kafka keys and audit lines: keep them printable and bounded. */
export const Id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@/+=-]+$/, 'only letters, digits and . _ : @ / + = - are allowed');

/**
 * Names that identify people, workloads and keys are stored, used as keys, logged and shown to
 * analysts: no control characters (C0, DEL, C1), no lone surrogates (they cannot be encoded as
 * UTF-8, so the stored name would differ from the one received) and no bidirectional overrides
 * (which make a name display as another). PostgreSQL cannot store U+0000 at all.
 */
const PRINTABLE = /^[^\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]*$/u;
export const PRINTABLE_MESSAGE = 'control characters are not allowed';

/** A non-empty identifier of at most `max` characters, printable (see PRINTABLE). */
export function Name(max: number) {
  return z.string().min(1).max(max).regex(PRINTABLE, PRINTABLE_MESSAGE);
}

/** Free text may span lines, but never hold what the store cannot keep (U+0000, lone surrogates). */
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const STORABLE = /^[^\u0000\p{Cs}]*$/u;
/** Free text an operator or a source writes (a reason, a note): what the store can keep, bounded. */
export const FreeText = (max: number) =>
  z.string().max(max).regex(STORABLE, 'U+0000 and lone surrogates are not allowed');
const Text = (max: number) =>
  z.string().max(max).regex(STORABLE, 'U+0000 and lone surrogates are not allowed');

/** Flat evidence values: enough for an analyst, never a nested raw event. */
export const EVIDENCE_TEXT_MAX = 2000;
export const Scalar = z.union([Text(EVIDENCE_TEXT_MAX), z.number(), z.boolean(), z.null()]);
export const Evidence = z.record(z.string().max(100).regex(PRINTABLE, PRINTABLE_MESSAGE), Scalar);

/** A secret in configuration: inline, or the name of the environment variable that holds it. */
export const SecretSetting = z.union([z.string().min(1), z.object({ env: z.string().min(1) }).strict()]);
export type SecretSetting = z.infer<typeof SecretSetting>;

/** A provider's request budget: sustained rate, burst, and concurrent calls (per process). */
export const RateBudgetSetting = z
  .object({
    perSecond: z.number().positive(),
    burst: z.number().int().positive(),
    concurrency: z.number().int().positive(),
  })
  .strict();
