/**
 * Operator operations, shared by the CLI and the HTTP API. Two implementations: `LocalOps` works on
 * an open runtime (the service itself, or a CLI run when no service holds the data dir) and
 * `RemoteOps` calls a running service's HTTP API, because the embedded store belongs to one process.
 */
import type { CredentialFindings, GovernanceReport } from '../../schemas/report.js';
import type { AuditRecord, AuditType } from '../../schemas/audit.js';
import type { DriftCheck } from '../pipeline/drift.js';
import type { SyncRequest } from '../discovery/run.js';
import type { SyncReport } from '../discovery/sync.js';
import type { Credential } from '../../schemas/credential.js';
import type { NeedsOwner, Plan, PlanDraft, Task } from '../../schemas/plan.js';
import type { AuditVerification } from '../audit/verify.js';
import type { DeadMessageView } from '../pipeline/dead-messages.js';
import type { DeadLetter } from '../pipeline/dlq.js';
import type { ReplayReport, ReplayRequest } from '../pipeline/replay.js';

export interface IngestResult {
  accepted: { id: string; kind: string }[];
  /** Why an authentic source event made no trigger (an action tourniquet does not act on). */
  ignored?: string;
  /** Malformed records of a batch, dead-lettered; the rest was accepted. */
  skipped?: { path: string; message: string }[];
}

export interface AuditFilter {
  triggerId?: string | undefined;
  credentialId?: string | undefined;
  limit?: number | undefined;
  /** Records after this chain position (a live view polling for what is new). */
  afterSeq?: number | undefined;
  type?: AuditType | undefined;
  /** `at` within [since, until): ISO timestamps. */
  since?: string | undefined;
  until?: string | undefined;
  newestFirst?: boolean | undefined;
}

export interface InventoryPage {
  limit?: number | undefined;
  after?: string | undefined;
}
export const INVENTORY_PAGE = 1_000;
export const INVENTORY_PAGE_MAX = 10_000;

/**
 * What an import did: `imported` credentials read; of them `created`, `updated` and `unchanged`
 * (an unchanged one is not written). Optional: a service from before they existed does not say.
 */
export interface ImportSummary {
  imported: number;
  created?: number;
  updated?: number;
  unchanged?: number;
  people?: number;
  workloads?: number;
}

export interface Operations {
  /** Validates every document first (nothing is stored if one is bad), then accepts them durably. */
  ingest(docs: readonly unknown[]): Promise<IngestResult>;
  /** A source event in its producer's format (`tourniquet ingest --source`), already authenticated. */
  ingestSource(source: string, raw: Buffer | object): Promise<IngestResult>;
  /** Dry run: the plans these triggers would get today. Executes and stores nothing. */
  plan(docs: readonly unknown[]): Promise<PlanDraft[]>;
  /** Credentials no configured provider can act on, and why (`inventory check`). */
  checkInventory(): Promise<NeedsOwner[]>;
  /** Dry run of a source event in its producer's format (`plan --source NAME FILE`). */
  planSource(
    source: string,
    raw: Buffer | unknown,
  ): Promise<{ plans: PlanDraft[]; ignored?: string; skipped?: { path: string; message: string }[] }>;
  importInventory(
    data: unknown,
    actor: string,
    opts?: { allowProtectionChange?: boolean },
  ): Promise<ImportSummary>;
  /**
   * The same from a YAML or JSON file. A JSON file is streamed (src/ops/inventory-source.ts: a
   * million credentials in bounded memory), in-process or to a service (POST /v1/inventory/stream);
   * a YAML file is parsed whole and, to a service, sent whole (the API's body and document limits).
   */
  importInventoryFile(
    path: string,
    actor: string,
    opts?: { allowProtectionChange?: boolean },
  ): Promise<ImportSummary>;
  /** The same from JSON bytes as they arrive (POST /v1/inventory/stream). */
  importInventoryStream(
    chunks: AsyncIterable<Uint8Array>,
    actor: string,
    opts?: { allowProtectionChange?: boolean },
  ): Promise<ImportSummary>;
  /**
   * One page of the inventory in id order: `limit` (default 1,000, at most 10,000) credentials
   * after the id `after`. A page shorter than the limit is the last; `inventoryPages` reads them all.
   */
  listInventory(page?: InventoryPage): Promise<Credential[]>;
  /** Lists what the providers hold and updates the inventory (src/discovery/sync.ts), per instance. */
  syncInventory(req: SyncRequest, operator: string): Promise<SyncReport[]>;
  /** One round of drift checks now (src/pipeline/drift.ts): what each credential recorded dead is. */
  checkDrift(operator: string): Promise<DriftCheck[]>;
  /** The governance report (handlers/report.ts); `rows` adds one line per live credential. */
  report(opts: { rows: boolean }): Promise<{ report: GovernanceReport; rows?: CredentialFindings[] }>;
  listAudit(q: AuditFilter): Promise<AuditRecord[]>;
  verifyAudit(): Promise<AuditVerification>;
  /**
   * After damage was investigated: audits what `verify` found (`audit.reanchored`, with the reason)
   * and anchors the head as it is in a new epoch, so checkpoints resume. CONFLICT when intact.
   */
  reanchorAudit(
    operator: string,
    reason: string,
  ): Promise<{ damage: AuditVerification['damage']; epoch: number; seq: number }>;
  exportAudit(): AsyncIterable<AuditRecord>;
  /** The trail as OCSF 1.8 events (src/audit/ocsf.ts). */
  exportAuditOcsf(): AsyncIterable<Record<string, unknown>>;
  listTasks(q: { triggerId?: string | undefined }): Promise<Task[]>;
  listPlans(q: {
    status?: string | undefined;
    /** The plans of one trigger (ids may be shortened). */
    triggerId?: string | undefined;
    /** Newest first (default: oldest first), at most `limit` (default 1000). */
    newestFirst?: boolean | undefined;
    limit?: number | undefined;
  }): Promise<Plan[]>;
  decidePlan(
    planId: string,
    approve: boolean,
    who: { operator: string; reason: string; taskIds?: readonly string[] | undefined },
  ): Promise<{ planId: string; status: string; tasks: number }>;
  listDeadLetters(): Promise<DeadLetter[]>;
  /** Input that could not become a trigger, from the DLQ topic (either transport); no payloads. */
  listDeadMessages(): Promise<DeadMessageView[]>;
  /** One dead message; `unseal` opens its payload (responders only) and is audited. */
  showDeadMessage(
    id: string,
    opts: { unseal: boolean; operator: string },
  ): Promise<DeadMessageView & { payload?: string }>;
  /** `reason`, when given, is kept in each `dlq.retried` record (the console asks for one). */
  retryDeadLetters(
    ids: readonly string[] | 'all',
    operator: string,
    reason?: string,
  ): Promise<{ retried: string[] }>;
  replay(req: ReplayRequest): Promise<ReplayReport>;
  /** Creates (or re-keys) an operator; returns the token, shown once and stored only hashed. */
  addOperator(
    name: string,
    role: 'analyst' | 'responder',
  ): Promise<{ name: string; role: string; token: string }>;
  /** The operator whose token hashes to this SHA-256 (hex), if any. */
  operatorFor(tokenHash: string): Promise<{ name: string; role: 'analyst' | 'responder' } | null>;
}
