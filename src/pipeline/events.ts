/**
 * Pipeline events: what the stages report for metrics and notifications. Observers must never
 * throw into the pipeline and never block it for long: a failed notification never blocks a
 * revocation. No event carries a secret value.
 */
import type { Credential } from '../../schemas/credential.js';
import type { PlanDraft, Task } from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';

export type TriggerOutcome = 'planned' | 'duplicate' | 'rejected';

export interface PipelineEvents {
  triggerHandled?(e: { kind: Trigger['kind'] | 'unknown'; source: string; outcome: TriggerOutcome }): void;
  planCreated?(e: { trigger: Trigger; plan: PlanDraft }): void;
  /** A task reached a final state (succeeded, failed, dead_lettered) or was scheduled for retry. */
  taskFinished?(e: {
    task: Task;
    trigger: Pick<Trigger, 'id' | 'kind' | 'receivedAt'> | null;
    credential: Credential | null;
    /** ms from trigger accepted to the provider's acceptance / to verified dead, when known. */
    revokedAfterMs?: number;
    verifiedAfterMs?: number;
  }): void;
  retryScheduled?(e: { task: Task; code: string; delayMs: number }): void;
  /** The credential is still alive after the provider's propagation window: escalate. */
  verificationFailed?(e: { task: Task; credential: Credential | null }): void;
  planAwaitingApproval?(e: { trigger: Trigger; plan: PlanDraft }): void;
  /** Credentials at risk that no configured provider can kill: a person must act (plan.needsOwner). */
  planNeedsOwner?(e: { trigger: Trigger; plan: PlanDraft }): void;
  /** A credential recorded dead works again (src/pipeline/drift.ts). */
  credentialDrift?(e: { credential: Credential }): void;
}

/** Fans events out to several observers, isolating each from the others and from the pipeline. */
export function combineEvents(
  observers: readonly PipelineEvents[],
  onError: (e: unknown) => void,
): PipelineEvents {
  const call =
    <K extends keyof PipelineEvents>(k: K) =>
    (arg: Parameters<NonNullable<PipelineEvents[K]>>[0]) => {
      for (const o of observers) {
        try {
          (o[k] as ((a: typeof arg) => void) | undefined)?.(arg);
        } catch (e) {
          onError(e);
        }
      }
    };
  return {
    triggerHandled: call('triggerHandled'),
    planCreated: call('planCreated'),
    taskFinished: call('taskFinished'),
    retryScheduled: call('retryScheduled'),
    verificationFailed: call('verificationFailed'),
    planAwaitingApproval: call('planAwaitingApproval'),
    planNeedsOwner: call('planNeedsOwner'),
    credentialDrift: call('credentialDrift'),
  };
}
