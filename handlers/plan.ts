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
  GATES_LATER_PHASE_FLAG,
  OLD_VALUE_FLAG,
  type Action,
  type NeedsOwner,
  type PlanDraft,
  type TaskDraft,
} from '../schemas/plan.js';
import type { Trigger } from '../schemas/trigger.js';
import { followUps, pick, viewOf, type PlanContext, type Step } from './choose.js';
import { planId, taskId } from './ids.js';
import { manualStep } from './manual-steps.js';
import { decide } from './policy.js';
import { resolve, type AtRisk } from './resolve.js';
export type { PlanContext } from './choose.js';

/** A person's accounts, closed per provider type: sessions first, then the account itself. */
const IDENTITY_PLAYBOOK: Readonly<
  Record<string, readonly { kind: string; actions: Action[]; what: string }[]>
> = {
  // Identity providers: one task each ends her sessions and tokens, then closes the account (the
  // adapter orders the calls, so a refused deactivation still leaves no live session).
  okta: [
    {
      kind: 'okta.user',
      actions: ['revoke', 'disable'],
      what: 'end her Okta sessions and OAuth tokens, revoke her grants, deactivate her',
    },
  ],
  entra: [
    {
      kind: 'entra.user',
      actions: ['revoke', 'disable'],
      what: 'revoke her Entra ID sign-in sessions, disable her account',
    },
  ],
  google_workspace: [
    {
      kind: 'google_workspace.user',
      actions: ['revoke', 'disable'],
      what: 'sign her out of Google, delete her OAuth tokens and app passwords, suspend her',
    },
  ],
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

/** Provider types where her sign-in lives: closed before anything else of hers. */
const IDENTITY_PROVIDER_TYPES: ReadonlySet<string> = new Set(['okta', 'entra', 'google_workspace']);

const typeOf = (item: AtRisk, ctx: PlanContext) =>
  (item.provider !== undefined ? viewOf(ctx, item.provider)?.type : undefined) ?? '';

/** Whether a planned task acts on this at-risk item (an identity has no credential record). */
const isTaskOf = (t: TaskDraft, item: AtRisk) =>
  t.credentialKind === item.credentialKind &&
  t.provider === (item.provider ?? null) &&
  (t.providerId ?? null) === (item.providerId ?? item.credential?.providerId ?? null);

/**
 * For a provider type without a playbook above (a declared family): the kinds its instance says a
 * person's identity serves (`acceptsIdentity`), with those actions.
 */
function declaredIdentitySteps(view: CapabilityView): { kind: string; actions: Action[]; what: string }[] {
  return Object.entries(view.kinds)
    .map(([kind, caps]) => ({ kind, actions: caps.filter((c) => c.acceptsIdentity).map((c) => c.action) }))
    .filter((s) => s.actions.length > 0)
    .map((s) => ({ ...s, what: `${s.actions.join(' / ')} her ${s.kind}` }));
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
    const steps = IDENTITY_PLAYBOOK[view.type] ?? declaredIdentitySteps(view);
    if (steps.length === 0) {
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
  let doors: AtRisk[] = [];
  if (shadow) {
    if (res.identities.length > 0)
      notes.push(
        `${res.identities.length} account(s) at providers not acted on: no provider configured (shadow)`,
      );
  } else {
    // Her identity-provider accounts go first: they are the door to every SSO-federated app,
    // and their tasks are released (dispatched) before the rest of her credentials.
    const accounts = identityItems(res.identities, ctx, notes);
    doors = accounts.filter((i) => IDENTITY_PROVIDER_TYPES.has(typeOf(i, ctx)));
    items.unshift(...doors);
    items.push(...accounts.filter((i) => !doors.includes(i)));
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

  // Her sign-in closes first: while an identity-provider task of this plan is open, her other
  // tasks wait (phase 1, bounded by PHASE_WAIT_MAX_MS in the store), so no session she still holds
  // can mint a credential while the rest are revoked.
  const doorIds = new Set(
    tasks.filter((t) => t.decision !== 'shadow' && doors.some((d) => isTaskOf(t, d))).map((t) => t.id),
  );
  if (doorIds.size > 0 && doorIds.size < tasks.length) {
    for (const t of tasks) {
      if (doorIds.has(t.id)) t.flags = [...t.flags, GATES_LATER_PHASE_FLAG];
      else t.phase = 1;
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
