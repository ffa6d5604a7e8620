/**
 * Composition root: the only place that picks adapters from config (PGlite or PostgreSQL, local log
 * or Kafka, provider instances) and wires them into the pipeline.
 */
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { classifyToken } from '../handlers/classify/index.js';
import type { AuditRecord } from '../schemas/audit.js';
import type { Config } from '../schemas/config.js';
import type { Anchor } from './audit/anchor.js';
import { auditEventHeaders, busAnchor } from './audit/anchor-bus.js';
import { fileAnchor } from './audit/anchor-file.js';
import { Checkpointer } from './audit/checkpointer.js';
import type { AuditIntegrity } from './audit/verify.js';
import { LocalLogBus, type LocalLogOptions } from './bus/local.js';
import type { LogDamage } from './bus/local-log.js';
import { INPUT_TOPICS, type Bus, type BusHealth, type Topic } from './bus/port.js';
import { resolveSecret } from './config.js';
import { fingerprinter } from './crypto/fingerprint.js';
import { anchorKeyFromSeed, decodeKey, loadOrCreateLocalKeys, type Keys } from './crypto/keys.js';
import { sealer } from './crypto/seal.js';
import { errorSummary, TourniquetError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import type { PipelineDeps } from './pipeline/deps.js';
import { combineEvents } from './pipeline/events.js';
import { taskIdOf } from './pipeline/execute.js';
import { Lanes } from './pipeline/lanes.js';
import { deadLetterMessage, handleInputMessage } from './pipeline/input-topic.js';
import { PoisonGuard, type Stall } from './pipeline/poison.js';
import { Batcher } from './pipeline/batcher.js';
import { openAdmission } from './store/admission-open.js';
import { Presence } from './pipeline/presence.js';
import { startScheduler, type Scheduler } from './pipeline/scheduler.js';
import { startDriftChecks } from './pipeline/drift.js';
import { buildDiscoverers } from './discovery/run.js';
import { startScheduledSyncs } from './discovery/schedule.js';
import { currentReport } from './pipeline/report.js';
import { cachedFor } from './util/cached.js';
import { createMetrics } from './observe/metrics.js';
import { contextFrom, messagingAttributes, traceHeaders } from './observe/trace-context.js';
import { inSpan, SpanKind, startTracing, type SpanProcessor, type Tracing } from './observe/tracing.js';
import { createSlackNotifier, type Notifier } from './observe/notify.js';
import type { GithubProvider } from './providers/github.js';
import { buildRegistry, type ProviderRegistry } from './providers/registry.js';
import { openStore } from './store/open.js';
import type { Store } from './store/port.js';
import { preparePrivateDir } from './util/data-dir.js';

export interface Runtime {
  deps: PipelineDeps;
  /** The provider lanes tasks run in (src/pipeline/lanes.ts). */
  lanes: Lanes;
  config: Config;
  /** This runtime's Prometheus registry (served at GET /metrics). */
  metrics: Registry;
  /** Slack notifications, when configured. */
  notifications?: Notifier;
  /** Bus health, plus the infrastructure failure a handler is retrying in place, if any. */
  health(): Promise<BusHealth & { stalled?: Stall }>;
  /** Starts consuming (input topics, task topic) and the retry scheduler. */
  startWorkers(): Promise<void>;
  /** For the embedded bus: resolves once every published message was handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

async function loadKeys(config: Config, logger: Logger): Promise<Keys> {
  const { fingerprint, seal, audit, anchor } = config.keys;
  if (fingerprint && seal && audit && anchor) {
    return {
      fingerprint: decodeKey(resolveSecret(fingerprint), 'fingerprint key'),
      seal: decodeKey(resolveSecret(seal), 'seal key'),
      audit: decodeKey(resolveSecret(audit), 'audit key'),
      anchor: anchorKeyFromSeed(decodeKey(resolveSecret(anchor), 'anchor key')),
    };
  }
  if (config.databaseUrl || config.kafka) {
    // Several processes must agree on keys; a per-data-dir key would silently split fingerprints
    // and audit hashes.
    throw new TourniquetError(
      'INVALID_CONFIG',
      'keys.fingerprint, keys.seal, keys.audit and keys.anchor are required with DATABASE_URL or Kafka',
    );
  }
  const local = await loadOrCreateLocalKeys(config.dataDir);
  if (local.generated.length > 0) {
    logger.warn({ dataDir: config.dataDir, keys: local.generated }, 'generated local keys');
  }
  return local;
}

/** Audits the local-log damage an operator accepted with `start --accept-log-loss`. */
function auditLoss(store: Store, clock: () => Date) {
  return async (damage: readonly LogDamage[]) => {
    await store.transaction((tx) =>
      tx.appendAudit(
        [
          {
            type: 'log.loss_accepted',
            actor: 'start --accept-log-loss',
            data: { count: damage.length, damage: damage.slice(0, 100).map((d) => ({ ...d })) },
          },
        ],
        clock().toISOString(),
      ),
    );
  };
}

/** The anchor file's default sits next to the data dir, never inside it (README: Security model). */
export function anchorFilePath(config: Pick<Config, 'audit' | 'dataDir'>): string | null {
  const f = config.audit.anchorFile;
  if (f === false) return null;
  return f ?? `${resolve(config.dataDir)}.audit-anchors.jsonl`;
}

function anchorsFor(config: Config, bus: Bus, clock: () => Date): Anchor[] {
  const file = anchorFilePath(config);
  return [
    ...(file ? [fileAnchor(file)] : []),
    ...(config.kafka ? [busAnchor(bus, config.kafka.topics.audit, clock)] : []),
  ];
}

async function createBus(
  config: Config,
  logger: Logger,
  loss: Pick<LocalLogOptions, 'acceptLoss' | 'onLossAccepted'>,
): Promise<Bus & { idle?: () => Promise<void> }> {
  if (config.kafka) {
    const { KafkaBus } = await import('./bus/kafka.js');
    return new KafkaBus({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      topics: config.kafka.topics as Record<Topic, string>,
      partitions: config.kafka.partitions,
      logger,
      consumer: {
        sessionTimeout: config.kafka.sessionTimeoutMs,
        heartbeatInterval: Math.floor(config.kafka.sessionTimeoutMs / 3),
      },
    });
  }
  if (loss.acceptLoss) logger.warn('starting with --accept-log-loss: damage in the embedded log is skipped');
  const dlqBytes = config.retention.deadLettersMaxBytes;
  return new LocalLogBus({
    ...loss,
    dir: join(config.dataDir, 'log'),
    // Dead letters are read by operators, never by a consumer group: pruned by age and size alone.
    readerless: ['dlq'],
    topicOptions: {
      dlq: {
        retentionMs: config.retention.deadLettersMs,
        maxBytes: dlqBytes,
        segmentBytes: Math.max(64 * 1024, Math.min(64 * 1024 * 1024, Math.floor(dlqBytes / 4))),
      },
    },
    onHandlerError: (err, msg) =>
      logger.error(
        { err: errorSummary(err), topic: msg.topic, offset: msg.offset },
        'handler failed; will retry',
      ),
  });
}

/** GitHub secret-scanning alerts are resolved through the first configured GitHub provider. */
function referenceResolver(providers: ProviderRegistry): Pick<PipelineDeps, 'resolveReference'> {
  const github = [...providers.names()]
    .map((n) => providers.get(n))
    .find((p): p is GithubProvider => p?.type === 'github');
  if (!github) return {};
  return {
    async resolveReference(ref, signal) {
      const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(ref.id);
      if (ref.system !== 'github_secret_scanning' || !m) return null;
      return (await github.alertSecret(m[1]!, m[2]!, Number(m[3]), signal))?.secret ?? null;
    },
  };
}

/** How long the governance gauges reuse one report. */
const REPORT_METRICS_TTL_MS = 5 * 60_000;
/** How often `idle()` looks again. */
const IDLE_POLL_MS = 10;

export async function createRuntime(
  config: Config,
  opts: {
    logger?: Logger;
    clock?: () => Date;
    /** Start despite damage in the embedded log, auditing what is skipped (src/bus/local.ts). */
    acceptLogLoss?: boolean;
    /** Span processors besides the OTLP exporter's (an in-memory exporter's): tracing is on with them. */
    spanProcessors?: readonly SpanProcessor[];
  } = {},
): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // First, so that nothing below runs before its spans can be recorded; stopped last in stop().
  const tracing = await startTracing(config.tracing, {
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
  });
  try {
    return await assemble(config, opts, logger, tracing);
  } catch (e) {
    await tracing?.shutdown();
    throw e;
  }
}

async function assemble(
  config: Config,
  opts: { clock?: () => Date; acceptLogLoss?: boolean },
  logger: Logger,
  tracing: Tracing | null,
): Promise<Runtime> {
  // Everything this process creates is private (PGlite's directories follow the umask; its files
  // are tightened by the store adapter), and a data dir others can write to is refused.
  process.umask(0o077);
  await preparePrivateDir(config.dataDir);
  const keys = await loadKeys(config, logger);
  const store = await openStore(config, { auditKey: keys.audit }, logger);
  let bus: Awaited<ReturnType<typeof createBus>>;
  try {
    bus = await createBus(config, logger, {
      acceptLoss: opts.acceptLogLoss ?? false,
      onLossAccepted: auditLoss(store, opts.clock ?? (() => new Date())),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  // One process on the embedded store, so its budgets are in process; a PostgreSQL cluster shares them.
  let admission: Awaited<ReturnType<typeof openAdmission>>;
  try {
    admission = await openAdmission(config);
  } catch (e) {
    await bus.stop();
    await store.close();
    throw e;
  }
  const providers = buildRegistry(config.providers, { logger });
  // The batcher reaches the finished deps lazily: they are built below and reference it.
  const batcher = new Batcher(() => deps);
  const metrics = createMetrics(
    {
      store,
      bus,
      admission,
      lanes: () => lanes.stats(),
      providers: () => providers.names(),
      // A scrape every few seconds must not read the whole inventory each time.
      // The deps are built below; a scrape only comes once the service runs.
      report: cachedFor(REPORT_METRICS_TTL_MS, async () => (await currentReport(deps)).report),
    },
    { onError: (e, gauge) => logger.warn({ err: errorSummary(e), gauge }, 'metrics collection failed') },
  );
  let notifications: Notifier | undefined;
  try {
    notifications = config.notifications.slack
      ? createSlackNotifier(config.notifications.slack, {
          logger,
          record: metrics.notification,
          lookupTrigger: (id) => store.getTrigger(id),
        })
      : undefined;
  } catch (e) {
    await providers.close();
    await admission.close?.();
    await bus.stop();
    await store.close();
    throw e;
  }
  const clock = opts.clock ?? (() => new Date());
  const integrity: AuditIntegrity = {
    key: keys.audit,
    anchorKey: keys.anchor,
    anchors: anchorsFor(config, bus, clock),
  };
  const checkpointer = new Checkpointer({
    store,
    integrity,
    clock,
    logger,
    everyRecords: config.audit.checkpointEveryRecords,
    everyMs: config.audit.checkpointEveryMs,
  });
  const publishAudit = config.kafka
    ? (records: readonly AuditRecord[]) =>
        bus.publish(
          'audit',
          records.map((r) => ({
            key: r.triggerId ?? String(r.seq),
            value: JSON.stringify(r),
            headers: auditEventHeaders(r),
          })),
        )
    : undefined;
  const deps: PipelineDeps = {
    store,
    audit: integrity,
    checkpoints: checkpointer,
    bus,
    providers,
    logger,
    clock,
    fingerprint: fingerprinter(keys.fingerprint),
    sealer: sealer(keys.seal),
    classify: (token) => classifyToken(token),
    config,
    admission,
    batcher,
    ...referenceResolver(providers),
    discoverers: buildDiscoverers(config.providers, { logger }),
    events: combineEvents([metrics.events, ...(notifications ? [notifications.events] : [])], (e) =>
      logger.error({ err: errorSummary(e) }, 'pipeline observer failed'),
    ),
    async onAudit(records) {
      await publishAudit?.(records);
      checkpointer.noteAppended(records);
    },
  };
  // The hot path's trail (recordAudit) reaches the same observers once it is on the chain.
  store.onAudit((records) => deps.onAudit?.(records) ?? Promise.resolve());
  const lanes = new Lanes(() => deps, admission);
  let scheduler: Scheduler | undefined;
  // A worker that dies: the next tick republishes what it had queued (its slots and leases are
  // freed by the reap itself).
  const presence = new Presence(deps, () => scheduler?.republishWaiting());
  let driftChecks: { stop(): Promise<void> } | undefined;
  let syncs: { stop(): Promise<void> } | undefined;
  // One guard for both subscriptions: a stall on either makes the service not ready.
  const guard = new PoisonGuard({
    maxAttempts: config.delivery.maxAttempts,
    deadLetter: (msg, err, attempts) => deadLetterMessage(msg, err, deps, attempts),
    probe: () => store.auditHead(),
    clock: deps.clock,
  });

  return {
    deps,
    lanes,
    config,
    metrics: metrics.registry,
    ...(notifications ? { notifications } : {}),
    async health() {
      const h = await bus.health();
      const stalled = guard.stalled();
      return stalled ? { ...h, stalled } : h;
    },
    async startWorkers() {
      const group = config.kafka?.groupId ?? 'tourniquet';
      // Beating before the first claim: leases and slots are taken in this worker's name.
      await presence.start();
      deps.presence = presence;
      await bus.subscribe({
        topics: INPUT_TOPICS,
        group,
        handler: guard.wrap((m) => handleInputMessage(m, deps)),
      });
      await bus.subscribe({
        topics: ['tasks'],
        group: `${group}.tasks`,
        // Routed into the task's provider lane, not run here: a partition never waits on a provider.
        handler: guard.wrap((m) =>
          inSpan(
            'process tasks',
            {
              kind: SpanKind.CONSUMER,
              parent: contextFrom(m.headers),
              attributes: messagingAttributes(config, 'tasks', 'process'),
            },
            async () => {
              const routed = taskIdOf(m.value, deps);
              // The task runs later in its lane, in this span's trace.
              if (routed) await lanes.submit({ ...routed, key: m.key, trace: traceHeaders() });
            },
          ),
        ),
      });
      // From now on small batches of runnable tasks go straight into this process's lanes.
      deps.dispatch = (tasks) => lanes.submitAll(tasks);
      await bus.start();
      checkpointer.start();
      scheduler = startScheduler(deps, (e) =>
        logger.error({ err: errorSummary(e) }, 'scheduler tick failed'),
      );
      driftChecks = startDriftChecks(deps, (e) =>
        logger.error({ err: errorSummary(e) }, 'drift check round failed'),
      );
      syncs = startScheduledSyncs(deps, config.sync.intervalsMs, (e, provider) =>
        logger.error({ err: errorSummary(e), provider }, 'scheduled inventory sync failed'),
      );
    },
    async idle() {
      // Quiet only when every stage is quiet at once: a bus message routes into a lane, and a
      // lane's task publishes audit records and follow-ups (the bus alone went quiet while a
      // revocation was still running, so `ingest` and tests read a task before it ran).
      // Polled: a lane's task ends on several paths (finished, parked, postponed) and a missed
      // signal would hang the caller; batched items go out after their linger.
      for (;;) {
        await bus.idle?.();
        if (lanes.quiet() && batcher.quiet()) {
          // And their trail is on the chain and published.
          await store.flushAudit();
          return;
        }
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      }
    },
    async stop() {
      await scheduler?.stop();
      await driftChecks?.stop();
      await syncs?.stop();
      // No new work first: a final checkpoint can take seconds (it reads the newest anchor), and a
      // process told to stop must not go on consuming meanwhile.
      await bus.stopConsuming?.();
      await lanes.drain();
      await batcher.drain();
      // Holds no lease or slot now: leaves the cluster, so nobody waits for this worker's silence.
      if (deps.presence) await presence.stop();
      // Anchors the tail while the bus (the Kafka anchor) can still publish; the tail includes
      // the records still in the outbox.
      await store
        .flushAudit()
        .catch((e: unknown) =>
          logger.error(
            { err: errorSummary(e) },
            'audit outbox not chained at stop: the next start chains it',
          ),
        );
      await checkpointer.stop();
      await bus.stop();
      // After the bus: the last tasks' notifications are summarised and given a short time to go out.
      await notifications?.close();
      await providers.close();
      await admission.close?.();
      await store.close();
      // Last: flushes the spans of everything above.
      await tracing?.shutdown();
    },
  };
}
