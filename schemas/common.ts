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

/** Flat evidence values: enough for an analyst, never a nested raw event. */
export const Scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
export const Evidence = z.record(z.string().max(100), Scalar);

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
