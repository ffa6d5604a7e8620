/**
 * A credential is one inventory record: which provider holds it, what kind it is, how to find it
 * there (providerId), how to recognise its value (fingerprint), who owns its lifecycle, which
 * workload uses it, and whether it is protected (never touched without a human).
 */
import { z } from 'zod';
import { Fingerprint, Id, Name, Timestamp } from './common.js';

/** `<provider type>.<kind>`, e.g. `github.fine_grained_pat`, `aws.access_key`, `oauth.access_token`. */
export const CredentialKind = z
  .string()
  .regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'expected <provider>.<kind>, e.g. aws.access_key');

export const CredentialStatus = z.enum(['active', 'revoked', 'rotated', 'disabled', 'deleted']);

const fields = {
  id: Id,
  /** Name of a configured provider instance (config `providers[].name`). */
  provider: Name(100),
  kind: CredentialKind,
  providerId: Name(500).optional(),
  owner: Name(200).optional(),
  workload: Name(300).optional(),
  scopes: z.array(Name(200)).max(500).default([]),
  protected: z.boolean().default(false),
  status: CredentialStatus.default('active'),
  labels: z.record(z.string().max(100), z.string().max(500)).default({}),
  /** Who created it, when that is not its lifecycle owner (a key an engineer minted for a workload). */
  createdBy: Name(200).optional(),
  /** People (ids from `people`) or groups who can read its value: exposure on offboarding → rotate. */
  readers: z.array(Name(200)).max(500).default([]),
  /** Lifecycle, where the provider (or whoever keeps the inventory) tells: for the governance report. */
  issuedAt: Timestamp.optional(),
  lastUsedAt: Timestamp.optional(),
  expiresAt: Timestamp.optional(),
  /** Where a rotated value is written (an IAM key's new secret → a Secrets Manager secret or Vault KV). */
  rotateTo: z
    .object({ provider: Name(100), providerId: Name(500) })
    .strict()
    .optional(),
};

export const Credential = z.object({
  ...fields,
  fingerprint: Fingerprint.optional(),
  /** Set by the pipeline, e.g. `owner_left` when the lifecycle owner was offboarded. */
  flags: z.array(z.string()).default([]),
});
export type Credential = z.infer<typeof Credential>;

/** One record of an inventory file. `secret` is fingerprinted at import and never stored. */
export const CredentialImport = z
  .object({
    ...fields,
    fingerprint: Fingerprint.optional(),
    secret: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type CredentialImport = z.infer<typeof CredentialImport>;

/**
 * A person HR sources name: `id` is the id they send (an email), `aliases` other ids of hers, and
 * `identities` her account at each provider instance (`github-main: janedoe`, `slack-main: U0JANE`,
 * `aws-iam: jane.doe`), keyed by the instance name from config `providers[].name`.
 */
export const Person = z
  .object({
    id: Id,
    aliases: z.array(Id).max(50).default([]),
    identities: z.record(Name(100), Name(200)).default({}),
  })
  .strict();
export type Person = z.infer<typeof Person>;

/**
 * A workload and every name other systems know it by: a Kubernetes service account
 * (`k8s:serviceaccount:<ns>/<name>`), an IAM role ARN, a Terraform address, a Vault role.
 */
export const Workload = z
  .object({
    name: Name(300),
    aliases: z.array(Name(300)).max(50).default([]),
  })
  .strict();
export type Workload = z.infer<typeof Workload>;

export const InventoryFile = z.union([
  z
    .object({
      people: z.array(Person).default([]),
      workloads: z.array(Workload).default([]),
      credentials: z.array(CredentialImport).default([]),
    })
    .strict(),
  z.array(CredentialImport),
]);
export type InventoryFile = z.infer<typeof InventoryFile>;

/** What the planner sees of the inventory for one trigger. */
export interface InventoryView {
  credentials: readonly Credential[];
  people: readonly Person[];
  workloads: readonly Workload[];
}
