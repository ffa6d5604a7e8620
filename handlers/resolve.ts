/**
 * Resolve: trigger + inventory view → the credentials at risk and what to do to each. Pure: the
 * pipeline fetches candidate credentials from the store and passes them in; this decides.
 *
 * - offboarding: credentials the person owns. Personal ones (no workload) are revoked; workload
 *   credentials the person owned are rotated and flagged `owner_left` so someone re-homes them.
 * - leak: match by fingerprint, provider key id or credential id. An unmatched token whose format
 *   names its provider becomes a revoke-by-value task; an unrecognised one is noted, never dropped.
 * - decommission: credentials bound to the workload.
 */
import type { Credential } from '../schemas/credential.js';
import type { Action } from '../schemas/plan.js';
import type { Trigger, TriggerKind } from '../schemas/trigger.js';
import { killAction } from './actions.js';

export interface AtRisk {
  /** null for revoke-by-value of a token that is not in the inventory. */
  credential: Credential | null;
  credentialKind: string;
  action: Action;
  reason: string;
  flags: string[];
  /** Which provider type handles a by-value revocation (from the token's format). */
  providerType?: string;
  fingerprint?: string;
}

export interface Resolution {
  atRisk: AtRisk[];
  notes: string[];
}

type Resolver<K extends TriggerKind> = (
  t: Extract<Trigger, { kind: K }>,
  inventory: readonly Credential[],
) => Resolution;

const live = (c: Credential) => c.status === 'active' || c.status === 'disabled';

const offboarding: Resolver<'offboarding'> = (t, inventory) => {
  const people = new Set([t.subject.person, ...t.subject.aliases].map((p) => p.toLowerCase()));
  const owned = inventory.filter(
    (c) => live(c) && c.owner !== undefined && people.has(c.owner.toLowerCase()),
  );
  return {
    atRisk: owned.map((c) =>
      c.workload === undefined
        ? {
            credential: c,
            credentialKind: c.kind,
            action: killAction(c.kind),
            reason: `owner ${c.owner} left`,
            flags: [],
          }
        : {
            credential: c,
            credentialKind: c.kind,
            action: 'rotate' as const,
            reason: `lifecycle owner ${c.owner} of workload ${c.workload} left: rotate and re-home`,
            flags: ['owner_left'],
          },
    ),
    notes: owned.length === 0 ? ['no credentials owned by this person in the inventory'] : [],
  };
};

const leak: Resolver<'leak'> = (t, inventory) => {
  const s = t.subject;
  const fp = s.secret?.fingerprint;
  const matched = inventory.filter(
    (c) =>
      live(c) &&
      ((fp !== undefined && c.fingerprint === fp) ||
        (s.providerKeyId !== undefined && c.providerId === s.providerKeyId) ||
        (s.credentialId !== undefined && c.id === s.credentialId)),
  );
  const atRisk: AtRisk[] = matched.map((c) => ({
    credential: c,
    credentialKind: c.kind,
    action: killAction(c.kind),
    reason: `leaked (${t.source})`,
    flags: [],
    ...(fp !== undefined && c.fingerprint === fp ? { fingerprint: fp } : {}),
  }));
  const notes: string[] = [];
  if (matched.length === 0 && s.secret) {
    const { providerType, tokenType } = s.secret;
    if (providerType && tokenType && tokenType !== 'unknown') {
      atRisk.push({
        credential: null,
        credentialKind: tokenType,
        action: 'revoke_by_value',
        reason: `leaked ${tokenType} not in the inventory: revoke by value (${t.source})`,
        flags: [],
        providerType,
        fingerprint: s.secret.fingerprint,
      });
    } else {
      notes.push('leaked token matched no credential and its format names no provider: recorded for review');
    }
  } else if (matched.length === 0) {
    notes.push('leak matched no credential in the inventory');
  }
  return { atRisk, notes };
};

const decommission: Resolver<'decommission'> = (t, inventory) => {
  const bound = inventory.filter((c) => live(c) && c.workload === t.subject.workload);
  return {
    atRisk: bound.map((c) => ({
      credential: c,
      credentialKind: c.kind,
      action: killAction(c.kind) === 'rotate' ? 'delete' : 'revoke',
      reason: `workload ${t.subject.workload} decommissioned`,
      flags: [],
    })),
    notes: bound.length === 0 ? ['no credentials bound to this workload in the inventory'] : [],
  };
};

/** Exhaustive: adding a trigger kind without a resolver fails to compile. */
const RESOLVERS: { [K in TriggerKind]: Resolver<K> } = { offboarding, leak, decommission };

export function resolve(trigger: Trigger, inventory: readonly Credential[]): Resolution {
  const r = RESOLVERS[trigger.kind] as Resolver<TriggerKind>;
  return r(trigger as never, inventory);
}
