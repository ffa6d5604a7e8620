/**
 * Trigger stage: dedup by trigger id, resolve against the inventory, plan, store the plan and its
 * audit records in one transaction, then publish the runnable tasks. Redelivery of a trigger that
 * is already stored republishes its still-planned tasks (the earlier attempt may have crashed
 * between commit and publish); task execution is idempotent, so this never revokes twice.
 */
import { shareableEvidence } from '../../handlers/sources/evidence.js';
import { planTrigger, type PlanContext } from '../../handlers/plan.js';
import type { InventoryView } from '../../schemas/credential.js';
import type { AuditEntry } from '../../schemas/audit.js';
import type { PlanDraft } from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';
import type { CredentialQuery } from '../store/port.js';
import { now, type PipelineDeps } from './deps.js';
import { dispatchTasks } from './dispatch.js';
import { redactEvidence, secretRef } from './intake.js';
import { inSpan } from '../observe/tracing.js';

export interface TriggerResult {
  triggerId: string;
  duplicate: boolean;
  plan: PlanDraft | null;
}

export function candidateQuery(t: Trigger, names: readonly string[] = []): CredentialQuery {
  switch (t.kind) {
    case 'leak': {
      const s = t.subject;
      return {
        fingerprints: s.secret ? [s.secret.fingerprint] : [],
        providerIds: s.providerKeyId ? [s.providerKeyId] : [],
        ids: s.credentialId ? [s.credentialId] : [],
      };
    }
    case 'offboarding': {
      const ids = [t.subject.person, ...t.subject.aliases, ...names];
      return { owners: ids, createdBy: ids, readers: ids };
    }
    case 'decommission':
      return { workloads: [t.subject.workload, ...names] };
  }
}

/**
 * The inventory records a trigger can reach: the person (under every alias) or the workload (under
 * every alias) first, then the credentials under all of those names.
 */
export async function inventoryFor(t: Trigger, store: PipelineDeps['store']): Promise<InventoryView> {
  if (t.kind === 'offboarding') {
    const people = await store.findPeople([t.subject.person, ...t.subject.aliases]);
    const names = people.flatMap((p) => [p.id, ...p.aliases]);
    return { credentials: await store.findCredentials(candidateQuery(t, names)), people, workloads: [] };
  }
  if (t.kind === 'decommission') {
    const workloads = await store.findWorkloads(t.subject.workload);
    const names = workloads.flatMap((w) => [w.name, ...w.aliases]);
    return { credentials: await store.findCredentials(candidateQuery(t, names)), people: [], workloads };
  }
  return { credentials: await store.findCredentials(candidateQuery(t)), people: [], workloads: [] };
}

export function planContext(deps: Pick<PipelineDeps, 'providers' | 'config'>, epoch?: string): PlanContext {
  return {
    policy: deps.config.policy,
    capabilities: deps.providers.capabilities(),
    ...(epoch !== undefined ? { epoch } : {}),
  };
}

/** Plans a trigger against today's inventory and policy without storing anything (dry run). */
export async function dryRunPlan(t: Trigger, deps: Pick<PipelineDeps, 'store' | 'providers' | 'config'>) {
  return planTrigger(t, await inventoryFor(t, deps.store), planContext(deps));
}

/**
 * A leak reported without its secret (GitHub secret-scanning webhook): fetch the secret from the
 * reporter's API so it can be matched and revoked. Failure is recorded, never fatal: the trigger is
 * still stored and planned (a match by provider key id may still work), and the SOC sees why.
 */
async function withResolvedSecret(t: Trigger, deps: PipelineDeps): Promise<Trigger> {
  if (t.kind !== 'leak' || t.subject.secret || !t.subject.reference || !deps.resolveReference) return t;
  if (await deps.store.getTrigger(t.id)) return t; // a redelivery: resolved (or not) the first time
  let outcome: string;
  try {
    const value = await deps.resolveReference(t.subject.reference, AbortSignal.timeout(15_000));
    if (value) {
      const secret = secretRef(value, deps);
      return {
        ...t,
        subject: { ...t.subject, secret },
        // The reporter's evidence may quote what we just fetched: cut it out as intake would.
        evidence: redactEvidence(
          { ...t.evidence, referenceResolution: 'resolved' },
          value,
          secret.fingerprint,
        ),
      };
    }
    outcome = 'not_found';
  } catch (e) {
    outcome = `error:${(e as { code?: string }).code ?? 'INTERNAL'}`;
  }
  deps.logger.warn({ trigger: t.id, outcome }, 'leak reference not resolved');
  return { ...t, evidence: { ...t.evidence, referenceResolution: outcome } };
}

/**
 * A leaked AWS key that may not be in the inventory: which account is it from (STS
 * GetAccessKeyInfo), so the IAM instance of that account handles it. Asked only when some instance
 * says which account it acts in; a failed lookup is recorded, never fatal.
 */
export async function withAwsAccount(t: Trigger, deps: PipelineDeps): Promise<Trigger> {
  const keyId = t.kind === 'leak' ? t.subject.providerKeyId : undefined;
  if (!keyId || !/^AKIA[A-Z2-7]{16}$/.test(keyId) || t.evidence.awsAccountId !== undefined) return t;
  const views = Object.values(deps.providers.capabilities()).filter((v) => v.type === 'aws');
  if (!views.some((v) => v.accounts.length > 0)) return t;
  const asker = views.map((v) => deps.providers.get(v.name)).find((p) => p?.accountOf);
  if (!asker?.accountOf) return t;
  const stored = await deps.store.getTrigger(t.id);
  if (stored) {
    // A redelivery, or a dry run of a payload already taken: the account found the first time.
    const known = stored.evidence.awsAccountId;
    return known === undefined ? t : { ...t, evidence: { ...t.evidence, awsAccountId: known } };
  }
  try {
    const account = await asker.accountOf(keyId, AbortSignal.timeout(15_000));
    return account ? { ...t, evidence: { ...t.evidence, awsAccountId: account } } : t;
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'INTERNAL';
    deps.logger.warn({ trigger: t.id, code }, 'AWS account lookup of a leaked key failed');
    return { ...t, evidence: { ...t.evidence, awsAccountLookup: `error:${code}` } };
  }
}

/** Plans one trigger in a `trigger.plan` span: its tasks, routed from here, join its trace. */
export function handleTrigger(
  input: Trigger,
  deps: PipelineDeps,
  actor = 'pipeline',
): Promise<TriggerResult> {
  const attributes = {
    'tourniquet.trigger.id': input.id,
    'tourniquet.trigger.kind': input.kind,
    'tourniquet.trigger.source': input.source,
  };
  return inSpan('trigger.plan', { attributes }, async (span) => {
    const res = await planTriggerOnce(input, deps, actor);
    span.setAttribute('tourniquet.trigger.duplicate', res.duplicate);
    if (res.plan) {
      span.setAttributes({
        'tourniquet.plan.id': res.plan.id,
        'tourniquet.plan.decision': res.plan.decision,
        'tourniquet.plan.status': res.plan.status,
        'tourniquet.plan.tasks': res.plan.tasks.length,
        'tourniquet.plan.needs_owner': res.plan.needsOwner.length,
      });
    }
    return res;
  });
}

async function planTriggerOnce(input: Trigger, deps: PipelineDeps, actor: string): Promise<TriggerResult> {
  const t = await withAwsAccount(await withResolvedSecret(input, deps), deps);
  const plan = await dryRunPlan(t, deps);
  const secret = t.kind === 'leak' ? t.subject.secret : undefined;
  const sealedByTask = new Map<string, string>();
  for (const task of plan.tasks) {
    if (secret?.sealed && task.fingerprint === secret.fingerprint) sealedByTask.set(task.id, secret.sealed);
  }
  const at = now(deps);
  const ids = { triggerId: t.id, planId: plan.id };
  // The stored trigger keeps the fingerprint but not the sealed value: tasks hold what they need.
  const stored: Trigger =
    t.kind === 'leak' && t.subject.secret
      ? { ...t, subject: { ...t.subject, secret: { ...t.subject.secret, sealed: undefined } } }
      : t;

  const evidence = shareableEvidence(t.evidence);
  const outcome = await deps.store.transaction(async (tx) => {
    if (!(await tx.insertTrigger(stored))) {
      await tx.recordAudit(
        [{ type: 'trigger.duplicate', actor, triggerId: t.id, data: { source: t.source } }],
        at,
      );
      return { duplicate: true, runnable: null };
    }
    const runnable = await tx.insertPlan(plan, sealedByTask, at);
    // Its tasks may all belong to an earlier trigger (a second event for one workload): then this
    // plan has nothing of its own left open, and is done rather than waiting forever.
    if (runnable.length === 0 && plan.tasks.length > 0) await tx.completePlanIfDone(plan.id, at);
    const entries: AuditEntry[] = [
      {
        type: 'trigger.accepted',
        actor,
        triggerId: t.id,
        data: {
          kind: t.kind,
          source: t.source,
          occurredAt: t.occurredAt,
          ...subjectFacts(t),
          ...tokenFacts(t),
          // Where it leaked and who committed it (repo, file, commit, author); never free text.
          ...(Object.keys(evidence).length > 0 ? { evidence } : {}),
        },
      },
      {
        type: 'plan.created',
        actor,
        ...ids,
        data: {
          decision: plan.decision,
          status: plan.status,
          tasks: plan.tasks.length,
          holds: plan.holds,
          notes: plan.notes,
        },
      },
    ];
    if (plan.status === 'awaiting_approval') {
      entries.push({ type: 'plan.awaiting_approval', actor, ...ids, data: { holds: plan.holds } });
    }
    for (const n of plan.needsOwner) {
      entries.push({
        type: 'plan.needs_owner',
        actor,
        ...ids,
        credentialId: n.credentialId,
        data: {
          kind: n.credentialKind,
          provider: n.provider ?? '',
          wanted: n.wanted,
          reason: n.reason,
          detail: n.detail,
          step: n.step,
          ...(n.fingerprint ? { fingerprintPrefix: n.fingerprint.slice(0, 8) } : {}),
        },
      });
    }
    // A leaver's workload credentials are flagged for re-homing whether or not anything can rotate them.
    const leftBehind = [...plan.tasks, ...plan.needsOwner].filter(
      (x) => x.flags.includes('owner_left') && x.credentialId,
    );
    for (const credentialId of new Set(leftBehind.map((x) => x.credentialId!))) {
      await tx.updateCredential(credentialId, { addFlags: ['owner_left'] });
      entries.push({ type: 'credential.flagged', actor, ...ids, credentialId, data: { flag: 'owner_left' } });
    }
    for (const task of plan.tasks) {
      if (task.decision === 'shadow' || task.provider === null) {
        entries.push({
          type: 'task.shadow',
          actor,
          ...ids,
          taskId: task.id,
          credentialId: task.credentialId,
          data: { action: task.action, kind: task.credentialKind, reason: task.reason },
        });
      }
    }
    await tx.recordAudit(entries, at);
    return { duplicate: false, runnable };
  });

  deps.events?.triggerHandled?.({
    kind: t.kind,
    source: t.source,
    outcome: outcome.duplicate ? 'duplicate' : 'planned',
  });
  if (!outcome.duplicate) {
    deps.events?.planCreated?.({ trigger: t, plan });
    if (plan.status === 'awaiting_approval') deps.events?.planAwaitingApproval?.({ trigger: t, plan });
    if (plan.needsOwner.length > 0) {
      // Loud on purpose: these credentials stay alive until a person acts.
      deps.logger.warn(
        {
          trigger: t.id,
          needsOwner: plan.needsOwner.map((n) => ({
            credential: n.credentialId,
            kind: n.credentialKind,
            provider: n.provider,
            reason: n.reason,
          })),
        },
        'credentials at risk that no configured provider can kill: needs owner',
      );
      deps.events?.planNeedsOwner?.({ trigger: t, plan });
    }
  }
  // A duplicate republishes what is still planned: the first delivery may have crashed between
  // its commit and its publish.
  const runnable =
    outcome.runnable ?? (await deps.store.listTasks({ triggerId: t.id, statuses: ['planned'] }));
  await dispatchTasks(deps, runnable);
  deps.logger.info(
    {
      trigger: t.id,
      kind: t.kind,
      duplicate: outcome.duplicate,
      tasks: plan.tasks.length,
      published: runnable.length,
    },
    outcome.duplicate ? 'duplicate trigger' : 'trigger planned',
  );
  return { triggerId: t.id, duplicate: outcome.duplicate, plan: outcome.duplicate ? null : plan };
}

/** Who or what the trigger is about, in the audit: the leaver, the workload, the leaked key's ids. */
function subjectFacts(t: Trigger): Record<string, string | string[]> {
  if (t.kind === 'offboarding')
    return { person: t.subject.person, ...(t.subject.aliases.length ? { aliases: t.subject.aliases } : {}) };
  if (t.kind === 'decommission') return { workload: t.subject.workload };
  return {
    ...(t.subject.providerKeyId ? { providerKeyId: t.subject.providerKeyId } : {}),
    ...(t.subject.credentialId ? { credentialId: t.subject.credentialId } : {}),
  };
}

function tokenFacts(t: Trigger): Record<string, string> {
  if (t.kind !== 'leak' || !t.subject.secret) return {};
  const s = t.subject.secret;
  return { fingerprint: s.fingerprint, ...(s.tokenType ? { tokenType: s.tokenType } : {}) };
}
