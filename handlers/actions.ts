/**
 * Which action fits a credential kind. Tokens and keys are revoked; stored secrets (a vault entry, a
 * Secrets Manager secret) cannot be "revoked", they are rotated so the leaked value stops working.
 */
import type { Action } from '../schemas/plan.js';

const ROTATE_KINDS = ['aws.secret', 'vault.kv_secret'];

export function isStoredSecret(kind: string): boolean {
  return ROTATE_KINDS.includes(kind);
}

/** The action that kills this credential when it is at risk. */
export function killAction(kind: string): Action {
  return isStoredSecret(kind) ? 'rotate' : 'revoke';
}
