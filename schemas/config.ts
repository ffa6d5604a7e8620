/**
 * Service configuration, parsed once at start (all problems reported together), then frozen.
 * Sources, lowest precedence first: built-in defaults, the config file (TOURNIQUET_CONFIG, YAML or
 * JSON), environment variables (DATABASE_URL, KAFKA_BROKERS, TOURNIQUET_*).
 */
import { z } from 'zod';
import { SecretSetting } from './common.js';
import { IntakeConfig } from './intake.js';
import { NotificationsConfig } from './notifications.js';
import { Policy } from './policy.js';
import { AwsIamProviderConfig, AwsSecretsProviderConfig } from './providers/aws.js';
import { EntraProviderConfig } from './providers/entra.js';
import { FamilyProviderConfig } from './providers/family.js';
import { GithubProviderConfig } from './providers/github.js';
import { GcpIamProviderConfig, GoogleWorkspaceProviderConfig } from './providers/google.js';
import { OAuthProviderConfig } from './providers/oauth.js';
import { OktaProviderConfig } from './providers/okta.js';
import { SlackProviderConfig } from './providers/slack.js';
import { VaultProviderConfig } from './providers/vault.js';

export const ProviderConfig = z.discriminatedUnion('type', [
  OAuthProviderConfig,
  AwsSecretsProviderConfig,
  AwsIamProviderConfig,
  VaultProviderConfig,
  GithubProviderConfig,
  SlackProviderConfig,
  OktaProviderConfig,
  EntraProviderConfig,
  GoogleWorkspaceProviderConfig,
  GcpIamProviderConfig,
  FamilyProviderConfig,
]);
export type ProviderConfig = z.infer<typeof ProviderConfig>;

/**
 * Drift checks (src/pipeline/drift.ts): credentials recorded dead are asked again every
 * `intervalMs` (0: never); one alive again becomes a leak trigger for itself when `trigger`.
 */
export const DriftConfig = z
  .object({
    intervalMs: z.number().int().nonnegative().default(3_600_000),
    trigger: z.boolean().default(true),
  })
  .strict();

/**
 * Scheduled inventory syncs (src/discovery/schedule.ts): provider instance name → how often to sync
 * it (ms). Off by default: an instance not named here is synced only by `inventory sync`.
 */
export const SyncConfig = z
  .object({
    intervalsMs: z.record(z.string().min(1), z.number().int().min(1_000)).default({}),
  })
  .strict();

export const RetryConfig = z
  .object({
    maxAttempts: z.number().int().positive().default(8),
    baseMs: z.number().int().positive().default(500),
    capMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000),
    /** A task older than this that still fails is dead-lettered. */
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(24 * 3_600_000),
    /** How long one attempt owns a running task; past it a crashed attempt is recovered. */
    leaseMs: z.number().int().positive().default(60_000),
    /**
     * A planned task not picked up for this long has its message published again: the bound on how
     * long a task routed to a worker that died waits for another (a live lane's queue is renewed).
     */
    republishAfterMs: z.number().int().positive().default(30_000),
    /**
     * A worker whose heartbeat is older than this is dead: the others take its leases, admission
     * slots and queued tasks at once instead of waiting out the lease (src/pipeline/presence.ts).
     * It beats every quarter of this and stops its own provider calls past half of it without a
     * beat, so it has let go before anyone takes over.
     */
    workerDeadAfterMs: z.number().int().min(1_000).default(10_000),
    /** How often the scheduler republishes due retries and recovers stranded tasks. */
    schedulerIntervalMs: z.number().int().positive().default(1_000),
  })
  .strict();

/**
 * Messages on the input and task topics: a message whose handling keeps failing for a reason other
 * than the store or broker being unreachable is dead-lettered after this many deliveries (one that
 * fails deterministically, at once), so it cannot hold its partition.
 */
export const DeliveryConfig = z.object({ maxAttempts: z.number().int().min(1).max(100).default(5) }).strict();

export const KafkaConfig = z
  .object({
    brokers: z.array(z.string().min(1)).min(1),
    clientId: z.string().default('tourniquet'),
    groupId: z.string().default('tourniquet'),
    topics: z
      .object({
        leak: z.string().default('tourniquet.leak'),
        offboarding: z.string().default('tourniquet.offboarding'),
        decommission: z.string().default('tourniquet.decommission'),
        tasks: z.string().default('tourniquet.tasks'),
        dlq: z.string().default('tourniquet.dlq'),
        audit: z.string().default('tourniquet.audit'),
      })
      .strict()
      .prefault({}),
    /**
     * Partitions per topic, and how many partitions one process handles at once (a task holds its
     * partition for the whole provider call). 12 keeps a provider near its rate limit on a 10k
     * offboarding fan-out where 6 capped it at 80% (BENCHMARKS.md). `tourniquet topics create`
     * grows existing topics that have fewer.
     */
    partitions: z.number().int().positive().default(12),
    /**
     * How long the broker waits for a silent consumer before moving its partitions: the pause
     * after a process dies, for the triggers waiting in its partitions (its tasks move sooner,
     * src/pipeline/presence.ts). 10 s, not kafkajs's 30 s: a leak alert should not wait half a
     * minute for a crashed worker. Heartbeats go every third of it, during handlers too.
     */
    sessionTimeoutMs: z.number().int().min(6_000).default(10_000),
  })
  .strict();

/** Signed checkpoints of the audit chain head, kept outside the database (src/audit/anchor.ts). */
export const AuditConfig = z
  .object({
    /**
     * Append-only anchor file, outside the data dir. Default: next to the data dir,
     * `<dataDir>.audit-anchors.jsonl`, so removing or rewriting the data dir leaves it. `false`
     * turns the file off (a deployment anchoring to Kafka only).
     */
    anchorFile: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** A checkpoint once this many records were appended since the last one… */
    checkpointEveryRecords: z.number().int().positive().default(100),
    /** …and at least this often while the chain grows. */
    checkpointEveryMs: z.number().int().positive().default(60_000),
  })
  .strict();

const DAY_MS = 24 * 3_600_000;

/**
 * How long what may hold raw secrets is kept. Dead letters are sealed, but their reason and origin
 * are operational data that should not pile up; input topics on Kafka carry raw leak alerts.
 */
export const RetentionConfig = z
  .object({
    /** Dead letters (embedded `dlq*.jsonl`, the Kafka DLQ topic's retention.ms). */
    deadLettersMs: z
      .number()
      .int()
      .positive()
      .default(7 * DAY_MS),
    /** …and at most this many bytes of them (Kafka: retention.bytes, split over partitions). */
    deadLettersMaxBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024),
    /** Kafka input topics (raw source events): retention.ms set by `tourniquet topics create`. */
    inputTopicsMs: z
      .number()
      .int()
      .positive()
      .default(7 * DAY_MS),
  })
  .strict();

/**
 * OpenTelemetry traces (src/observe/tracing.ts). Off unless an OTLP endpoint is configured (here,
 * or by the standard OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): then no SDK
 * is loaded and the API's no-op tracer costs next to nothing.
 */
export const TracingConfig = z
  .object({
    /** The OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
    otlpEndpoint: z.url().optional(),
    serviceName: z.string().min(1).default('tourniquet'),
    /** Share of new traces kept; a trace continued from a caller follows the caller's decision. */
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict();

export const Config = z
  .object({
    dataDir: z.string().min(1).default('./.tourniquet'),
    databaseUrl: z.string().min(1).optional(),
    kafka: KafkaConfig.optional(),
    http: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(7478),
        bodyLimitBytes: z.number().int().positive().default(1_048_576),
        /** A streamed inventory import (POST /v1/inventory/stream) is parsed as it arrives, up to this. */
        inventoryMaxBytes: z.number().int().positive().default(1_073_741_824),
      })
      .strict()
      .prefault({}),
    /**
     * Keys (32 bytes, base64 or hex). Without them the embedded default generates a pair once and
     * keeps it in the data dir (mode 0600); production must configure both.
     */
    keys: z
      .object({
        fingerprint: SecretSetting.optional(),
        seal: SecretSetting.optional(),
        /** HMAC key of the audit chain: without it nobody can recompute a record's hash. */
        audit: SecretSetting.optional(),
        /** Ed25519 seed that signs audit checkpoints (anchors). */
        anchor: SecretSetting.optional(),
      })
      .strict()
      .prefault({}),
    audit: AuditConfig.prefault({}),
    retention: RetentionConfig.prefault({}),
    policy: Policy.prefault({}),
    intake: IntakeConfig.prefault({}),
    providers: z.array(ProviderConfig).default([]),
    retry: RetryConfig.prefault({}),
    delivery: DeliveryConfig.prefault({}),
    notifications: NotificationsConfig.prefault({}),
    tracing: TracingConfig.prefault({}),
    drift: DriftConfig.prefault({}),
    sync: SyncConfig.prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();
export type Config = z.infer<typeof Config>;
