/**
 * The canonical trigger: what every source event becomes.
 *
 * Glossary: a *trigger* has a `kind` (offboarding | leak | decommission), a deterministic `id`, the
 * `source` that reported it, a `subject` (who or what is at risk), when it occurred, and flat
 * `evidence`. A leak trigger never holds the raw secret: only its fingerprint and, where the value
 * must travel to a provider for revoke-by-value, a sealed (AES-256-GCM) envelope.
 */
import { z } from 'zod';
import { Evidence, Fingerprint, Id, Name, PRINTABLE_MESSAGE, Timestamp } from './common.js';

export const TriggerKind = z.enum(['offboarding', 'leak', 'decommission']);
export type TriggerKind = z.infer<typeof TriggerKind>;

/** A secret as the pipeline carries it. */
export const SecretRef = z.object({
  fingerprint: Fingerprint,
  /** Sealed value (see src/crypto/seal.ts); dropped from tasks once their outcome is known. */
  sealed: z.string().min(1).optional(),
  /** Token type named by the value's format, e.g. `github.pat_classic`; `unknown` when unrecognised. */
  tokenType: z.string().min(1).optional(),
  /** Provider type that the token format names (`github`, `slack`, `aws`, …). */
  providerType: z.string().min(1).optional(),
});
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * A pointer to a finding whose event omits the secret (GitHub's secret_scanning_alert webhook,
 * GitGuardian incidents): a resolver in src/ turns it into the secret through the reporter's API.
 */
export const LeakReference = z.object({
  system: z.enum(['github_secret_scanning', 'gitguardian']),
  /** The finding's id at the reporter, e.g. `owner/repo#42` or a GitGuardian incident id. */
  id: Name(500),
  /** Secret type as the reporter names it (GitHub `secret_type`, GitGuardian detector name). */
  secretType: z
    .string()
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, PRINTABLE_MESSAGE)
    .optional(),
  url: z.string().max(2000).optional(),
});

export type LeakReference = z.infer<typeof LeakReference>;

export const LeakSubject = z
  .object({
    secret: SecretRef.optional(),
    /** Provider-side identifier of the leaked credential: an AWS key id, a Vault accessor, a key id. */
    providerKeyId: Name(200).optional(),
    /** Inventory id, when the reporter already knows it. */
    credentialId: Id.optional(),
    reference: LeakReference.optional(),
  })
  .refine((s) => s.secret ?? s.providerKeyId ?? s.credentialId ?? s.reference, {
    message: 'a leak names a secret, a providerKeyId, a credentialId or a reference',
  });

export const OffboardingSubject = z.object({
  /** The person leaving: an email, login or HR id as the inventory records owners. */
  person: Name(200),
  /** Other identifiers of the same person (login names, HR ids). */
  aliases: z.array(Name(200)).max(50).default([]),
});

export const DecommissionSubject = z.object({
  /** The retired workload, as the inventory names workloads. */
  workload: Name(300),
});

const base = {
  id: Id,
  source: Name(100),
  occurredAt: Timestamp,
  receivedAt: Timestamp,
  evidence: Evidence.default({}),
};

export const Trigger = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('leak'), subject: LeakSubject }),
  z.object({ ...base, kind: z.literal('offboarding'), subject: OffboardingSubject }),
  z.object({ ...base, kind: z.literal('decommission'), subject: DecommissionSubject }),
]);
export type Trigger = z.infer<typeof Trigger>;
export type LeakTrigger = Extract<Trigger, { kind: 'leak' }>;

/**
 * The canonical trigger as a person or a tool submits it (`tourniquet ingest`, POST /v1/triggers,
 * the input topics). A leak may carry the raw `token`: intake replaces it with a SecretRef at once.
 * `id` is optional: intake derives a deterministic one so that resubmissions deduplicate.
 */
const inputBase = {
  id: Id.optional(),
  source: Name(100).default('manual'),
  occurredAt: Timestamp.optional(),
  evidence: Evidence.default({}),
};

export const LeakSubjectInput = z
  .object({
    token: z.string().min(8).max(4096).optional(),
    fingerprint: Fingerprint.optional(),
    providerKeyId: Name(200).optional(),
    credentialId: Id.optional(),
    reference: LeakReference.optional(),
  })
  .strict()
  .refine((s) => s.token ?? s.fingerprint ?? s.providerKeyId ?? s.credentialId ?? s.reference, {
    message: 'a leak names a token, a fingerprint, a providerKeyId, a credentialId or a reference',
  });
export type LeakSubjectInput = z.infer<typeof LeakSubjectInput>;

export const TriggerInput = z.discriminatedUnion('kind', [
  z.object({ ...inputBase, kind: z.literal('leak'), subject: LeakSubjectInput }).strict(),
  z.object({ ...inputBase, kind: z.literal('offboarding'), subject: OffboardingSubject.strict() }).strict(),
  z.object({ ...inputBase, kind: z.literal('decommission'), subject: DecommissionSubject.strict() }).strict(),
]);
export type TriggerInput = z.infer<typeof TriggerInput>;
