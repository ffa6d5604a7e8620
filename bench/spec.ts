/**
 * What the benchmark orchestrator (bench/run.ts) asks a worker process (bench/worker.ts) to do, and
 * what the worker sends back. Each scenario runs in a fresh process so that its peak RSS and CPU
 * seconds belong to that scenario alone.
 *
 * Glossary: a *job* is one scenario on one backend (or the naive baseline); a *record* is one
 * revocation as the worker saw it (when its trigger was accepted, when it was verified dead).
 */

import type { HolJob, HolResult } from './hol-spec.js';

export type Backend = 'embedded' | 'kafka';
export interface RateBudget {
  perSecond: number;
  burst: number;
  concurrency: number;
}

export type ScenarioKind = 'leak-burst' | 'fanout' | 'steady';

export interface Scenario {
  /** Stable name used in the table and JSON, e.g. `leak-burst-1k`. */
  id: string;
  kind: ScenarioKind;
  /** Triggers (leak burst, steady) or credentials (fan-out). */
  size: number;
  /** Steady stream only: triggers per second. */
  ratePerSec?: number;
}

export interface ProviderTarget {
  /** `oauth`: RFC 7009/7662 (leak scenarios). `vault`: token accessors (offboarding fan-out). */
  type: 'oauth' | 'vault';
  revocationEndpoint: string;
  introspectionEndpoint: string;
  clientId: string;
  clientSecret: string;
  vaultAddress: string;
  vaultToken: string;
}

export interface WorkerJob {
  /** `template`: only initialise an embedded data dir (templateDir) that later jobs copy. */
  mode: 'pipeline' | 'baseline' | 'template';
  scenario: Scenario;
  backend: Backend;
  provider: ProviderTarget;
  /** Token values (oauth) or accessors (vault); credential `c<i>` holds values[i]. */
  values: string[];
  kafka?: { brokers: string[]; prefix: string; partitions: number };
  databaseUrl?: string;
  /**
   * Embedded only: an initialised data dir to copy. A first start runs initdb inside PGlite, which
   * takes ~13 s and leaves ~500 MB of extra RSS behind; a service restarts on an existing data dir,
   * so that is what each scenario starts from.
   */
  templateDir?: string;
  /**
   * The per-provider rate budget to configure (`rateBudget` in the provider config), when the
   * provider's config schema accepts one; null keeps the adapter's built-in budget.
   */
  budget: RateBudget | null;
  /** Give up (and report what finished) after this long. */
  timeoutMs: number;
}

/** One revocation. Times are ms since the epoch. */
export interface RevocationRecord {
  /** Index into WorkerJob.values. */
  i: number;
  /** Trigger accepted (trigger.receivedAt; for the baseline, when the event arrived). */
  receivedAt: number;
  /** Provider confirmed it dead (task.verifiedAt); null when never verified. */
  verifiedAt: number | null;
  /** When the trigger's plan was committed (its plan.created audit record); baseline: null. */
  plannedAt: number | null;
  /**
   * When the attempt that finished it began (pipeline: its task.attempt audit record committed, i.e.
   * the task was claimed; baseline: the loop picked the event up). Null if never claimed.
   */
  claimedAt: number | null;
  /** When the final state was committed (pipeline: audit transaction; baseline: = verifiedAt). */
  finishedAt: number | null;
  status: string;
  outcome: string | null;
  attempts: number;
  errorCode: string | null;
}

export interface Resources {
  peakRssMb: number;
  /** Peak V8 heap in use (JS objects); the rest of the RSS is native memory and code. */
  peakHeapUsedMb: number;
  rssAtStartMb: number;
  rssAtEndMb: number;
  cpuUserS: number;
  cpuSystemS: number;
}

export interface WorkerResult {
  records: RevocationRecord[];
  /** First trigger handed to tourniquet / the loop. */
  startedAt: number;
  /** Last revocation finished (or the timeout). */
  endedAt: number;
  /** How long the ingest call(s) took to return (all triggers durably accepted). */
  ingestMs: number;
  /** Inventory import and runtime start: not part of the measured window. */
  setupMs: number;
  resources: Resources;
  timedOut: boolean;
  /** The budget the pipeline's provider gate actually used (null for the baseline). */
  budgetInUse: RateBudget | null;
  notes: string[];
}

/**
 * Worker protocol: the orchestrator sends `jobs`; for each job the worker sets up, sends `prepare`
 * and waits for `go` (the orchestrator resets the FAKE provider in between), runs, sends `result`.
 */
export type ToWorker =
  { type: 'jobs'; jobs: WorkerJob[] } | { type: 'hol'; jobs: HolJob[] } | { type: 'go'; index: number };
export type FromWorker =
  | { type: 'prepare'; index: number }
  | { type: 'result'; index: number; result: WorkerResult }
  | { type: 'hol-result'; index: number; result: HolResult }
  | { type: 'error'; index: number; message: string };
