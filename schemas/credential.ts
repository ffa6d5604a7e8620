/**
 * A credential is one inventory record: which provider holds it, what kind it is, how to find it
 * there (providerId), how to recognise its value (fingerprint), who owns its lifecycle, which
 * workload uses it, and whether it is protected (never touched without a human).
 */
import { z } from 'zod';
import { Fingerprint, Id } from './common.js';

/** `<provider type>.<kind>`, e.g. `github.fine_grained_pat`, `aws.access_key`, `oauth.access_token`. */
export const CredentialKind = z
  .string()
  .regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'expected <provider>.<kind>, e.g. aws.access_key');

export const CredentialStatus = z.enum(['active', 'revoked', 'rotated', 'disabled', 'deleted']);

const fields = {
  id: Id,
  /** Name of a configured provider instance (config `providers[].name`). */
  provider: z.string().min(1).max(100),
  kind: CredentialKind,
  providerId: z.string().min(1).max(500).optional(),
  owner: z.string().min(1).max(200).optional(),
  workload: z.string().min(1).max(300).optional(),
  scopes: z.array(z.string().min(1).max(200)).max(500).default([]),
  protected: z.boolean().default(false),
  status: CredentialStatus.default('active'),
  labels: z.record(z.string().max(100), z.string().max(500)).default({}),
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

export const InventoryFile = z.union([
  z.object({ credentials: z.array(CredentialImport) }).strict(),
  z.array(CredentialImport),
]);
export type InventoryFile = z.infer<typeof InventoryFile>;
