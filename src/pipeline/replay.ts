/**
 * Replay: re-run past triggers — from the store by id or time range, or from the transport's input
 * topics by time range — in dry run (today's plan next to what was done then, as a diff) or live.
 * Live replay is idempotent: a task that already exists keeps its state, so completed work is not
 * executed again; `force` plans under a new epoch, so new task ids, so the work is done again.
 * Every replay is audited with the operator and the reason.
 */
import { randomUUID } from 'node:crypto';
import { planTrigger } from '../../handlers/plan.js';
import { FORCED_FLAG, type Task, type TaskDraft } from '../../schemas/plan.js';
import type { InventoryView } from '../../schemas/credential.js';
import { Trigger } from '../../schemas/trigger.js';
import { INPUT_TOPICS } from '../bus/port.js';
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from './deps.js';
import { FORMAT_HEADER } from './input-topic.js';
import { handleTrigger, inventoryFor, planContext } from './triggers.js';
import { dispatchTasks } from './dispatch.js';

export interface ReplayRequest {
  triggerIds?: readonly string[];
  /** ISO time range of acceptance (received) time. */
  from?: string;
  to?: string;
  /** `store` (default) replays stored triggers; `log` reads the transport's input topics. */
  origin?: 'store' | 'log';
  dryRun: boolean;
  force: boolean;
  operator: string;
  reason: string;
}

export interface DiffLine {
  change: '+' | '=' | '-';
  action: string;
  credential: string;
  provider: string | null;
  /** What happened then, for tasks that already existed. */
  then?: string;
}

export interface ReplayReport {
  replayId: string;
  dryRun: boolean;
  force: boolean;
  triggers: { triggerId: string; kind: string; diff: DiffLine[]; newTasks: number }[];
}

/**
 * The inventory as a replay sees it: today's records, whatever their status, because a replay asks
 * "what does this trigger put at risk" — a credential revoked by that very trigger still counts.
 */
async function replayInventory(t: Trigger, deps: PipelineDeps): Promise<InventoryView> {
  const view = await inventoryFor(t, deps.store);
  return { ...view, credentials: view.credentials.map((c) => ({ ...c, status: 'active' as const })) };
}

async function collect(req: ReplayRequest, deps: PipelineDeps): Promise<Trigger[]> {
  if (req.triggerIds?.length) {
    const found = await Promise.all(req.triggerIds.map((id) => deps.store.getTrigger(id)));
    const missing = req.triggerIds.filter((_, i) => !found[i]);
    if (missing.length) throw new TourniquetError('NOT_FOUND', `no trigger ${missing.join(', ')}`);
    return found as Trigger[];
  }
  if (!req.from)
    throw new TourniquetError('INVALID_INPUT', 'a replay names trigger ids or a time range (--from)');
  const from = Date.parse(req.from);
  const to = req.to ? Date.parse(req.to) : Date.now();
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new TourniquetError('INVALID_INPUT', '--from/--to must be ISO timestamps');
  if ((req.origin ?? 'store') === 'store') {
    return deps.store.listTriggers({
      since: new Date(from).toISOString(),
      until: new Date(to).toISOString(),
      limit: 100_000,
    });
  }
  if (!deps.bus.read) throw new TourniquetError('INVALID_INPUT', 'this transport cannot replay from its log');
  const out: Trigger[] = [];
  for (const topic of INPUT_TOPICS) {
    for (const m of await deps.bus.read(topic, from, to)) {
      // Our own intake's messages carry the normalised trigger, sealed secret included.
      if (m.headers[FORMAT_HEADER] !== 'trigger') continue;
      const parsed = Trigger.safeParse(JSON.parse(m.value));
      if (parsed.success) out.push(parsed.data);
    }
  }
  return out;
}

function describe(t: Pick<Task, 'credentialId' | 'credentialKind'>): string {
  return t.credentialId ?? `(by value) ${t.credentialKind}`;
}

export async function replay(req: ReplayRequest, deps: PipelineDeps): Promise<ReplayReport> {
  if (!req.operator.trim() || !req.reason.trim())
    throw new TourniquetError('INVALID_INPUT', 'a replay names the operator and a reason');
  const replayId = randomUUID();
  const triggers = await collect(req, deps);
  const ctx = { ...planContext(deps), replay: true };
  const report: ReplayReport = { replayId, dryRun: req.dryRun, force: req.force, triggers: [] };
  const audit = async (
    type: 'replay.started' | 'replay.completed',
    data: Record<string, string | number | boolean>,
  ) => {
    const recs = await deps.store.transaction((tx) =>
      tx.appendAudit(
        [
          {
            type,
            actor: req.operator,
            data: { replayId, operator: req.operator, reason: req.reason, ...data },
          },
        ],
        now(deps),
      ),
    );
    await deps.onAudit?.(recs);
  };
  await audit('replay.started', {
    dryRun: req.dryRun,
    force: req.force,
    triggers: triggers.length,
    origin: req.origin ?? 'store',
  });

  for (const t of triggers) {
    const today = planTrigger(t, await replayInventory(t, deps), ctx);
    const then = await deps.store.listTasks({ triggerId: t.id });
    const thenById = new Map(then.map((x) => [x.id, x]));
    const todayIds = new Set(today.tasks.map((x) => x.id));
    const diff: DiffLine[] = [
      ...today.tasks.map((x): DiffLine => {
        const old = thenById.get(x.id);
        const revived = old !== undefined && onlyRecorded(old) && runnableNow(x);
        return {
          change: old && !revived ? '=' : '+',
          action: x.action,
          credential: describe(x),
          provider: x.provider,
          ...(old ? { then: thenOf(old) } : {}),
        };
      }),
      ...then
        .filter((x) => !todayIds.has(x.id))
        .map((x): DiffLine => ({
          change: '-',
          action: x.action,
          credential: describe(x),
          provider: x.provider,
          then: thenOf(x),
        })),
    ];
    let newTasks = diff.filter((d) => d.change === '+').length;
    if (!req.dryRun) newTasks = await replayLive(t, req, replayId, deps);
    report.triggers.push({ triggerId: t.id, kind: t.kind, diff, newTasks });
  }
  await audit('replay.completed', {
    triggers: triggers.length,
    newTasks: report.triggers.reduce((n, x) => n + x.newTasks, 0),
  });
  return report;
}

async function replayLive(
  t: Trigger,
  req: ReplayRequest,
  replayId: string,
  deps: PipelineDeps,
): Promise<number> {
  if (!(await deps.store.getTrigger(t.id))) {
    // Seen on the transport but never stored (lost before processing): process it normally.
    const res = await handleTrigger(t, deps, req.operator);
    return res.plan?.tasks.length ?? 0;
  }
  const plan = planTrigger(t, await replayInventory(t, deps), {
    ...planContext(deps, req.force ? replayId : undefined),
    replay: true,
  });
  if (req.force) for (const task of plan.tasks) task.flags = [...task.flags, FORCED_FLAG];
  const then = await deps.store.listTasks({ triggerId: t.id });
  const existing = new Set(then.map((x) => x.id));
  const plans = [plan];
  if (!req.force) {
    // A task that was only recorded (no provider could run it then) and can run now is done now,
    // under an epoch of its own: its first row stays as the record of what happened then.
    const recorded = new Set(then.filter(onlyRecorded).map((x) => x.id));
    const keys = new Set(plan.tasks.filter((x) => recorded.has(x.id) && runnableNow(x)).map(taskKey));
    if (keys.size > 0) {
      // One epoch per trigger, not per replay: a second replay plans the same ids, which exist, so
      // what was revived once is never revived (and revoked) again.
      const now_ = planTrigger(t, await replayInventory(t, deps), {
        ...planContext(deps, `${t.id}#revived`),
        replay: true,
      });
      plans.push({ ...now_, tasks: now_.tasks.filter((x) => keys.has(taskKey(x))), needsOwner: [] });
    }
  }
  const secret = t.kind === 'leak' ? t.subject.secret : undefined;
  // A stored trigger keeps no sealed value (its tasks do): take it from one of them.
  const value = secret?.sealed ?? (secret ? await sealedFromTasks(then, secret.fingerprint, deps) : null);
  let added = 0;
  for (const p of plans) {
    const sealed = new Map<string, string>();
    for (const task of p.tasks)
      if (value && task.fingerprint === secret?.fingerprint) sealed.set(task.id, value);
    // A recorded (shadow) row kept its sealed value so that a replay could revoke by value; once a
    // new task of this replay holds its own copy, the row's has served. Dropped in the same
    // transaction, so a crash cannot leave it on a row no replay will use again.
    const copies = new Set(
      p.tasks.filter((x) => !existing.has(x.id) && sealed.has(x.id)).map((x) => x.fingerprint),
    );
    const superseded = then.filter((x) => onlyRecorded(x) && copies.has(x.fingerprint)).map((x) => x.id);
    await deps.store.transaction(async (tx) => {
      await tx.insertPlan(p, sealed, now(deps));
      if (superseded.length > 0)
        await tx.setTaskStatus(superseded, 'skipped', 'skipped', now(deps), 'shadow');
    });
    const runnable = (await deps.store.listTasks({ planId: p.id, statuses: ['planned'] })).filter(
      (x) => !existing.has(x.id),
    );
    await dispatchTasks(deps, runnable);
    added += p.tasks.filter((x) => !existing.has(x.id)).length;
  }
  return added;
}

/** The sealed leaked value one of the trigger's tasks still holds (a shadow task, a dead letter). */
async function sealedFromTasks(
  tasks: readonly Task[],
  fingerprint: string,
  deps: PipelineDeps,
): Promise<string | null> {
  for (const x of tasks) {
    if (x.fingerprint !== fingerprint) continue;
    const held = (await deps.store.getTask(x.id))?.sealedSecret;
    if (held) return held;
  }
  return null;
}

/** A task skipped because no configured provider could run it: recorded, nothing called. */
function onlyRecorded(t: Pick<Task, 'status' | 'outcome'>): boolean {
  return t.status === 'skipped' && t.outcome === 'shadow';
}

function runnableNow(t: Pick<TaskDraft, 'decision' | 'provider'>): boolean {
  return t.decision !== 'shadow' && t.provider !== null;
}

/** One credential's one action, whatever epoch planned it. */
function taskKey(t: Pick<TaskDraft, 'credentialId' | 'fingerprint' | 'providerId' | 'action'>): string {
  return [t.credentialId ?? '', t.fingerprint ?? '', t.providerId ?? '', t.action].join('\u0000');
}

/**
 * What became of a task, as the replay diff shows it: a task that ended without killing its
 * credential says so first, so "exists" never reads as "done" (a dead letter is still alive).
 */
export function thenOf(t: Pick<Task, 'status' | 'outcome'>): string {
  if (onlyRecorded(t)) return 'recorded only (shadow): nothing was called, still alive';
  if (t.status === 'dead_lettered' || t.status === 'failed')
    return `still alive (${t.status === 'failed' ? 'failed' : 'dead-lettered'})`;
  return `${t.status}${t.outcome ? ` (${t.outcome})` : ''}`;
}
