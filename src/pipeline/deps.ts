/**
 * What the pipeline stages depend on: ports only (store, bus, providers, clock, crypto), never an
 * adapter. The composition root (src/main.ts) builds this once.
 */
import type { Discoverer } from '../discovery/port.js';
import type { AuditCheckpoint, AuditRecord } from '../../schemas/audit.js';
import type { Config } from '../../schemas/config.js';
import type { AuditIntegrity } from '../audit/verify.js';
import type { Bus } from '../bus/port.js';
import type { Fingerprinter } from '../crypto/fingerprint.js';
import type { Sealer } from '../crypto/seal.js';
import type { Logger } from '../logger.js';
import type { Provider, ProviderTask } from '../providers/port.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { LeakReference } from '../../schemas/trigger.js';
import type { Store } from '../store/port.js';
import type { PipelineEvents } from './events.js';
import type { SharedAdmission } from './admission/port.js';
import type { Attempt } from './lease.js';

export interface TokenClass {
  tokenType: string;
  providerType: string | null;
}

export interface PipelineDeps {
  store: Store;
  /** The audit key and anchors: what `audit verify` checks the chain with. */
  audit: AuditIntegrity;
  /** This process's checkpoint writer (src/audit/checkpointer.ts), for `audit reanchor`. */
  checkpoints?: { reanchor(): Promise<AuditCheckpoint> };
  bus: Bus;
  providers: ProviderRegistry;
  logger: Logger;
  clock: () => Date;
  fingerprint: Fingerprinter;
  sealer: Sealer;
  classify: (token: string) => TokenClass;
  /** `kafka` names the topics in messaging span attributes (src/observe/trace-context.ts). */
  config: Pick<Config, 'policy' | 'retry' | 'kafka' | 'drift'>;
  /** Per-lane rate budgets, concurrency limits and circuit breakers, shared by every worker. */
  admission: SharedAdmission;
  /**
   * Routes runnable tasks into this process's lanes without the task topic (small batches,
   * src/pipeline/dispatch.ts); absent where no lanes run (CLI one-shots publish instead).
   */
  dispatch?: (
    tasks: readonly {
      taskId: string;
      key: string;
      provider: string | null;
      trace?: Record<string, string>;
    }[],
  ) => Promise<void>;
  /** Gathers batchable tasks (GitHub revoke-by-value) into provider batch calls (src/pipeline/batcher.ts). */
  batcher?: { submit(provider: Provider, attempt: Attempt, input: ProviderTask): void };
  /**
   * Fetches the secret of a finding whose event omitted it (GitHub secret-scanning alert) from the
   * reporter's API; null when the reporter no longer has it.
   */
  resolveReference?: (ref: LeakReference, signal: AbortSignal) => Promise<string | null>;
  /** Metrics and notifications observe the pipeline through these events. */
  events?: PipelineEvents;
  /** One discoverer per configured instance whose type has one (`inventory sync`, src/discovery). */
  discoverers?: readonly Discoverer[];
  /**
   * This worker (src/pipeline/presence.ts): its id holds leases and admission slots; its signal
   * aborts while it cannot beat. Absent where no workers run (CLI one-shots, some tests).
   */
  presence?: { readonly id: string; readonly signal: AbortSignal };
  /** Receives audit records after their transaction committed (the Kafka audit topic). */
  onAudit?: (records: readonly AuditRecord[]) => Promise<void>;
}

export const now = (deps: Pick<PipelineDeps, 'clock'>): string => deps.clock().toISOString();
