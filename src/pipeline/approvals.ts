/**
 * Approvals: a plan held by the blast-radius guard, a protected credential or the policy waits in
 * awaiting_approval until an operator approves it (its tasks run) or denies it (its tasks are
 * skipped with outcome `denied`). Both decisions are audited with the operator and the reason.
 */
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from './deps.js';
import { taskMessage } from './triggers.js';

export interface Decision {
  operator: string;
  reason: string;
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
    const ids = waiting.map((t) => t.id);
    if (approve) await tx.setTaskStatus(ids, 'awaiting_approval', 'planned', at);
    else await tx.setTaskStatus(ids, 'awaiting_approval', 'skipped', at, 'denied');
    await tx.setPlanStatus(planId, approve ? 'approved' : ids.length === 0 ? 'done' : 'denied', at);
    const records = await tx.appendAudit(
      [
        {
          type: approve ? 'plan.approved' : 'plan.denied',
          actor: who.operator,
          triggerId: plan.triggerId,
          planId,
          data: { operator: who.operator, reason: who.reason, tasks: ids.length, holds: plan.holds },
        },
      ],
      at,
    );
    return { plan, records, tasks: waiting };
  });
  await deps.onAudit?.(result.records);
  if (approve) await deps.bus.publish('tasks', result.tasks.map(taskMessage));
  return { planId, status: approve ? 'approved' : 'denied', tasks: result.tasks.length };
}
