/**
 * What the Entra discoverer reads of each Graph object (zod: only the `$select`ed fields we use) and
 * the identity or credentials it becomes. Kinds and providerIds are what the revoking adapter acts on
 * (src/providers/entra.ts): `entra.user` by object id (stable across UPN renames; the adapter
 * accepts it as it accepts a UPN), `entra.app_password` / `entra.sp_password` as `objectId:keyId`,
 * the application's or service principal's object id (not its appId), as removePassword needs.
 *
 * No field read here holds a secret: Graph never returns a password credential's value on a read
 * (`secretText` only in addPassword's answer), and `hint` (its first characters) is not read either.
 */
import { z } from 'zod';
import type { DiscoveredCredential, DiscoveredIdentity } from './port.js';

/** Graph object ids and keyIds are GUIDs; nothing with a `:` can be an adapter's `objectId:keyId`. */
const Guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const Text = z.string().nullish();

export const GraphUser = z.object({
  id: Guid,
  userPrincipalName: Text,
  mail: Text,
  displayName: Text,
  accountEnabled: z.boolean().nullish(),
  createdDateTime: Text,
});
export type GraphUser = z.infer<typeof GraphUser>;

const PasswordCredential = z.object({
  keyId: Guid,
  displayName: Text,
  startDateTime: Text,
  endDateTime: Text,
});

/** An application or a service principal, with its client secrets (`passwordCredentials`). */
export const GraphPasswordOwner = z.object({
  id: Guid,
  appId: Text,
  displayName: Text,
  passwordCredentials: z.array(PasswordCredential).nullish(),
});
export type GraphPasswordOwner = z.infer<typeof GraphPasswordOwner>;

export const ENTRA_DISCOVERED_KINDS = {
  user: 'entra.user',
  appPassword: 'entra.app_password',
  spPassword: 'entra.sp_password',
} as const;

const short = (v: string | null | undefined, max = 200): string | undefined =>
  v && v.trim() ? v.trim().slice(0, max) : undefined;

function isoOf(v: string | null | undefined): string | undefined {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/**
 * The account, by object id. Its email is `mail`, else the UPN: a UPN has an email's shape and is
 * what a person signs in with, which is what links the account to her when `mail` is unset.
 */
export function userIdentity(u: GraphUser): DiscoveredIdentity {
  const email = short(u.mail, 320) ?? short(u.userPrincipalName, 320);
  const displayName = short(u.displayName) ?? short(u.userPrincipalName);
  return {
    identity: u.id,
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    role: 'user',
  };
}

/**
 * A person's account as `entra.user`. A disabled account (`accountEnabled: false`) is listed as
 * `disabled`, not left out: it still exists and can be re-enabled; left out, the sync would mark it gone.
 */
export function userCredential(u: GraphUser): DiscoveredCredential {
  const issuedAt = isoOf(u.createdDateTime);
  const upn = short(u.userPrincipalName, 320);
  return {
    kind: ENTRA_DISCOVERED_KINDS.user,
    providerId: u.id,
    ownerIdentity: u.id,
    status: u.accountEnabled === false ? 'disabled' : 'active',
    ...(issuedAt ? { issuedAt } : {}),
    labels: { ...(upn ? { userPrincipalName: upn } : {}) },
  };
}

/** Each client secret of an application or service principal, as `kind` with `objectId:keyId`. */
export function passwordCredentials(
  kind: typeof ENTRA_DISCOVERED_KINDS.appPassword | typeof ENTRA_DISCOVERED_KINDS.spPassword,
  o: GraphPasswordOwner,
): DiscoveredCredential[] {
  const objectName = short(o.displayName);
  const appId = short(o.appId, 64);
  return (o.passwordCredentials ?? []).map((p) => {
    const issuedAt = isoOf(p.startDateTime);
    const expiresAt = isoOf(p.endDateTime);
    const name = short(p.displayName);
    return {
      kind,
      providerId: `${o.id}:${p.keyId}`,
      ...(issuedAt ? { issuedAt } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      labels: {
        objectId: o.id,
        keyId: p.keyId,
        ...(appId ? { appId } : {}),
        ...(objectName ? { objectName } : {}),
        ...(name ? { name } : {}),
      },
    };
  });
}
