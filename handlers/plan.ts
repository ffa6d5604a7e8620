/**
 * Plan: what a trigger leads to. Applies the policy per task, routes each task to a configured
 * provider instance (or none: shadow), and applies the blast-radius guard — more than
 * `maxCredentials` credentials, a protected credential, or a policy `approval` makes the whole plan
 * wait in awaiting_approval.
 */
import type { Credential } from '../schemas/credential.js';
import type { PlanDraft, TaskDraft } from '../schemas/plan.js';
import type { Policy } from '../schemas/policy.js';
import type { Trigger } from '../schemas/trigger.js';
import { planId, taskId } from './ids.js';
import { decide } from './policy.js';
import { resolve } from './resolve.js';

export interface PlanContext {
  policy: Policy;
  /** Names of configured provider instances. */
  providers: ReadonlySet<string>;
  /** Provider instance that revokes by value for a provider type (`github` → `github-main`). */
  byValueProvider: Readonly<Record<string, string>>;
  /**
   * A forced replay's id: it gives the plan and its tasks new ids, so that work already done is
   * done again. Without it, replanning a trigger yields the same ids (and no new work).
   */
  epoch?: string;
}

export function planTrigger(trigger: Trigger, inventory: readonly Credential[], ctx: PlanContext): PlanDraft {
  const { atRisk, notes } = resolve(trigger, inventory);
  const scope = ctx.epoch ? `${trigger.id}#${ctx.epoch}` : trigger.id;
  const tasks: TaskDraft[] = atRisk.map((r) => {
    const provider = r.credential
      ? ctx.providers.has(r.credential.provider)
        ? r.credential.provider
        : null
      : (ctx.byValueProvider[r.providerType ?? ''] ?? null);
    const ref = r.credential ? `cred:${r.credential.id}` : `fp:${r.fingerprint ?? ''}`;
    return {
      id: taskId(scope, ref, r.action),
      action: r.action,
      decision: provider === null ? 'shadow' : decide(ctx.policy, trigger.kind, r.credentialKind),
      provider,
      credentialId: r.credential?.id ?? null,
      credentialKind: r.credentialKind,
      ...(r.credential?.providerId !== undefined ? { providerId: r.credential.providerId } : {}),
      ...(r.fingerprint !== undefined ? { fingerprint: r.fingerprint } : {}),
      reason: provider === null ? `${r.reason}; no configured provider: shadow` : r.reason,
      flags: r.flags,
    };
  });

  const holds: string[] = [];
  const max = ctx.policy.blastRadius.maxCredentials;
  if (tasks.length > max) holds.push(`blast_radius: ${tasks.length} credentials > ${max}`);
  for (const r of atRisk) if (r.credential?.protected) holds.push(`protected: ${r.credential.id}`);
  if (tasks.some((t) => t.decision === 'approval')) holds.push('policy: approval required');

  const active = tasks.filter((t) => t.decision !== 'shadow');
  const decision =
    holds.length > 0 ? 'approval' : active.length === 0 && tasks.length > 0 ? 'shadow' : 'auto';
  return {
    id: planId(scope),
    triggerId: trigger.id,
    decision,
    status: holds.length > 0 ? 'awaiting_approval' : active.length === 0 ? 'done' : 'planned',
    holds,
    notes,
    tasks,
  };
}
