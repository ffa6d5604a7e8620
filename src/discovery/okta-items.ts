/**
 * What the Okta discoverer reads of each listed user (zod: only the fields used, Okta's other
 * profile attributes dropped) and the identity and `okta.user` credential it becomes. The
 * providerId is the user's immutable `id` (`00u…`), which the adapter's `GET /users/{idOrLogin}`
 * accepts like a login but which survives a rename of the login.
 *
 * No field read here holds a secret: the users list returns no credential values.
 */
import { z } from 'zod';
import type { DiscoveredCredential, DiscoveredIdentity } from './port.js';

const Text = z.string().nullish();

export const OktaListedUser = z.object({
  id: z.string().regex(/^[A-Za-z0-9]{1,40}$/),
  status: z.string().min(1).max(40),
  created: Text,
  lastLogin: Text,
  profile: z.object({
    login: z.string().min(1),
    email: Text,
    firstName: Text,
    lastName: Text,
    displayName: Text,
  }),
});
export type OktaListedUser = z.infer<typeof OktaListedUser>;

export const OKTA_USER_KIND = 'okta.user';

/**
 * Okta's statuses in which the account cannot sign in: SUSPENDED (an admin's pause) and
 * DEPROVISIONED (deactivated, what the adapter's revoke leaves). Both are listed `disabled`, not
 * left out: the account still exists and can be reactivated.
 */
const DISABLED_STATUSES: ReadonlySet<string> = new Set(['SUSPENDED', 'DEPROVISIONED']);

const short = (v: string | null | undefined, max = 200): string | undefined =>
  v && v.trim() ? v.trim().slice(0, max) : undefined;

function isoOf(v: string | null | undefined): string | undefined {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

export function oktaIdentity(u: OktaListedUser): DiscoveredIdentity {
  const email = short(u.profile.email, 320);
  const name = [short(u.profile.firstName), short(u.profile.lastName)].filter(Boolean).join(' ');
  const displayName = short(u.profile.displayName) ?? short(name);
  return {
    identity: u.profile.login.slice(0, 320),
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    role: 'user',
  };
}

export function oktaUserCredential(u: OktaListedUser): DiscoveredCredential {
  const issuedAt = isoOf(u.created);
  const lastUsedAt = isoOf(u.lastLogin);
  return {
    kind: OKTA_USER_KIND,
    providerId: u.id,
    // The login is what a person's `identities[instance]` holds, as the identity event says.
    ownerIdentity: u.profile.login.slice(0, 320),
    ...(issuedAt ? { issuedAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
    status: DISABLED_STATUSES.has(u.status) ? 'disabled' : 'active',
    labels: { oktaStatus: u.status },
  };
}
