/**
 * Notifications: the SOC channel and credentials' owners learn what was revoked, why, the outcome,
 * and what they must do. An observer of the pipeline events (src/pipeline/events.ts): every handler
 * only records into memory and returns, so a slow or failing Slack never delays or fails a
 * revocation. Delivery is src/observe/slack-delivery.ts.
 *
 * Batching: finished tasks are gathered per trigger and summarised in one SOC message when the
 * trigger's plan has finished, when its tasks have been quiet for `batchQuietMs`, and at least every
 * `batchMaxWaitMs` while it runs — a 10,000-credential fan-out makes a handful of messages. Owners
 * get one direct message per trigger and flush. Approval requests go out at once.
 *
 * Who is messaged directly: the lifecycle owner of each credential (an email in the inventory),
 * found with users.lookupByEmail — never the departing person of an offboarding trigger, and never
 * an owner the inventory marks as gone (`owner_left`).
 */
import type { Credential } from '../../schemas/credential.js';
import type { SlackNotificationsConfig } from '../../schemas/notifications.js';
import type { NeedsOwner, PlanDraft, Task } from '../../schemas/plan.js';
import type { Trigger, TriggerKind } from '../../schemas/trigger.js';
import { resolveSecret, type Env } from '../config.js';
import type { Logger } from '../logger.js';
import type { PipelineEvents } from '../pipeline/events.js';
import {
  approvalRequest,
  LIST_LIMIT,
  needsOwnerMessage,
  outcomeKey,
  ownerMessage,
  socSummary,
  type TaskNote,
  type TriggerContext,
  driftMessage,
} from './messages.js';
import type { NotificationChannel, NotificationResult } from './metrics.js';
import { SlackDelivery } from './slack-delivery.js';

export interface NotifierDeps {
  logger: Logger;
  /** Counts each message's fate (the metrics' `notification`). */
  record?: (channel: NotificationChannel, result: NotificationResult) => void;
  /** Reads a trigger this process did not plan (its tasks ran here, e.g. on another Kafka consumer). */
  lookupTrigger?: (id: string) => Promise<Trigger | null>;
  env?: Env;
}

export interface Notifier {
  events: PipelineEvents;
  /** Summarises every open batch now and waits until the queue is empty (tests, shutdown). */
  flush(): Promise<void>;
  /** Flushes, gives delivery up to `closeTimeoutMs`, then stops. */
  close(): Promise<void>;
}

/** Tasks kept in detail per trigger batch; the rest are counted. */
const DETAIL_LIMIT = 200;
/** Owners messaged per batch; their credentials listed per message. */
const OWNER_LIMIT = 500;
/** Open batches; past this the oldest is summarised at once. */
const OPEN_BATCH_LIMIT = 1_000;
/** Trigger facts remembered from planCreated (kind, source, the departing person). */
const CONTEXT_LIMIT = 2_000;

interface Context extends TriggerContext {
  /** Offboarding: the departing person's identifiers, lower-cased. */
  people: ReadonlySet<string> | null;
  /** Tasks the plan will execute, when it was planned (not held) in this process. */
  expected: number | null;
}

interface Batch {
  triggerId: string;
  kind: TriggerKind | 'unknown';
  notes: Map<string, TaskNote>;
  total: Record<string, number>;
  owners: Map<string, { notes: TaskNote[]; more: number }>;
  seen: number;
  quiet: NodeJS.Timeout | undefined;
  maxWait: NodeJS.Timeout;
}

const FINAL = new Set(['succeeded', 'dead_lettered', 'failed']);

export function createSlackNotifier(cfg: SlackNotificationsConfig, deps: NotifierDeps): Notifier {
  const log = deps.logger.child({ component: 'notifications' });
  const delivery = new SlackDelivery(
    {
      token: resolveSecret(cfg.token, deps.env),
      slackApiUrl: cfg.slackApiUrl,
      queueLimit: cfg.queueLimit,
      maxAttempts: cfg.maxAttempts,
      maxRetryAfterMs: cfg.maxRetryAfterMs,
      timeoutMs: cfg.timeoutMs,
    },
    { logger: log, ...(deps.record ? { record: deps.record } : {}) },
  );
  const contexts = new Map<string, Context>();
  const batches = new Map<string, Batch>();
  const flushing = new Set<Promise<void>>();
  let closed = false;

  const remember = (c: Context) => {
    contexts.delete(c.id);
    if (contexts.size >= CONTEXT_LIMIT) contexts.delete(contexts.keys().next().value as string);
    contexts.set(c.id, c);
  };

  const soc = (text: string) =>
    delivery.enqueue({ channelType: 'soc', to: { channel: cfg.socChannel }, text });

  function add(
    task: Task,
    credential: Credential | null,
    kind: TriggerKind | 'unknown',
    escalated: boolean,
  ): void {
    let b = batches.get(task.triggerId);
    if (!b) {
      if (batches.size >= OPEN_BATCH_LIMIT) {
        const oldest = batches.keys().next().value as string;
        startFlush(oldest);
      }
      b = {
        triggerId: task.triggerId,
        kind,
        notes: new Map(),
        total: {},
        owners: new Map(),
        seen: 0,
        quiet: undefined,
        maxWait: timer(() => startFlush(task.triggerId), cfg.batchMaxWaitMs),
      };
      batches.set(task.triggerId, b);
    }
    const previous = b.notes.get(task.id);
    const note = noteOf(task, credential, escalated || (previous?.escalated ?? false));
    if (previous) {
      // The same task again (a verification escalation after its finish): update, do not count twice.
      b.total[outcomeKey(previous)] = (b.total[outcomeKey(previous)] ?? 1) - 1;
      b.notes.set(task.id, note);
      for (const o of b.owners.values()) o.notes = o.notes.map((n) => (n.taskId === task.id ? note : n));
    } else {
      b.seen++;
      if (b.notes.size < DETAIL_LIMIT) b.notes.set(task.id, note);
      addOwner(b, credential, note);
    }
    b.total[outcomeKey(note)] = (b.total[outcomeKey(note)] ?? 0) + 1;

    const expected = contexts.get(task.triggerId)?.expected ?? null;
    if (expected !== null && b.seen >= expected) return startFlush(task.triggerId);
    clearTimeout(b.quiet);
    b.quiet = timer(() => startFlush(task.triggerId), cfg.batchQuietMs);
  }

  function addOwner(b: Batch, credential: Credential | null, note: TaskNote): void {
    const owner = credential?.owner?.trim().toLowerCase();
    if (!cfg.notifyOwners || !owner || !owner.includes('@') || note.ownerLeft) return;
    const entry = b.owners.get(owner);
    if (entry) {
      if (entry.notes.length < LIST_LIMIT) entry.notes.push(note);
      else entry.more++;
    } else if (b.owners.size < OWNER_LIMIT) {
      b.owners.set(owner, { notes: [note], more: 0 });
    }
  }

  function startFlush(triggerId: string): void {
    const b = batches.get(triggerId);
    if (!b) return;
    batches.delete(triggerId);
    clearTimeout(b.quiet);
    clearTimeout(b.maxWait);
    const p = send(b)
      .catch((e: unknown) =>
        log.error({ code: e instanceof Error ? e.name : 'unknown' }, 'notification batch failed'),
      )
      .finally(() => flushing.delete(p));
    flushing.add(p);
  }

  async function send(b: Batch): Promise<void> {
    const ctx = await context(b.triggerId, b.kind);
    soc(socSummary(ctx, [...b.notes.values()], b.total));
    if (ctx.kind === 'offboarding' && ctx.people === null) {
      // Without the trigger's subject we cannot tell the departing person from a colleague: tell no one.
      return;
    }
    for (const [email, o] of b.owners) {
      if (ctx.people?.has(email)) continue;
      delivery.enqueue({ channelType: 'owner', to: { email }, text: ownerMessage(ctx, o.notes, o.more) });
    }
  }

  async function context(triggerId: string, kind: TriggerKind | 'unknown'): Promise<Context> {
    const known = contexts.get(triggerId);
    if (known) return known;
    let trigger: Trigger | null = null;
    try {
      trigger = (await deps.lookupTrigger?.(triggerId)) ?? null;
    } catch (e) {
      log.warn({ code: e instanceof Error ? e.name : 'unknown' }, 'trigger lookup for a notification failed');
    }
    if (trigger) return contextOf(trigger, null);
    return { id: triggerId, kind, source: null, people: null, expected: null };
  }

  const events: PipelineEvents = {
    planCreated({ trigger, plan }) {
      if (closed) return;
      remember(contextOf(trigger, plan.status === 'planned' ? runnable(plan) : null));
    },
    planAwaitingApproval({ trigger, plan }) {
      if (closed) return;
      soc(approvalRequest(trigger, plan));
    },
    planNeedsOwner({ trigger, plan }) {
      if (closed) return;
      soc(needsOwnerMessage(trigger, plan.needsOwner));
      if (!cfg.notifyOwners) return;
      const leaving = contextOf(trigger, null).people;
      const byOwner = new Map<string, NeedsOwner[]>();
      for (const n of plan.needsOwner) {
        const owner = n.owner?.trim().toLowerCase();
        if (!owner?.includes('@') || leaving?.has(owner)) continue;
        byOwner.set(owner, [...(byOwner.get(owner) ?? []), n]);
      }
      for (const [email, items] of [...byOwner].slice(0, OWNER_LIMIT)) {
        delivery.enqueue({ channelType: 'owner', to: { email }, text: needsOwnerMessage(trigger, items) });
      }
    },
    taskFinished({ task, trigger, credential }) {
      if (closed || !FINAL.has(task.status)) return;
      add(task, credential, trigger?.kind ?? 'unknown', task.lastError?.code === 'VERIFY_FAILED');
    },
    credentialDrift({ credential }) {
      if (closed) return;
      soc(driftMessage(credential));
    },
    verificationFailed({ task, credential }) {
      // taskFinished already carried this escalation (a failed task with VERIFY_FAILED).
      if (closed || (task.status === 'failed' && task.lastError?.code === 'VERIFY_FAILED')) return;
      add(task, credential, contexts.get(task.triggerId)?.kind ?? 'unknown', true);
    },
  };

  async function flush(): Promise<void> {
    for (const id of [...batches.keys()]) startFlush(id);
    await Promise.all([...flushing]);
  }

  return {
    events,
    async flush() {
      await flush();
      await delivery.idle();
    },
    async close() {
      await flush();
      closed = true;
      await delivery.close(cfg.closeTimeoutMs);
    },
  };
}

function contextOf(trigger: Trigger, expected: number | null): Context {
  const people =
    trigger.kind === 'offboarding'
      ? new Set([trigger.subject.person, ...trigger.subject.aliases].map((p) => p.trim().toLowerCase()))
      : null;
  return { id: trigger.id, kind: trigger.kind, source: trigger.source, people, expected };
}

/** Tasks of a planned plan that will execute (and so finish): not shadow, with a provider. */
function runnable(plan: PlanDraft): number {
  return plan.tasks.filter((t) => t.decision !== 'shadow' && t.provider !== null).length;
}

function noteOf(task: Task, credential: Credential | null, escalated: boolean): TaskNote {
  return {
    taskId: task.id,
    credentialId: task.credentialId,
    credentialKind: task.credentialKind,
    provider: task.provider,
    action: task.action,
    status: task.status as TaskNote['status'],
    outcome: task.outcome,
    code: task.lastError?.code ?? null,
    attempts: task.attempts,
    reason: task.reason,
    ownerLeft: task.flags.includes('owner_left') || (credential?.flags.includes('owner_left') ?? false),
    workload: credential?.workload ?? null,
    escalated,
    fingerprintPrefix: task.credentialId === null && task.fingerprint ? task.fingerprint.slice(0, 8) : null,
  };
}

/** Batch timers never keep the process alive: close() flushes what is pending. */
function timer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
