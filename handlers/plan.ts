/**
 * Plan: what a trigger leads to. For every item at risk (handlers/resolve.ts) it takes the strongest
 * action that the *configured* provider can run with what is known now (capabilities, see
 * schemas/capability.ts); where none can, the item becomes `needs_owner` with the reason and the
 * manual step, never a task. Then the policy decides per task (auto | approval | shadow), and holds
 * are per task: a protected credential or an `approval` rule holds only its own tasks, the rest of
 * the plan runs. Only the blast-radius guard (too many credentials) holds the whole plan.
 *
 * With no provider configured at all, tourniquet runs in shadow mode: every task is recorded, none
 * is executed.
 */
import type { CapabilityView } from '../schemas/capability.js';
import type { InventoryView } from '../schemas/credential.js';
import {
  OLD_VALUE_FLAG,
  type Action,
  type NeedsOwner,
  type NeedsOwnerReason,
  type PlanDraft,
  type TaskDraft,
} from '../schemas/plan.js';
import type { Policy } from '../schemas/policy.js';
import type { Trigger } from '../schemas/trigger.js';
import { planId, taskId } from './ids.js';
import { manualStep } from './manual-steps.js';
import { decide } from './policy.js';
import { killActions, resolve, type AtRisk } from './resolve.js';

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

/** A person's accounts, closed per provider type: sessions first, then the account itself. */
const IDENTITY_PLAYBOOK: Readonly<
  Record<string, readonly { kind: string; actions: Action[]; what: string }[]>
> = {
  slack: [
    { kind: 'slack.user_session', actions: ['revoke'], what: 'reset her Slack sessions' },
    {
      kind: 'slack.user',
      actions: ['revoke', 'disable'],
      what: 'deactivate her Slack account (every token of hers dies with it)',
    },
  ],
  github: [
    {
      kind: 'github.saml_authorizations',
      actions: ['revoke'],
      what: 'remove the SAML SSO authorizations of her tokens and keys',
    },
    { kind: 'github.org_member', actions: ['revoke'], what: 'remove her from the GitHub organization' },
  ],
  aws: [
    {
      kind: 'aws.iam_user',
      actions: ['revoke'],
      what: 'delete her IAM access keys and login profile, deny her older sessions',
    },
  ],
};

interface Choice {
  provider: string | null;
  action: Action;
}

type Picked =
  { ok: true; choice: Choice; also: Action[] } | { ok: false; reason: NeedsOwnerReason; detail: string };

/** A configured instance by name: own keys only (`constructor` names no provider). */
function viewOf(ctx: PlanContext, name: string): CapabilityView | undefined {
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

function pick(item: AtRisk, ctx: PlanContext, shadow: boolean): Picked {
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

interface Step {
  action: Action;
  /** A follow-up: runs this long after the trigger, and only once the step before it succeeded. */
  delayMinutes?: number;
}

/**
 * What must follow the chosen action at the same provider: a rotated IAM key's old key is
 * deactivated after the grace period and deleted after twice that; a leaked key that is not in the
 * inventory is deactivated at once and deleted after the policy's delay.
 */
function followUps(item: AtRisk, { action, provider }: Choice, ctx: PlanContext): Step[] {
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

function identityItems(
  ids: ReturnType<typeof resolve>['identities'],
  ctx: PlanContext,
  notes: string[],
): AtRisk[] {
  const out: AtRisk[] = [];
  for (const { provider, account, person } of ids) {
    const view = viewOf(ctx, provider);
    if (!view) {
      notes.push(`identity ${account} of ${person} at ${provider}: no such provider is configured`);
      continue;
    }
    const steps = IDENTITY_PLAYBOOK[view.type];
    if (!steps) {
      notes.push(`identity ${account} at ${provider}: no offboarding playbook for ${view.type} accounts`);
      continue;
    }
    for (const s of steps) {
      out.push({
        credential: null,
        credentialKind: s.kind,
        actions: s.actions,
        reason: `${person} left: ${s.what} (${account} at ${provider})`,
        flags: [],
        provider,
        providerId: account,
        hasSecret: false,
        ref: `identity:${provider}:${account}:${s.kind}`,
      });
    }
  }
  return out;
}

function describeItem(item: AtRisk): string {
  if (item.credential) return item.credential.id;
  if (item.providerId !== undefined) return item.providerId;
  return `(fingerprint ${item.fingerprint?.slice(0, 8) ?? '?'}…)`;
}

export function planTrigger(trigger: Trigger, inventory: InventoryView, ctx: PlanContext): PlanDraft {
  const res = resolve(trigger, inventory, { replay: ctx.replay ?? false });
  const shadow = Object.keys(ctx.capabilities).length === 0;
  const notes = [...res.notes];
  const needsOwner: NeedsOwner[] = [...res.needsOwner];
  const items = [...res.atRisk];
  if (shadow) {
    if (res.identities.length > 0)
      notes.push(
        `${res.identities.length} account(s) at providers not acted on: no provider configured (shadow)`,
      );
  } else {
    items.push(...identityItems(res.identities, ctx, notes));
  }
  const base = res.scope ?? trigger.id;
  const scope = ctx.epoch ? `${base}#${ctx.epoch}` : base;
  const blast = items.length > ctx.policy.blastRadius.maxCredentials;

  const tasks: TaskDraft[] = [];
  for (const item of items) {
    const picked = pick(item, ctx, shadow);
    if (!picked.ok) {
      needsOwner.push({
        credentialId: item.credential?.id ?? null,
        credentialKind: item.credentialKind,
        provider: item.provider ?? null,
        ...(item.fingerprint !== undefined ? { fingerprint: item.fingerprint } : {}),
        wanted: item.actions[0] ?? 'revoke',
        reason: picked.reason,
        detail: picked.detail,
        step: manualStep({
          kind: item.credentialKind,
          wanted: item.actions[0] ?? 'revoke',
          reason: picked.reason,
          provider: item.provider ?? null,
          what: describeItem(item),
        }),
        ...(item.credential?.owner !== undefined ? { owner: item.credential.owner } : {}),
        flags: item.flags,
      });
      continue;
    }
    const ref = item.credential ? `cred:${item.credential.id}` : (item.ref ?? `fp:${item.fingerprint ?? ''}`);
    const steps: Step[] = [
      { action: picked.choice.action },
      ...picked.also.map((action) => ({ action })),
      ...followUps(item, picked.choice, ctx),
    ];
    let previous: string | undefined;
    let elapsedMinutes = 0;
    for (const step of steps) {
      elapsedMinutes += step.delayMinutes ?? 0;
      const action = step.action;
      const provider = picked.choice.provider;
      const id = taskId(scope, ref, action);
      const after = step.delayMinutes !== undefined ? previous : undefined;
      // A follow-up waits for the primary action or the follow-up before it, never for an extra.
      if (step === steps[0] || step.delayMinutes !== undefined) previous = id;
      const decision = provider === null ? 'shadow' : decide(ctx.policy, trigger.kind, item.credentialKind);
      const hold = blast
        ? `blast_radius: ${items.length} credentials > ${ctx.policy.blastRadius.maxCredentials}`
        : item.credential?.protected
          ? `protected: ${item.credential.id}`
          : decision === 'approval'
            ? 'policy: approval required'
            : undefined;
      const providerId = item.credential?.providerId ?? item.providerId;
      tasks.push({
        id,
        action,
        decision,
        provider,
        credentialId: item.credential?.id ?? null,
        credentialKind: item.credentialKind,
        ...(providerId !== undefined ? { providerId } : {}),
        ...(item.fingerprint !== undefined ? { fingerprint: item.fingerprint } : {}),
        reason: provider === null ? `${item.reason}; no configured provider: shadow` : item.reason,
        flags:
          step.delayMinutes !== undefined && picked.choice.action === 'rotate'
            ? [...item.flags, OLD_VALUE_FLAG]
            : item.flags,
        ...(hold !== undefined && decision !== 'shadow' ? { hold } : {}),
        ...(action === 'rotate' && item.credential?.rotateTo ? { rotateTo: item.credential.rotateTo } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(step.delayMinutes !== undefined
          ? {
              // The earliest it could run; the real clock starts when its predecessor succeeds.
              notBefore: new Date(Date.parse(trigger.receivedAt) + elapsedMinutes * 60_000).toISOString(),
              waitMs: Math.round(step.delayMinutes * 60_000),
            }
          : {}),
      });
    }
  }

  const holds = [...new Set(tasks.flatMap((t) => (t.hold ? [t.hold] : [])))];
  const active = tasks.filter((t) => t.decision !== 'shadow');
  const decision =
    holds.length > 0 ? 'approval' : active.length === 0 && tasks.length > 0 ? 'shadow' : 'auto';
  return {
    id: planId(ctx.epoch ? `${trigger.id}#${ctx.epoch}` : trigger.id),
    triggerId: trigger.id,
    decision,
    status: holds.length > 0 ? 'awaiting_approval' : active.length === 0 ? 'done' : 'planned',
    holds,
    notes,
    needsOwner,
    tasks,
  };
}

/**
 * `tourniquet inventory check`: every live credential that no configured provider can act on when
 * it must die without its value being at hand (an offboarding, a decommission, a leak reported
 * without the secret), and why. Workload credentials are checked for rotation, the rest for a kill.
 */
export function capabilityGaps(inventory: InventoryView['credentials'], ctx: PlanContext): NeedsOwner[] {
  const gaps: NeedsOwner[] = [];
  for (const c of inventory) {
    if (c.status !== 'active' && c.status !== 'disabled') continue;
    const actions =
      c.workload !== undefined || c.readers.length > 0
        ? (['rotate'] as Action[])
        : killActions(c.kind, false);
    const item: AtRisk = {
      credential: c,
      credentialKind: c.kind,
      actions,
      reason: 'inventory check',
      flags: [],
      provider: c.provider,
      hasSecret: false,
    };
    const picked = pick(item, ctx, false);
    if (picked.ok) continue;
    gaps.push({
      credentialId: c.id,
      credentialKind: c.kind,
      provider: c.provider,
      wanted: actions[0] ?? 'revoke',
      reason: picked.reason,
      detail: picked.detail,
      step: manualStep({
        kind: c.kind,
        wanted: actions[0] ?? 'revoke',
        reason: picked.reason,
        provider: c.provider,
        what: c.id,
      }),
      ...(c.owner !== undefined ? { owner: c.owner } : {}),
      flags: [],
    });
  }
  return gaps;
}
