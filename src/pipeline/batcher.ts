/**
 * Batches tasks for providers with a batch endpoint (GitHub's /credentials/revoke: up to 1000
 * tokens a call, 60 calls an hour). Claimed tasks wait here in memory under their lease; a batch
 * goes out when full or after `lingerMs`, under the batch endpoint's own rate budget; each task's
 * lease keeper keeps renewing meanwhile, and every write is fenced. If the budget is spent, the
 * tasks are deferred durably. A crash loses nothing: the leases expire and the
 * scheduler recovers the tasks (verifying first, so nothing is revoked twice).
 */
import { coerceError } from '../errors.js';
import type { Provider, ProviderTask } from '../providers/port.js';
import type { PipelineDeps } from './deps.js';
import { afterExecute, failTask, longestHoldMs } from './execute.js';
import { defer } from './finish.js';
import { SlotCalls } from './lane-calls.js';
import type { Attempt } from './lease.js';

interface Item {
  attempt: Attempt;
  input: ProviderTask;
}

interface Queue {
  provider: Provider;
  items: Item[];
  timer: NodeJS.Timeout | undefined;
}

export class Batcher {
  private queues = new Map<string, Queue>();
  private inflight = new Set<Promise<void>>();

  constructor(
    private readonly deps: () => PipelineDeps,
    private readonly lingerMs = 2000,
  ) {}

  submit(provider: Provider, attempt: Attempt, input: ProviderTask): void {
    const batch = provider.batch!;
    let q = this.queues.get(provider.name);
    if (!q) this.queues.set(provider.name, (q = { provider, items: [], timer: undefined }));
    q.items.push({ attempt, input });
    if (q.items.length >= batch.limits.maxBatch) this.flush(provider.name);
    else q.timer ??= setTimeout(() => this.flush(provider.name), this.lingerMs);
  }

  private flush(name: string): void {
    const q = this.queues.get(name);
    if (!q || q.items.length === 0) return;
    clearTimeout(q.timer);
    q.timer = undefined;
    const items = q.items.splice(0, q.provider.batch!.limits.maxBatch);
    if (q.items.length > 0) q.timer = setTimeout(() => this.flush(name), this.lingerMs);
    const p = this.send(q.provider, items).catch(async (e: unknown) => {
      this.deps().logger.error({ provider: name, code: coerceError(e).code }, 'batch failed');
      // The leases expire and the scheduler recovers the tasks (verifying first).
      await Promise.all(items.map((it) => it.attempt.keeper.stop()));
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async send(provider: Provider, items: Item[]): Promise<void> {
    const deps = this.deps();
    const batch = provider.batch!;
    // The batch endpoint has a budget (and lane) of its own; the checks after it use the
    // provider's, charged per call since they hold no slot there.
    const lane = `${provider.name}#batch`;
    const grant = await deps.admission.tryAcquire(
      lane,
      batch.limits.rateBudget,
      'batcher',
      longestHoldMs(deps),
    );
    if (!grant.ok) {
      const until = new Date(deps.clock().getTime() + grant.retryInMs).toISOString();
      for (const it of items)
        await defer(it.attempt, until, deps, 'pipeline', `${provider.name}: batch budget`);
      deps.logger.info(
        { provider: provider.name, tasks: items.length, until, reason: grant.reason },
        'batch deferred',
      );
      return;
    }
    let results;
    try {
      results = await new SlotCalls(deps.admission, lane, batch.limits.rateBudget).call(
        () =>
          batch.execute(
            items.map((i) => i.input),
            AbortSignal.timeout(deps.config.retry.leaseMs),
          ),
        'execute',
      );
    } catch (e) {
      const err = coerceError(e, {
        during: `provider ${provider.name} batch execute`,
        redact: items.map((i) => i.input.secret),
        transient: 'PROVIDER_NETWORK',
      });
      for (const it of items) await failTask(it.attempt, err, deps);
      return;
    } finally {
      await deps.admission.release(lane, grant.slot);
    }
    deps.logger.info({ provider: provider.name, tasks: items.length }, 'batch revoked');
    const checks = () => new SlotCalls(deps.admission, provider.name, provider.capabilities.rateBudget, true);
    await Promise.all(
      items.map((it, i) =>
        afterExecute(it.attempt, it.input, provider, results[i] ?? { outcome: 'revoked' }, checks(), deps),
      ),
    );
  }

  /** Nothing queued and no batch in flight. */
  quiet(): boolean {
    if (this.inflight.size > 0) return false;
    for (const q of this.queues.values()) if (q.items.length > 0) return false;
    return true;
  }

  /** Sends what is queued and waits for every batch in flight. */
  async drain(): Promise<void> {
    for (const name of this.queues.keys()) this.flush(name);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
