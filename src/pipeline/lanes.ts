/**
 * Lanes: one queue, budget and concurrency per provider instance, so a provider that is slow,
 * rate-limited or down occupies only its own capacity and never delays another's revocations.
 *
 * Why the task topic is acknowledged on routing. A task row is durable in the store before its
 * message is published; the message only says "this task may run now". Holding the message until
 * the task ran (the old design) made one slow call hold its partition and, on the embedded log, one
 * of the shared slots: a 5-s provider held up a 10-ms one. So the handler routes the message into the
 * task's lane and returns at once; Kafka's offset then means "routed", and a partition never waits
 * on a provider. What survives a crash is the store: a routed task that was not claimed yet is still
 * `planned` and the scheduler republishes it (at start, and after `republishAfterMs`); one that was
 * claimed is recovered from its expired lease, verifying first. Order per credential holds within a
 * process: a lane never runs two tasks of one key at once, and takes them in arrival order.
 *
 * Nothing waits in a slot. A lane asks its admission (src/pipeline/admission) for a slot and a
 * token *before* it claims a task. A short refusal (the next token is near) is waited out in memory
 * with nothing claimed; a long one (a spent budget, an open circuit) postpones the lane's queued
 * tasks in the store to the real horizon — the budget's next free slots, one per token, or the
 * breaker's probe time — with no claim and no attempt record, and drops them from memory. When the
 * circuit is half-open one task is the probe; the rest wait in memory for its verdict.
 */
import { randomUUID } from 'node:crypto';
import { coerceError } from '../errors.js';
import type { LaneLimits, RefusalReason, SharedAdmission } from './admission/port.js';
import { now, type PipelineDeps } from './deps.js';
import { executeTask } from './execute.js';
import { SlotCalls, slotLimits, unmetered, withAdmission } from './lane-calls.js';
import { withContextOf } from '../observe/trace-context.js';

export interface Routed {
  taskId: string;
  /** Ordering key (the credential). */
  key: string;
  /** The task's provider instance: its lane. Read from the store when the message predates it. */
  provider?: string | null;
  /** The trace context it was routed with (the task message's headers): its run joins that trace. */
  trace?: Record<string, string>;
}

interface Entry {
  taskId: string;
  key: string;
  trace?: Record<string, string> | undefined;
  /** Not before this time (a verification check due soon), ms since epoch. */
  notBefore: number;
  queuedAt: number;
}

/** How long an admission slot is held before it must be renewed: the task lease's length. */
const slotHoldMs = (deps: Pick<PipelineDeps, 'config'>) => deps.config.retry.leaseMs;

/** A refusal shorter than this is waited out in memory; a longer one is postponed in the store. */
const HOLD_IN_MEMORY_MS = 2_000;
/** The lane of tasks whose provider is not configured: they dead-letter at once. */
const NO_PROVIDER = '(none)';

export class Lanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  /** This process, as the holder of admission slots: its presence id, which the others reap. */
  private readonly ownId = randomUUID();
  get holder(): string {
    return this.deps().presence?.id ?? this.ownId;
  }

  private touchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: () => PipelineDeps,
    private readonly admission: SharedAdmission,
  ) {}

  /**
   * Tells the store, every third of `republishAfterMs`, which tasks wait in this process's queues,
   * so that only the tasks of a worker that died are republished (one statement per tick).
   */
  private keepQueuesAlive(): void {
    if (this.touchTimer || this.stopped) return;
    const every = Math.max(1_000, Math.floor(this.deps().config.retry.republishAfterMs / 3));
    this.touchTimer = setInterval(() => {
      const ids = [...this.lanes.values()].flatMap((l) => l.waitingIds(Date.now() - every));
      if (ids.length === 0) return;
      const deps = this.deps();
      deps.store
        .touchTasks(ids, now(deps))
        .catch((e: unknown) => deps.logger.warn({ code: coerceError(e).code }, 'lane queue renewal failed'));
    }, every);
    this.touchTimer.unref();
  }

  /** Routes one task message into its lane; resolves once routed (never after the task ran). */
  async submit(r: Routed): Promise<void> {
    if (this.stopped) return;
    let provider = r.provider;
    if (provider === undefined) provider = (await this.deps().store.getTask(r.taskId))?.task.provider ?? null;
    const name = provider ?? NO_PROVIDER;
    let lane = this.lanes.get(name);
    if (!lane) this.lanes.set(name, (lane = new Lane(name, this)));
    lane.enqueue({ taskId: r.taskId, key: r.key, trace: r.trace, notBefore: 0, queuedAt: Date.now() });
    this.keepQueuesAlive();
  }

  async submitAll(rs: readonly Routed[]): Promise<void> {
    for (const r of rs) await this.submit(r);
  }

  /** Stops taking work, waits for the attempts in flight, and gives the queued tasks back to the store. */
  async drain(): Promise<void> {
    this.stopped = true;
    clearInterval(this.touchTimer);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    const at = now(this.deps());
    const queued = [...this.lanes.values()].flatMap((l) => l.takeAll());
    // Due at once: whichever worker's scheduler looks next republishes them.
    await this.deps().store.postponeTasks(
      queued.map((e) => ({ id: e.taskId, until: at })),
      at,
    );
  }

  /** No task running, or queued in memory, in any lane. Tasks postponed in the store do not count. */
  quiet(): boolean {
    if (this.inflight.size > 0) return false;
    for (const l of this.lanes.values()) if (l.stats().queued > 0) return false;
    return true;
  }

  /** Per lane: tasks waiting and running (health, metrics). */
  stats(): Record<string, { queued: number; running: number }> {
    return Object.fromEntries([...this.lanes].map(([n, l]) => [n, l.stats()]));
  }

  /** @internal for Lane */
  get ctx() {
    return {
      deps: this.deps,
      admission: this.admission,
      holder: this.holder,
      stopped: () => this.stopped,
      track: (p: Promise<void>) => {
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      },
    };
  }
}

class Lane {
  private queue: Entry[] = [];
  private readonly queued = new Set<string>();
  private readonly runningKeys = new Set<string>();
  private running = 0;
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;

  constructor(
    private readonly name: string,
    private readonly owner: Lanes,
  ) {}

  enqueue(e: Entry): void {
    if (this.queued.has(e.taskId)) return;
    this.queued.add(e.taskId);
    this.queue.push(e);
    this.pump();
  }

  takeAll(): Entry[] {
    // Forget the wake-up as well as cancelling it: a stale `timer` would make wake() believe one
    // is still due, and the lane would never wake again (seen at 10k tasks after a postponement).
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
    const all = this.queue;
    this.queue = [];
    this.queued.clear();
    return all;
  }

  stats() {
    return { queued: this.queue.length, running: this.running };
  }

  /** Tasks queued since before `before` (ms since epoch). */
  waitingIds(before: number): string[] {
    return this.queue.filter((e) => e.queuedAt < before).map((e) => e.taskId);
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      // The flag is cleared in the same synchronous run as the last `again` check: a pump asked for
      // in between would otherwise be lost, and the lane would sleep with work queued.
      try {
        do {
          this.again = false;
          await this.fill();
        } while (this.again);
      } catch (e) {
        const { deps } = this.owner.ctx;
        deps().logger.error({ lane: this.name, code: coerceError(e).code }, 'lane failed; retrying');
        this.wake(HOLD_IN_MEMORY_MS);
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** Starts every queued task the lane's admission lets through now. */
  private async fill(): Promise<void> {
    const { deps, admission, holder, stopped } = this.owner.ctx;
    for (;;) {
      if (stopped()) return;
      const t = Date.now();
      const idx = this.queue.findIndex((e) => e.notBefore <= t && !this.runningKeys.has(e.key));
      if (idx < 0) {
        let soonest = Infinity;
        for (const e of this.queue)
          if (!this.runningKeys.has(e.key)) soonest = Math.min(soonest, e.notBefore);
        // Entries behind a running key wait for it: its end pumps the lane again.
        if (Number.isFinite(soonest)) this.wake(soonest - t);
        return;
      }
      const provider = deps().providers.get(this.name);
      let slot: string | null = null;
      const budget = provider?.capabilities.rateBudget;
      const limits = budget && slotLimits(budget);
      if (provider && limits) {
        const grant = await admission.tryAcquire(this.name, limits, holder, slotHoldMs(deps()));
        if (!grant.ok) {
          await this.refused(grant.reason, grant.retryInMs, limits);
          return;
        }
        slot = grant.slot;
      }
      const [entry] = this.queue.splice(idx, 1);
      if (!entry) return;
      this.queued.delete(entry.taskId);
      this.start(entry, slot, limits);
    }
  }

  private start(entry: Entry, slot: string | null, limits: LaneLimits | undefined): void {
    const { deps, admission, track } = this.owner.ctx;
    this.running++;
    this.runningKeys.add(entry.key);
    const calls = new SlotCalls(admission, this.name, limits ?? { perSecond: 1, burst: 1, concurrency: 1 });
    // The slot is held as the task's lease is: a short hold, renewed while the attempt runs, so the
    // slots of a worker that died come back to the others within one lease.
    const holdMs = slotHoldMs(deps());
    const renewal =
      slot === null
        ? undefined
        : setInterval(
            () => {
              admission.renew(this.name, slot, holdMs).catch(() => undefined);
            },
            Math.max(1, Math.floor(holdMs / 3)),
          );
    renewal?.unref();
    const p = (async () => {
      try {
        // In the context the task was routed with, never the lane's: a pump runs in whichever
        // task's context last woke it.
        const task = await withContextOf(entry.trace, () => executeTask(entry.taskId, deps(), calls));
        // The next check is durable; when it is due soon the lane takes it back itself, sparing
        // the scheduler's round trip (a duplicate from the scheduler is refused by the claim).
        if (task?.status === 'verifying' && task.nextAttemptAt) {
          const due = Date.parse(task.nextAttemptAt);
          if (due - Date.now() <= HOLD_IN_MEMORY_MS)
            this.enqueue({ ...entry, notBefore: due, queuedAt: Date.now() });
        }
      } catch (e) {
        // A store or bus failure: the task's lease expires and the scheduler recovers it.
        deps().logger.error(
          { lane: this.name, task: entry.taskId, code: coerceError(e).code },
          'task attempt failed',
        );
      } finally {
        clearInterval(renewal);
        if (slot !== null) await admission.release(this.name, slot).catch(() => undefined);
        this.running--;
        this.runningKeys.delete(entry.key);
        this.pump();
      }
    })();
    track(p);
  }

  /** Admission said no: wait in memory if it is short, else postpone the queue in the store. */
  private async refused(reason: RefusalReason, retryInMs: number, limits: LaneLimits): Promise<void> {
    if (retryInMs <= HOLD_IN_MEMORY_MS) {
      this.wake(retryInMs);
      return;
    }
    const { deps } = this.owner.ctx;
    const t = deps().clock().getTime();
    // The budget frees one token per 1/perSecond: each task is due at its own slot, so they come
    // back one by one instead of all at once. An open circuit has one probe time for all.
    const spacing = reason === 'circuit_open' ? 0 : 1000 / limits.perSecond;
    const parked = this.takeAll();
    const items = parked.map((e, i) => ({
      id: e.taskId,
      until: new Date(t + retryInMs + Math.ceil(i * spacing)).toISOString(),
    }));
    const n = await deps().store.postponeTasks(items, new Date(t).toISOString());
    deps().logger.info(
      { lane: this.name, reason, tasks: n, until: items[0]?.until },
      'lane postponed its queue',
    );
  }

  private wake(ms: number): void {
    const at = Date.now() + Math.max(ms, 1);
    if (this.timer && at >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Infinity;
      this.pump();
    }, at - Date.now());
    this.timer.unref();
  }
}

/**
 * Runs one task now, outside any lane's queue (operator commands, tests): admitted by the same
 * budget, or not run (null) when the budget says wait.
 */
export async function runTaskNow(taskId: string, deps: PipelineDeps, actor = 'pipeline') {
  const task = (await deps.store.getTask(taskId))?.task;
  const provider = task?.provider ? deps.providers.get(task.provider) : undefined;
  if (!task) return null;
  const limits = provider?.capabilities.rateBudget;
  if (!provider || !limits) return executeTask(taskId, deps, unmetered(task.provider ?? ''), actor);
  const run = await withAdmission(
    deps.admission,
    provider.name,
    limits,
    'direct',
    slotHoldMs(deps),
    (calls) => executeTask(taskId, deps, calls, actor),
  );
  return run ? run.value : null;
}
