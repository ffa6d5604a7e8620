/**
 * What the Google Workspace discoverer reads of each listed user (Admin SDK Directory `users.list`;
 * zod: only the fields used) and the identity and `google_workspace.user` credential it becomes.
 * The providerId is the user's immutable `id`, which the adapter's `users/{userKey}` accepts like
 * the primary email but which survives a rename of the address.
 *
 * No field read here holds a secret: users.list returns no credential values.
 */
import { z } from 'zod';
import type { DiscoveredCredential, DiscoveredIdentity } from './port.js';

const Text = z.string().nullish();

export const GoogleListedUser = z.object({
  id: z.string().regex(/^[A-Za-z0-9]{1,40}$/),
  primaryEmail: z.string().min(3).max(320),
  suspended: z.boolean().optional(),
  archived: z.boolean().optional(),
  isAdmin: z.boolean().optional(),
  isDelegatedAdmin: z.boolean().optional(),
  creationTime: Text,
  lastLoginTime: Text,
  name: z.object({ fullName: Text }).nullish(),
});
export type GoogleListedUser = z.infer<typeof GoogleListedUser>;

export const GOOGLE_WORKSPACE_USER_KIND = 'google_workspace.user';

const short = (v: string | null | undefined, max = 200): string | undefined =>
  v && v.trim() ? v.trim().slice(0, max) : undefined;

/** An RFC 3339 time; Google answers `lastLoginTime` 1970-01-01 for an account never signed in. */
function isoOf(v: string | null | undefined): string | undefined {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

function roleOf(u: GoogleListedUser): string {
  if (u.isAdmin) return 'admin';
  if (u.isDelegatedAdmin) return 'delegated_admin';
  return 'user';
}

export function googleIdentity(u: GoogleListedUser): DiscoveredIdentity {
  const displayName = short(u.name?.fullName);
  return {
    identity: u.primaryEmail,
    email: u.primaryEmail,
    ...(displayName ? { displayName } : {}),
    role: roleOf(u),
  };
}

/**
 * A suspended (or archived) account is listed `disabled`, not left out: it still exists, can be
 * unsuspended, and is what the adapter's revoke leaves. A deleted user is not listed: it is gone.
 */
export function googleUserCredential(u: GoogleListedUser): DiscoveredCredential {
  const issuedAt = isoOf(u.creationTime);
  const lastUsedAt = isoOf(u.lastLoginTime);
  return {
    kind: GOOGLE_WORKSPACE_USER_KIND,
    providerId: u.id,
    // The primary email is what a person's `identities[instance]` holds, as the identity event says.
    ownerIdentity: u.primaryEmail,
    ...(issuedAt ? { issuedAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
    status: u.suspended || u.archived ? 'disabled' : 'active',
    labels: { role: roleOf(u), ...(u.archived ? { archived: 'true' } : {}) },
  };
}
