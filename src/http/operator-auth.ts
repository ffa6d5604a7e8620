/**
 * Token → operator identity, the one check behind the API's bearer tokens and the console's sign-in:
 * the admin token is compared by its SHA-256 in constant time; an operator token by the hash the store
 * keeps (tokens themselves are never stored).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Operations } from '../ops/port.js';

export const ROLES = ['analyst', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export interface Identity {
  name: string;
  role: Role;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/** `identify(token)` resolves to the identity the token proves, or null for an unknown or empty one. */
export function tokenIdentifier(
  adminToken: string,
  ops: Pick<Operations, 'operatorFor'>,
): (token: string) => Promise<Identity | null> {
  const adminHash = sha(adminToken);
  return async (token) => {
    if (!token) return null;
    const h = sha(token);
    if (timingSafeEqual(h, adminHash)) return { name: 'admin', role: 'admin' };
    return ops.operatorFor(h.toString('hex'));
  };
}

/** Whether `who` holds at least `role` (roles are ordered analyst < responder < admin). */
export const hasRole = (who: Identity, role: Role): boolean => ROLES.indexOf(who.role) >= ROLES.indexOf(role);
