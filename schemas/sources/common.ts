/**
 * Small pieces shared by the source-format schemas.
 *
 * Source schemas are loose objects (unknown fields pass through untouched) with strict types for the
 * fields the normalizers read. Records keyed by producer-chosen strings are typed `unknown` on purpose:
 * a validation issue under such a key would put producer text (possibly a secret) into an issue path.
 */
import { z } from 'zod';

/**
 * Records one source event may carry (a scanner report, a JSON Lines body, an HR batch, an event
 * list): bounds the validation work of one request (a 1 MB body of 333k empty records took 11 s
 * of event-loop time before). Larger batches are split by the producer.
 */
export const MAX_BATCH_RECORDS = 10_000;

/** Times as producers write them (RFC 3339, `+0000` offsets, RFC 1123); handlers normalise to ISO. */
export const TimeText = z.string().min(1).max(100);

/** A short printable label (actions, types, statuses). */
export const Label = z.string().min(1).max(200);

/** An optional free-text field that only ever reaches evidence (truncated there). */
export const Text = z.string().max(100_000).nullish();

/** Identifiers that producers send either as numbers or as strings (BambooHR ids, GitGuardian ids). */
export const NumberOrString = z.union([z.number().int().nonnegative(), z.string().min(1).max(100)]);

/** A map whose keys the producer chooses: values are read by the handler, never validated in place. */
export const OpenMap = z.record(z.string(), z.unknown());

/** Safe id fragment for trigger ids (a subset of the canonical `Id` character set). */
export const IdFragment = z
  .string()
  .regex(/^[A-Za-z0-9._:@+=-]{1,120}$/, 'letters, digits and . _ : @ + = - only');

/** A raw secret as scanners report it; bounds match `LeakSubjectInput.token`. */
export const RawSecret = z.string().min(8).max(4096);
