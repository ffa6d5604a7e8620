/**
 * Capabilities: what a configured provider instance can really do, per credential kind. The planner
 * plans only from these (handlers/plan.ts): an action is planned for a credential only when its
 * provider lists it here *and* what the action needs is known now. Adapters list only the actions
 * their configuration allows (an admin token that is not configured removes the actions that need
 * it), so a capability is a promise the adapter can keep.
 *
 * Needs:
 * - `secret`: the credential's value (revoke-by-value, RFC 7009, Slack auth.revoke). Only a leak
 *   that carries the value supplies it; it travels sealed.
 * - `providerId`: the provider-side id of the credential (an access key id, `org:patId`, an accessor),
 *   from the inventory or, for a person's accounts, from her identity at that provider instance.
 * - `destination`: where a rotation writes the new value (the inventory's `rotateTo`), at an
 *   instance that can write values (`writesValues`).
 */
import { z } from 'zod';
import { Action } from './plan.js';

export const Need = z.enum(['secret', 'providerId', 'destination']);
export type Need = z.infer<typeof Need>;

export const ActionCapability = z.object({
  action: Action,
  needs: z.array(Need),
  /** Can be undone (IAM key deactivation, KV soft delete, SCIM deactivation). */
  reversible: z.boolean(),
  /**
   * The person's account at this instance (`identities` in the inventory) serves as the provider id:
   * an offboarding can run this action from her identity alone (Slack session reset by user id).
   */
  acceptsIdentity: z.boolean().default(false),
});
export type ActionCapability = z.infer<typeof ActionCapability>;

/** One configured provider instance as the planner sees it. */
export const CapabilityView = z.object({
  name: z.string(),
  /** Provider type (`github`, `slack`, `aws`, `vault`, `oauth`). */
  type: z.string(),
  /** credential kind → the actions this instance can run on it. */
  kinds: z.record(z.string(), z.array(ActionCapability)),
  /** How long a revocation may take to be visible (verification window). */
  propagationMs: z.number().int().nonnegative(),
  canVerify: z.boolean(),
  /** Can hold a rotated value (a Secrets Manager secret, a Vault KV path): a `rotateTo` destination. */
  writesValues: z.boolean().default(false),
  /** Accounts this instance acts in (AWS account ids), when it says; a leaked key goes to its account's. */
  accounts: z.array(z.string()).default([]),
});
export type CapabilityView = z.infer<typeof CapabilityView>;
