/**
 * Choosing an action from capabilities: for one item at risk, the strongest action its configured
 * provider can run with what is known now (the value, a provider id, an identity, a destination),
 * or why none can; and the follow-ups a chosen action brings (a rotated key's old key is
 * deactivated, then deleted). Pure: handlers/plan.ts builds plans from it, handlers/inventory-check.ts
 * reports credentials nothing can act on.
 */
import type { CapabilityView } from '../schemas/capability.js';
import type { Action, NeedsOwnerReason } from '../schemas/plan.js';
import type { Policy } from '../schemas/policy.js';
import type { AtRisk } from './resolve.js';

export interface PlanContext {
  policy: Policy;
  /** Configured provider instances by name. Empty: shadow mode. */
  capabilities: Readonly<Record<string, CapabilityView>>;
  /**
   * A forced replay's id: it gives the plan and its tasks new ids, so that work already done is
   * done again. Without it, replanning a trigger yields the same ids (and no new work).
   */
  epoch?: string;
  /** Planning a stored trigger again (see ResolveOptions.replay). */
  replay?: boolean;
}

export interface Choice {
  provider: string | null;
  action: Action;
}

export type Picked =
  { ok: true; choice: Choice; also: Action[] } | { ok: false; reason: NeedsOwnerReason; detail: string };

/** A configured instance by name: own keys only (`constructor` names no provider). */
export function viewOf(ctx: PlanContext, name: string): CapabilityView | undefined {
  return Object.hasOwn(ctx.capabilities, name) ? ctx.capabilities[name] : undefined;
}

function runnable(view: CapabilityView, item: AtRisk, action: Action, ctx: PlanContext) {
  const cap = view.kinds[item.credentialKind]?.find((c) => c.action === action);
  if (!cap) return 'unsupported' as const;
  if (cap.needs.includes('secret') && !item.hasSecret) return 'needs_secret' as const;
  const id = item.credential?.providerId ?? item.providerId;
  if (cap.needs.includes('providerId') && id === undefined) return 'needs_provider_id' as const;
  if (cap.needs.includes('destination')) {
    const to = item.credential?.rotateTo;
    if (!to || !viewOf(ctx, to.provider)?.writesValues) return 'needs_destination' as const;
  }
  if (item.credential === null && item.providerId !== undefined && item.ref?.startsWith('identity:')) {
    if (!cap.acceptsIdentity) return 'unsupported' as const;
  }
  return 'ok' as const;
}

function pickOn(view: CapabilityView, item: AtRisk, ctx: PlanContext): Picked {
  const misses = new Set<string>();
  for (const candidate of item.actions) {
    // An inventoried credential whose own `revoke` is itself a call with the value (RFC 7009, Slack
    // auth.revoke) is revoked with that: the same call, under the credential's own action.
    const ownRevoke =
      candidate === 'revoke_by_value' &&
      item.credential !== null &&
      view.kinds[item.credentialKind]?.some((c) => c.action === 'revoke' && c.needs.includes('secret'));
    const action: Action = ownRevoke ? 'revoke' : candidate;
    const r = runnable(view, item, action, ctx);
    if (r === 'ok') {
      // Only id-based extras: a second by-value call would revoke the same value twice.
      const also = (item.also ?? []).filter(
        (a) =>
          a !== action &&
          runnable(view, item, a, ctx) === 'ok' &&
          !view.kinds[item.credentialKind]?.find((c) => c.action === a)?.needs.includes('secret'),
      );
      return { ok: true, choice: { provider: view.name, action }, also };
    }
    misses.add(r);
  }
  // What would have worked with more knowledge: a by-value revoke that lacked the value.
  if (!item.hasSecret && view.kinds[item.credentialKind]?.some((c) => c.action === 'revoke_by_value')) {
    misses.add('needs_secret');
  }
  if (misses.has('needs_secret')) {
    return {
      ok: false,
      reason: 'needs_secret',
      detail: `${view.name} can only revoke a ${item.credentialKind} by its value, which this trigger does not carry`,
    };
  }
  if (misses.has('needs_destination')) {
    return {
      ok: false,
      reason: 'needs_destination',
      detail: `rotating a ${item.credentialKind} needs rotateTo: a configured secret store the new value is written to`,
    };
  }
  if (misses.has('needs_provider_id')) {
    return {
      ok: false,
      reason: 'needs_provider_id',
      detail: `${view.name} needs the ${item.credentialKind}'s providerId, which the inventory does not record`,
    };
  }
  return {
    ok: false,
    reason: 'action_unsupported',
    detail: `${view.name} (${view.type}) cannot ${item.actions.join(' or ')} a ${item.credentialKind}`,
  };
}

export function pick(item: AtRisk, ctx: PlanContext, shadow: boolean): Picked {
  if (shadow) {
    const action = item.actions.find((a) => a !== 'revoke_by_value' || item.hasSecret) ?? item.actions[0]!;
    return { ok: true, choice: { provider: null, action }, also: [] };
  }
  if (item.provider !== undefined) {
    const view = viewOf(ctx, item.provider);
    if (!view) {
      return {
        ok: false,
        reason: 'provider_not_configured',
        detail: `provider ${item.provider} is not configured`,
      };
    }
    return pickOn(view, item, ctx);
  }
  // A token not in the inventory: an instance of the type its format names (of its account, when known
  // and the instances say which accounts they act in).
  const ofType = Object.values(ctx.capabilities).filter((v) => v.type === item.providerType);
  const scoped = ofType.some((v) => v.accounts.length > 0) && item.providerId?.startsWith('AKIA') === true;
  if (scoped && item.account === undefined) {
    // Instances act in named accounts and the key's is unknown: another account's IAM would answer
    // "no such key", which must never read as "already dead".
    return {
      ok: false,
      reason: 'provider_not_configured',
      detail: `the AWS account of ${item.providerId} could not be looked up`,
    };
  }
  const candidates = scoped ? ofType.filter((v) => v.accounts.includes(item.account!)) : ofType;
  if (candidates.length === 0) {
    return {
      ok: false,
      reason: 'provider_not_configured',
      detail: scoped
        ? `no ${item.providerType} provider is configured for account ${item.account}`
        : `no ${item.providerType ?? 'matching'} provider is configured`,
    };
  }
  let first: Picked | undefined;
  for (const view of candidates) {
    const p = pickOn(view, item, ctx);
    if (p.ok) return p;
    first ??= p;
  }
  return first!;
}

export interface Step {
  action: Action;
  /** A follow-up: runs this long after the trigger, and only once the step before it succeeded. */
  delayMinutes?: number;
}

/**
 * What must follow the chosen action at the same provider: a rotated IAM key's old key is
 * deactivated after the grace period and deleted after twice that; a leaked key that is not in the
 * inventory is deactivated at once and deleted after the policy's delay.
 */
export function followUps(item: AtRisk, { action, provider }: Choice, ctx: PlanContext): Step[] {
  if (item.credentialKind !== 'aws.access_key') return [];
  const { graceMinutes, leakedKeyDeleteMinutes } = ctx.policy.grace;
  const planned: Step[] =
    action === 'rotate'
      ? [
          // Deactivated a grace period after the rotation, deleted a grace period after that.
          { action: 'disable', delayMinutes: graceMinutes },
          { action: 'delete', delayMinutes: graceMinutes },
        ]
      : action === 'disable' && item.credential === null
        ? [{ action: 'delete', delayMinutes: leakedKeyDeleteMinutes }]
        : [];
  if (provider === null) return planned; // shadow: recorded, never run
  const view = viewOf(ctx, provider);
  return planned.filter((s) => view !== undefined && runnable(view, item, s.action, ctx) === 'ok');
}
