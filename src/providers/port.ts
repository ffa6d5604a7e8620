/**
 * The provider port: one adapter per external system (src/providers/<name>.ts), all passing the
 * conformance suite in test/contract/providers. An adapter never imports the pipeline: it receives
 * a task and returns an outcome, or throws a TourniquetError whose `retriable` and `retryAfterMs`
 * tell the retry layer what to do. "Already revoked / already gone" is an outcome, not an error.
 *
 * Adapters turn SDK retries off; the pipeline's retry layer owns backoff, jitter and budgets.
 */
import type { Action } from '../../schemas/plan.js';

export interface Capabilities {
  /** Actions this adapter performs, per credential kind (`*` = any kind it owns). */
  actions: Partial<Record<string, readonly Action[]>>;
  /** Whether `verify` can prove a credential dead. */
  canVerify: boolean;
  /** Actions that can be undone (IAM key deactivation, KV soft delete). */
  reversible: readonly Action[];
  /** Largest batch one call takes (GitHub /credentials/revoke: 1000); 1 when not batching. */
  maxBatch: number;
  /** Sustained request budget and burst, per provider account. */
  rateBudget: { perSecond: number; burst: number; concurrency: number };
  /** How long a revocation may take to become visible to `verify`. */
  propagationMs: number;
  /**
   * Kinds × actions whose providerId may be a person's account at this instance (her `identities`
   * entry), so that an offboarding can close her account from her identity alone.
   */
  acceptsIdentity?: Partial<Record<string, readonly Action[]>>;
  /** Accounts this instance acts in (AWS account ids), when configured. */
  accounts?: readonly string[];
  /** Kinds × actions that write a new value to the credential's `rotateTo` destination (IAM key rotation). */
  needsDestination?: Partial<Record<string, readonly Action[]>>;
  /**
   * Verify before a task's first attempt too, so a credential that was already dead is recorded
   * `already_revoked`. Costs one call per task. Re-attempts are always verified first.
   */
  precheckFirstAttempt?: boolean;
}

/** What the adapter is given: never the store row, never the sealed blob. */
export interface ProviderTask {
  taskId: string;
  action: Action;
  credentialKind: string;
  credentialId: string | null;
  providerId?: string | undefined;
  scopes?: readonly string[];
  labels?: Readonly<Record<string, string>>;
  /**
   * A forced replay: perform the action even if a pre-check says it is already done (the operator
   * does not trust that answer).
   */
  force?: boolean;
  /**
   * Whether the adapter should check liveness before acting. The pipeline passes false: it verifies
   * re-attempts itself, through the provider's rate gate, and a first attempt has no earlier call
   * that could have revoked it. Absent (the adapter used on its own): the adapter checks, so that
   * executing twice reports `already_revoked`.
   */
  precheck?: boolean;
  /** The raw secret, unsealed in memory only for the call; absent unless the action needs it. */
  secret?: string | undefined;
  /** Rotation: where the new value goes (another provider instance's secret store). */
  rotateTo?: RotationDestination | undefined;
}

/**
 * A place that holds a rotated value (a Secrets Manager secret, a Vault KV path), bound to one task:
 * writing twice for the same task writes one version, and `written` tells whether this task's value
 * is the current one there (so a re-attempt does not rotate again).
 */
export interface RotationDestination {
  readonly provider: string;
  readonly providerId: string;
  written(signal: AbortSignal): Promise<boolean>;
  /** The value goes to the destination and nowhere else; never logged. */
  write(value: string, signal: AbortSignal): Promise<void>;
}

export type ExecuteOutcome = 'revoked' | 'already_revoked';

export interface ExecuteResult {
  outcome: ExecuteOutcome;
  /** A rotation replaced the credential's provider-side id (an IAM key's new access key id). */
  newProviderId?: string;
  /** Provider-side facts worth auditing (request ids, status codes); never secrets. */
  details?: Record<string, string | number | boolean>;
}

export type Liveness = 'dead' | 'alive' | 'unknown';

export interface VerifyResult {
  liveness: Liveness;
  details?: Record<string, string | number | boolean>;
}

export interface Provider {
  /** The configured instance name (credential.provider refers to it). */
  readonly name: string;
  /** Provider type (`oauth`, `github`, `slack`, `aws`, `vault`). */
  readonly type: string;
  readonly capabilities: Capabilities;
  /** Whether this adapter needs the secret value for the task (revoke-by-value, RFC 7009). */
  needsSecret(task: Pick<ProviderTask, 'action' | 'credentialKind'>): boolean;
  execute(task: ProviderTask, signal: AbortSignal): Promise<ExecuteResult>;
  /**
   * Optional batch endpoint (GitHub's /credentials/revoke: 1000 tokens a call, 60 calls an hour).
   * The pipeline gathers accepted tasks and calls `execute` with up to `limits.maxBatch` of them
   * under the batch's own rate budget; results come back in task order.
   */
  batch?: {
    limits: Pick<Capabilities, 'maxBatch' | 'rateBudget'>;
    accepts(task: Pick<ProviderTask, 'action' | 'credentialKind'>): boolean;
    execute(tasks: readonly ProviderTask[], signal: AbortSignal): Promise<ExecuteResult[]>;
  };
  verify(task: ProviderTask, signal: AbortSignal): Promise<VerifyResult>;
  /**
   * The account a credential id belongs to (AWS: STS GetAccessKeyInfo), so that a leaked key that is
   * not in the inventory goes to the instance of its account. Null when the provider cannot tell.
   */
  accountOf?(providerId: string, signal: AbortSignal): Promise<string | null>;
  /** This instance as a rotation destination (`writesValues`), for the task `taskId`. */
  destination?(providerId: string, taskId: string): RotationDestination;
  close?(): Promise<void>;
}
