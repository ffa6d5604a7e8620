/**
 * Verify stage: after a provider accepted a revocation, check that the credential is really dead,
 * re-checking within the provider's propagation window. `effectiveAt` is when a check first saw it
 * dead. A provider that cannot verify yields `unknown`, recorded as such.
 *
 * A check refused for now (429, 5xx, timeout) is no answer: it is asked again after the delay the
 * provider gave, for up to ANSWER_BUDGET_MS past the propagation window, so a burst that meets the
 * rate limit still ends with proof rather than `unknown`.
 */
import type { AuditEntry } from '../../schemas/audit.js';
import type { Liveness, Provider, ProviderTask } from '../providers/port.js';
import { now, type PipelineDeps } from './deps.js';

type Entry = Pick<AuditEntry, 'type' | 'data'>;

const ANSWER_BUDGET_MS = 60_000;

export async function verifyDead(
  provider: Provider,
  task: ProviderTask,
  deps: Pick<PipelineDeps, 'clock'>,
  call: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<{ liveness: Liveness; at: string; entries: Entry[] }> {
  if (!provider.capabilities.canVerify) {
    return {
      liveness: 'unknown',
      at: now(deps),
      entries: [
        { type: 'task.verify_failed', data: { liveness: 'unknown', reason: 'provider cannot verify' } },
      ],
    };
  }
  const deadline = deps.clock().getTime() + provider.capabilities.propagationMs;
  let checks = 0;
  let last: Liveness;
  let lastCode: string;
  for (;;) {
    checks++;
    let noAnswer = false;
    let retryAfterMs: number | undefined;
    try {
      last = (await call(() => provider.verify(task, AbortSignal.timeout(30_000)))).liveness;
      lastCode = '';
    } catch (e) {
      const err = e as { code?: string; retriable?: boolean; retryAfterMs?: number };
      last = 'unknown';
      lastCode = err.code ?? 'INTERNAL';
      noAnswer = err.retriable === true;
      retryAfterMs = err.retryAfterMs;
    }
    if (last === 'dead') {
      const at = now(deps);
      return {
        liveness: 'dead',
        at,
        entries: [{ type: 'task.verified', data: { liveness: 'dead', checks, effectiveAt: at } }],
      };
    }
    const remaining = (noAnswer ? deadline + ANSWER_BUDGET_MS : deadline) - deps.clock().getTime();
    if (remaining <= 0) break;
    // Propagation is usually quick: check again soon, then back off up to 2 s; a provider that
    // said when to come back is asked then.
    const backoff = 100 * 2 ** Math.min(checks, 4);
    await new Promise((r) => setTimeout(r, Math.min(remaining, retryAfterMs ?? backoff)));
  }
  return {
    liveness: last,
    at: now(deps),
    entries: [
      {
        type: 'task.verify_failed',
        data: { liveness: last, checks, ...(lastCode ? { code: lastCode } : {}) },
      },
    ],
  };
}
