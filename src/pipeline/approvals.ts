/**
 * Approvals: a held task waits in awaiting_approval until an operator approves it (it runs) or
 * denies it (it is skipped with outcome `denied`). Holds are per task — a protected credential or a
 * policy `approval` rule holds only its own tasks, while the rest of the plan runs — so a decision
 * may name tasks (`--task ID…`); without them it decides every task the plan still holds (the
 * blast-radius guard holds them all). Each decided task is audited with the operator and reason.
 */
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from './deps.js';
import { dispatchTasks } from './dispatch.js';

export interface Decision {
  operator: string;
  reason: string;
  /** Decide only these held tasks (full ids, or unique prefixes of at least 8 characters). */
  taskIds?: readonly string[] | undefined;
}

export async function decidePlan(planId: string, approve: boolean, who: Decision, deps: PipelineDeps) {
  if (!who.operator.trim() || !who.reason.trim()) {
    throw new TourniquetError('INVALID_INPUT', 'an approval or denial names the operator and a reason');
  }
  const at = now(deps);
  const result = await deps.store.transaction(async (tx) => {
    const plan = await tx.getPlan(planId);
    if (!plan) throw new TourniquetError('NOT_FOUND', `no plan ${planId}`);
    if (plan.status !== 'awaiting_approval') {
      throw new TourniquetError('CONFLICT', `plan ${planId} is ${plan.status}, not awaiting approval`);
    }
    const waiting = await tx.listTasks({ planId, statuses: ['awaiting_approval'] });
    const chosen = who.taskIds?.length ? pickTasks(waiting, who.taskIds, planId) : waiting;
    const ids = chosen.map((t) => t.id);
    if (approve) await tx.setTaskStatus(ids, 'awaiting_approval', 'planned', at);
    else await tx.setTaskStatus(ids, 'awaiting_approval', 'skipped', at, 'denied');
    const stillHeld = waiting.length - chosen.length;
    const open = stillHeld > 0 ? [] : await tx.listTasks({ planId, statuses: ['planned', 'running'] });
    const status =
      stillHeld > 0
        ? 'awaiting_approval'
        : approve || open.length > 0
          ? 'approved'
          : ids.length
            ? 'denied'
            : 'done';
    await tx.setPlanStatus(planId, status, at);
    const records = await tx.appendAudit(
      [
        ...chosen.map((t) => ({
          type: approve ? ('task.approved' as const) : ('task.denied' as const),
          actor: who.operator,
          triggerId: plan.triggerId,
          planId,
          taskId: t.id,
          credentialId: t.credentialId,
          data: { operator: who.operator, reason: who.reason, action: t.action, hold: t.hold ?? '' },
        })),
        {
          type: approve ? 'plan.approved' : 'plan.denied',
          actor: who.operator,
          triggerId: plan.triggerId,
          planId,
          data: {
            operator: who.operator,
            reason: who.reason,
            tasks: ids.length,
            stillHeld,
            holds: plan.holds,
          },
        },
      ],
      at,
    );
    return { records, tasks: chosen, status };
  });
  await deps.onAudit?.(result.records);
  if (approve) await dispatchTasks(deps, result.tasks);
  return { planId, status: result.status, tasks: result.tasks.length };
}

function pickTasks<T extends { id: string }>(
  waiting: readonly T[],
  wanted: readonly string[],
  planId: string,
): T[] {
  const out = new Set<T>();
  for (const w of wanted) {
    if (!/^[0-9a-f]{8,32}$/.test(w)) {
      throw new TourniquetError('INVALID_INPUT', 'a task is named by its id or a prefix of 8+ hex digits');
    }
    const hits = waiting.filter((t) => t.id.startsWith(w));
    if (hits.length !== 1) {
      throw new TourniquetError(
        hits.length === 0 ? 'NOT_FOUND' : 'INVALID_INPUT',
        hits.length === 0
          ? `plan ${planId} holds no task ${w} awaiting approval`
          : `task prefix ${w} is ambiguous in plan ${planId}`,
      );
    }
    out.add(hits[0]!);
  }
  return [...out];
}
