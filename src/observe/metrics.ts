/**
 * Prometheus metrics (prom-client), one Registry per runtime: never the global default registry, so
 * tests and several runtimes in one process do not collide. Counters and histograms move with
 * pipeline events; gauges that mirror durable state (dead letters, consumer lag, circuit states) are
 * read when scraped, so they are right after a restart too.
 *
 * Label values are bounded: trigger kinds, source names, provider instance names, actions, outcomes,
 * statuses and error codes — never ids, never secrets. Free-form values (a source name is whatever a
 * submitter wrote) are capped per label: past `maxLabelValues` distinct values, new ones become `other`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bus, Topic } from '../bus/port.js';
import type { PipelineEvents } from '../pipeline/events.js';
import type { Store } from '../store/port.js';
import type { GovernanceReport } from '../../schemas/report.js';

/** What the scrape-time gauges read. */
export interface MetricsSources {
  store: Pick<Store, 'listTasks'>;
  bus: Pick<Bus, 'health'>;
  admission: { states(): Record<string, string> };
  /** Per provider lane: tasks queued and running in this process. */
  lanes?: () => Record<string, { queued: number; running: number }>;
  /** Configured provider instances: their circuit reads 0 (closed) before their first call. */
  providers?: () => Iterable<string>;
  /** The governance report (handlers/report.ts), cached by the caller: it reads the whole inventory. */
  report?: () => Promise<GovernanceReport>;
}

export type NotificationChannel = 'soc' | 'owner';
export type NotificationResult = 'sent' | 'failed' | 'dropped';

export interface Metrics {
  registry: Registry;
  /** Observer to pass (combined with others) as `PipelineDeps.events`. */
  events: PipelineEvents;
  /** Counts one notification's fate (`tourniquet_notifications_total`). */
  notification(channel: NotificationChannel, result: NotificationResult): void;
}

export interface MetricsOptions {
  /** A scrape-time read that failed (the gauge keeps its last value). */
  onError?: (e: unknown, gauge: string) => void;
  /** Distinct values allowed per free-form label before new ones read `other`. */
  maxLabelValues?: number;
  /** Default process metrics (CPU, memory, event loop, GC). */
  processMetrics?: boolean;
}

/** Seconds to minutes: revocations take a second or two, propagation windows up to an hour. */
export const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

/** Dead letters counted per scrape; beyond this the gauge reads the cap (a lower bound). */
export const DEAD_LETTER_COUNT_CAP = 10_000;

const CIRCUIT_VALUE: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

export function createMetrics(sources: MetricsSources, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const onError = opts.onError ?? (() => undefined);
  const label = boundedLabels(opts.maxLabelValues ?? 100);

  const triggers = new Counter({
    name: 'tourniquet_triggers_total',
    help: 'Triggers handled, by kind, source and outcome (planned, duplicate, rejected).',
    labelNames: ['kind', 'source', 'outcome'] as const,
    registers,
  });
  const tasks = new Counter({
    name: 'tourniquet_tasks_total',
    help: 'Tasks that reached a final state, by provider, action, outcome and status.',
    labelNames: ['provider', 'action', 'outcome', 'status'] as const,
    registers,
  });
  const retries = new Counter({
    name: 'tourniquet_task_retries_total',
    help: 'Delayed retries scheduled, by provider and error code.',
    labelNames: ['provider', 'code'] as const,
    registers,
  });
  const drift = new Counter({
    name: 'tourniquet_credential_drift_total',
    help: 'Credentials recorded dead that their provider said were alive again, by provider instance.',
    labelNames: ['provider'] as const,
    registers,
  });
  const needsOwner = new Counter({
    name: 'tourniquet_needs_owner_total',
    help: 'Credentials at risk that no configured provider could kill (a person must act), by reason.',
    labelNames: ['reason', 'trigger_kind'] as const,
    registers,
  });
  const verificationFailures = new Counter({
    name: 'tourniquet_verification_failures_total',
    help: 'Credentials still alive after the provider propagation window (escalated).',
    labelNames: ['provider'] as const,
    registers,
  });
  const notifications = new Counter({
    name: 'tourniquet_notifications_total',
    help: 'Notifications by channel type (soc, owner) and result (sent, failed, dropped).',
    labelNames: ['channel_type', 'outcome'] as const,
    registers,
  });
  const toRevoked = new Histogram({
    name: 'tourniquet_trigger_to_revoked_seconds',
    help: 'Time from a trigger being accepted to the provider accepting the revocation.',
    labelNames: ['kind', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const toVerified = new Histogram({
    name: 'tourniquet_trigger_to_verified_seconds',
    help: 'Time from a trigger being accepted to the credential being verified dead.',
    labelNames: ['kind', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

  new Gauge({
    name: 'tourniquet_dead_letters',
    help: `Tasks in the dead-letter state (counted up to ${DEAD_LETTER_COUNT_CAP}).`,
    registers,
    async collect() {
      try {
        const dead = await sources.store.listTasks({
          statuses: ['dead_lettered'],
          limit: DEAD_LETTER_COUNT_CAP,
        });
        this.set(dead.length);
      } catch (e) {
        onError(e, 'tourniquet_dead_letters');
      }
    },
  });
  new Gauge({
    name: 'tourniquet_consumer_lag',
    help: 'Messages published but not yet consumed, per logical topic, where the transport can tell.',
    labelNames: ['topic'] as const,
    registers,
    async collect() {
      try {
        const { lag } = await sources.bus.health();
        this.reset();
        for (const [topic, n] of Object.entries(lag) as [Topic, number | undefined][]) {
          if (n !== undefined) this.set({ topic }, n);
        }
      } catch (e) {
        onError(e, 'tourniquet_consumer_lag');
      }
    },
  });
  new Gauge({
    name: 'tourniquet_circuit_state',
    help: 'Circuit breaker per provider instance: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider'] as const,
    registers,
    collect() {
      for (const name of sources.providers?.() ?? []) this.set({ provider: label('provider', name) }, 0);
      for (const [name, state] of Object.entries(sources.admission.states())) {
        this.set({ provider: label('provider', name) }, CIRCUIT_VALUE[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'tourniquet_lane_tasks',
    help: 'Tasks per provider lane in this process: queued (admitted next) and running.',
    labelNames: ['provider', 'state'] as const,
    registers,
    collect() {
      for (const [name, s] of Object.entries(sources.lanes?.() ?? {})) {
        this.set({ provider: label('provider', name), state: 'queued' }, s.queued);
        this.set({ provider: label('provider', name), state: 'running' }, s.running);
      }
    },
  });
  const report = sources.report;
  if (report) {
    new Gauge({
      name: 'tourniquet_governance_credentials',
      help: 'Live credentials in the inventory, and how many show each governance finding (tourniquet report).',
      labelNames: ['finding'] as const,
      registers,
      async collect() {
        try {
          const r = await report();
          this.set({ finding: 'all' }, r.credentials);
          const findings = {
            named_owner: r.ownerCoverage,
            shadow_ownership: r.shadowOwnership,
            owner_left: r.ownersLeft,
            write_scope: r.writeScopes,
            no_expiry: r.lifetime.noExpiry,
            older_than_max_age: r.lifetime.olderThanMaxAge,
            expired_but_live: r.lifetime.expiredButLive,
            stale: r.stale,
          };
          for (const [finding, f] of Object.entries(findings)) this.set({ finding }, f.count);
        } catch (e) {
          onError(e, 'tourniquet_governance_credentials');
        }
      },
    });
    new Gauge({
      name: 'tourniquet_revocation_coverage_ratio',
      help: 'Share of live credentials a configured provider can revoke automatically, per provider instance.',
      labelNames: ['provider'] as const,
      registers,
      async collect() {
        try {
          const r = await report();
          this.reset();
          this.set({ provider: 'all' }, r.revocationCoverage.share);
          for (const [name, c] of Object.entries(r.revocationCoverage.byProvider))
            this.set({ provider: label('provider', name) }, c.share);
        } catch (e) {
          onError(e, 'tourniquet_revocation_coverage_ratio');
        }
      },
    });
  }
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const provider = (p: string | null) => label('provider', p ?? 'none');
  const events: PipelineEvents = {
    triggerHandled(e) {
      triggers.inc({ kind: e.kind, source: label('source', e.source), outcome: e.outcome });
    },
    taskFinished(e) {
      const { task } = e;
      const p = provider(task.provider);
      tasks.inc({ provider: p, action: task.action, outcome: task.outcome ?? 'none', status: task.status });
      const kind = e.trigger?.kind ?? 'unknown';
      if (e.revokedAfterMs !== undefined)
        toRevoked.observe({ kind, provider: p }, Math.max(0, e.revokedAfterMs) / 1000);
      if (e.verifiedAfterMs !== undefined)
        toVerified.observe({ kind, provider: p }, Math.max(0, e.verifiedAfterMs) / 1000);
    },
    retryScheduled(e) {
      retries.inc({ provider: provider(e.task.provider), code: label('code', e.code || 'unknown') });
    },
    verificationFailed(e) {
      verificationFailures.inc({ provider: provider(e.task.provider) });
    },
    credentialDrift(e) {
      drift.inc({ provider: label('provider', e.credential.provider) });
    },
    planNeedsOwner(e) {
      for (const n of e.plan.needsOwner) needsOwner.inc({ reason: n.reason, trigger_kind: e.trigger.kind });
    },
  };

  return {
    registry,
    events,
    notification(channel, result) {
      notifications.inc({ channel_type: channel, outcome: result });
    },
  };
}

/**
 * Keeps the number of distinct values per label bounded: a submitter choosing a new `source` for
 * every trigger must not create a new time series each time.
 */
function boundedLabels(max: number): (name: string, value: string) => string {
  const seen = new Map<string, Set<string>>();
  return (name, raw) => {
    const value = raw.slice(0, 64);
    let values = seen.get(name);
    if (!values) seen.set(name, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= max) return 'other';
    values.add(value);
    return value;
  };
}
