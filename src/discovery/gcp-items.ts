/**
 * What the GCP IAM discoverer reads from a listing, and what it makes of it. Only the fields named
 * here are read: a key listing never carries private key material (that is only in the answer to
 * keys.create), and we would not copy it if it did.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts#ServiceAccount
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys#ServiceAccountKey
 */
import { z } from 'zod';
import { GCP_KEY_NAME, GCP_SERVICE_ACCOUNT_KEY_KIND } from '../providers/gcp-iam.js';
import type { DiscoveredCredential } from './port.js';

const short = z.string().transform((s) => s.trim().slice(0, 200));

export const GcpServiceAccount = z.object({
  name: z.string().regex(/^projects\/[^/]+\/serviceAccounts\/[^/]+$/),
  email: z.email(),
  uniqueId: z.string().optional(),
  displayName: short.optional(),
  disabled: z.boolean().optional(),
});
export type GcpServiceAccount = z.infer<typeof GcpServiceAccount>;

export const GcpServiceAccountKey = z.object({
  /** `projects/{p}/serviceAccounts/{email}/keys/{keyId}`: the providerId the adapter acts on. */
  name: z.string().regex(GCP_KEY_NAME),
  validAfterTime: z.string().optional(),
  validBeforeTime: z.string().optional(),
  keyAlgorithm: short.optional(),
  keyOrigin: short.optional(),
  keyType: short.optional(),
  disabled: z.boolean().optional(),
});
export type GcpServiceAccountKey = z.infer<typeof GcpServiceAccountKey>;

/** Google writes "no expiry" as the end of year 9999 (validBeforeTime 9999-12-31T23:59:59Z). */
const NO_EXPIRY_FROM = Date.UTC(9999, 0, 1);

function isoOf(v: string | undefined): string | undefined {
  const t = v === undefined ? NaN : Date.parse(v);
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

function expiryOf(v: string | undefined): string | undefined {
  const t = v === undefined ? NaN : Date.parse(v);
  return Number.isFinite(t) && t < NO_EXPIRY_FROM ? isoOf(v) : undefined;
}

/**
 * A user-managed key as a credential. The workload is its service account (the account is not a
 * person, so no ownerIdentity: an owner comes from the inventory's own fields). A key of a disabled
 * account cannot authenticate, so it is listed disabled like a disabled key.
 */
export function keyCredential(account: GcpServiceAccount, key: GcpServiceAccountKey): DiscoveredCredential {
  const issuedAt = isoOf(key.validAfterTime);
  const expiresAt = expiryOf(key.validBeforeTime);
  const labels: Record<string, string> = { serviceAccount: account.email };
  if (account.displayName) labels.serviceAccountName = account.displayName;
  if (key.keyAlgorithm) labels.keyAlgorithm = key.keyAlgorithm;
  if (key.keyOrigin) labels.keyOrigin = key.keyOrigin;
  if (account.disabled === true) labels.serviceAccountDisabled = 'true';
  return {
    kind: GCP_SERVICE_ACCOUNT_KEY_KIND,
    providerId: key.name,
    workload: account.email,
    status: key.disabled === true || account.disabled === true ? 'disabled' : 'active',
    ...(issuedAt ? { issuedAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    labels,
  };
}
