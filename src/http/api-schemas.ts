/**
 * The operator API's request and response shapes, in zod: the routes validate with the request
 * schemas, and the OpenAPI document (src/http/openapi.ts, served at /openapi.json) is generated
 * from both, so the document cannot drift from what the service accepts and answers.
 */
import { z } from 'zod';
import { AuditRecord, AuditType } from '../../schemas/audit.js';
import { FreeText, Name, Timestamp } from '../../schemas/common.js';
import { Credential } from '../../schemas/credential.js';
import { NeedsOwner, Plan, PlanDraft, Task } from '../../schemas/plan.js';
import { CredentialFindings, DriftCheck, GovernanceReport } from '../../schemas/report.js';

export const DecisionBody = z
  .object({
    reason: FreeText(2000).min(1),
    operator: Name(200).optional(),
    /** Decide only these held tasks; absent: every task the plan holds. */
    taskIds: z
      .array(z.string().regex(/^[0-9a-f]{8,32}$/, 'a task id or a prefix of 8+ hex digits'))
      .max(1000)
      .optional(),
  })
  .strict();
export const ShowQuery = z
  .object({ unseal: z.enum(['true', 'false']).optional(), operator: Name(200).optional() })
  .strict();
export const RetryBody = z
  .object({
    ids: z.array(Name(200)).max(1000).optional(),
    all: z.boolean().optional(),
    operator: Name(200).optional(),
    /** Kept in each `dlq.retried` record. */
    reason: FreeText(2000).min(1).optional(),
  })
  .strict();
export const ReplayBody = z
  .object({
    triggerIds: z.array(Name(200)).max(1000).optional(),
    from: Name(100).optional(),
    to: Name(100).optional(),
    origin: z.enum(['store', 'log']).optional(),
    dryRun: z.boolean().default(true),
    force: z.boolean().default(false),
    reason: FreeText(2000).min(1),
    operator: Name(200).optional(),
  })
  .strict();
/**
 * Query strings are untrusted input like bodies: each route names the parameters it takes, and a
 * bad or unknown one is a 400 naming it (never a NaN or 1e308 passed on to the store).
 */
export const QueryId = Name(200);
export const AuditQuery = z
  .object({
    trigger: QueryId.optional(),
    credential: QueryId.optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
    /** Records after this chain position. */
    after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    type: AuditType.optional(),
    since: Timestamp.optional(),
    until: Timestamp.optional(),
    order: z.enum(['chain', 'newest']).optional(),
  })
  .strict();
export const TasksQuery = z.object({ trigger: QueryId.optional() }).strict();
export const PlansQuery = z
  .object({
    status: Name(50).optional(),
    trigger: QueryId.optional(),
    order: z.enum(['created', 'newest']).optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict();
export const NoQuery = z.object({}).strict();
/** GET /v1/inventory: a page in id order (keyset: the last id of the page before). */
export const InventoryQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(10_000).optional(), after: QueryId.optional() })
  .strict();
export const ExportQuery = z.object({ format: z.enum(['jsonl', 'ocsf']).default('jsonl') }).strict();
export const ImportQuery = z.object({ allowProtectionChange: z.enum(['true', 'false']).optional() }).strict();

export const OperatorBody = z.object({ name: Name(200), role: z.enum(['analyst', 'responder']) }).strict();

// Responses.

/** Every error: a stable code (src/errors.ts), a message without secrets, the bad fields for a 400. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.unknown().optional(),
});

/** What fastify itself answers before a route runs (414 for an over-long path segment). */
export const FrameworkError = z.looseObject({ error: z.string(), message: z.string() });

export const IngestResult = z.object({
  accepted: z.array(z.object({ id: z.string(), kind: z.string() })),
  ignored: z.string().optional(),
  skipped: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export const PlansResult = z.object({
  plans: z.array(PlanDraft),
  ignored: z.string().optional(),
  skipped: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export const GapsResult = z.object({ gaps: z.array(NeedsOwner) });
export const ImportResult = z.object({
  imported: z.number().int(),
  created: z.number().int().optional(),
  updated: z.number().int().optional(),
  unchanged: z.number().int().optional(),
  people: z.number().int().optional(),
  workloads: z.number().int().optional(),
});
export const CredentialsResult = z.object({ credentials: z.array(Credential) });
export const AuditResult = z.object({ records: z.array(AuditRecord) });
/** `audit verify`: see src/audit/verify.ts for each field. */
export const VerifyResult = z.looseObject({
  ok: z.boolean(),
  records: z.number().int(),
  legacy: z.number().int(),
  problems: z.array(z.unknown()),
  anchors: z.array(z.unknown()),
  damage: z.array(z.string()),
});
export const ReanchorResult = z.object({
  damage: z.array(z.string()),
  epoch: z.number().int(),
  seq: z.number().int(),
});
export const TasksResult = z.object({ tasks: z.array(Task) });
export const StoredPlansResult = z.object({ plans: z.array(Plan) });
export const DecideResult = z.object({ planId: z.string(), status: z.string(), tasks: z.number().int() });
export const DeadLettersResult = z.object({
  deadLetters: z.array(z.object({ task: Task, history: z.array(z.unknown()) })),
});
/** A dead message without its payload (src/pipeline/dead-messages.ts). */
export const DeadMessageView = z.looseObject({
  id: z.string(),
  at: z.string(),
  reason: z.string(),
  code: z.string(),
  payloadBytes: z.number().int(),
  payload: z.string().optional(),
});
export const DeadMessagesResult = z.object({ deadMessages: z.array(DeadMessageView) });
export const RetryResult = z.object({ retried: z.array(z.string()) });
export const ReplayResult = z.object({
  replayId: z.string(),
  dryRun: z.boolean(),
  force: z.boolean(),
  triggers: z.array(
    z.object({
      triggerId: z.string(),
      kind: z.string(),
      diff: z.array(
        z.object({
          change: z.enum(['+', '=', '-']),
          action: z.string(),
          credential: z.string(),
          provider: z.string().nullable(),
          then: z.string().optional(),
        }),
      ),
      newTasks: z.number().int(),
    }),
  ),
});
export const ReportQuery = z.object({ rows: z.enum(['true', 'false']).optional() }).strict();
export const ReportResult = z.object({
  report: GovernanceReport,
  rows: z.array(CredentialFindings).optional(),
});
export const DriftBody = z.object({ operator: Name(200).optional() }).strict();
export const DriftResult = z.object({ checks: z.array(DriftCheck) });
export const SyncBody = z
  .object({
    /** Only this configured provider instance (default: every instance with a discoverer). */
    provider: Name(100).optional(),
    dryRun: z.boolean().optional(),
    overwriteOperatorFields: z.boolean().optional(),
    operator: Name(200).optional(),
  })
  .strict();
const SyncDiff = z.object({
  credentialId: z.string(),
  kind: z.string(),
  change: z.enum(['created', 'updated', 'gone']),
  fields: z.array(z.object({ field: z.string(), from: z.unknown().optional(), to: z.unknown().optional() })),
});
/** One provider instance's sync (src/discovery/sync.ts SyncReport). */
export const SyncReportSchema = z.object({
  provider: z.string(),
  dryRun: z.boolean(),
  discovered: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  gone: z.number().int(),
  complete: z.array(z.string()),
  refused: z.array(z.object({ what: z.string(), permission: z.string(), code: z.string() })),
  unknownIdentities: z.array(z.string()),
  unknownIdentityCount: z.number().int(),
  diff: z.array(SyncDiff),
  diffOmitted: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export const SyncResult = z.object({ reports: z.array(SyncReportSchema) });
export const OperatorResult = z.object({ name: z.string(), role: z.string(), token: z.string() });
