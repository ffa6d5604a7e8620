/**
 * The fairness scenarios (issue 11): a slow, down or rate-limited provider instance next to a fast
 * one, and the same fast work alone as the control, in the same run.
 *
 * - `hol-slow`: the slow instance answers every call after 5 s;
 * - `hol-down`: the slow instance answers 503 for the whole run;
 * - `hol-ratelimited`: the slow instance allows 20 calls a minute (429 + Retry-After past it).
 * Each run: one offboarding fanning out to N credentials at the slow instance and N at the fast one
 * (100 calls/s), and leak triggers for the fast instance arriving at `leakRate`/s for `leakSeconds`.
 * Both instances are Vault instances (token accessors), as in the fan-out scenario: an offboarding
 * revokes by id, and a leak names the accessor (`providerKeyId`) as a scanner that reports key ids.
 * The run ends when every fast task is final; the slow work need not finish.
 */
import type { RateBudget } from './spec.js';

export type HolKind = 'hol-slow' | 'hol-down' | 'hol-ratelimited';

export interface HolScenario {
  /** e.g. `hol-slow-200`, and `hol-slow-200 (control)` for the control. */
  id: string;
  kind: HolKind;
  /** The control runs the same fast work without the slow instance. */
  control: boolean;
  /** Offboarded credentials per instance. */
  n: number;
  leakRate: number;
  leakSeconds: number;
  /**
   * The run lasts at least this long even when the fast work is done (hol-down: long enough for
   * the breaker's intervals and the deferral churn at the down instance to show).
   */
  minRunMs: number;
}

export interface HolInstance {
  /** The provider instance's name in the service config (and the fake's instance name). */
  name: string;
  /** Vault API address of the fake's named instance (`<fake>/i/<name>`). */
  vaultAddress: string;
  vaultToken: string;
  /** `rateBudget` to configure for this instance; null keeps the adapter's own. */
  budget: RateBudget | null;
}

export interface HolJob {
  scenario: HolScenario;
  fast: HolInstance;
  slow: HolInstance | null;
  /** Token accessors: offboarded at the fast instance, at the slow one, and leaked (fast). */
  fastValues: string[];
  slowValues: string[];
  leakValues: string[];
  templateDir?: string;
  timeoutMs: number;
}

/** Which group a credential (by its inventory id) belongs to. */
export type Group = 'fast' | 'slow' | 'leak';
/**
 * Credential ids sort the slow instance's first: the offboarding's tasks are queued in credential
 * order, so the slow ones reach the workers first, the order in which head-of-line blocking bites.
 */
export const CREDENTIAL_PREFIX: Record<Group, string> = { slow: 'a-slow-', fast: 'b-fast-', leak: 'c-leak-' };

export interface GroupResult {
  tasks: number;
  /** Final: revoked, already revoked or dead-lettered. */
  final: number;
  /** Final as revoked or already revoked. */
  revoked: number;
  /** task.attempt audit records: claims that started an attempt. */
  claims: number;
  /** ms from the run's start to the last of the group's tasks final; null while any is not. */
  doneMs: number | null;
  /** Per final task: trigger sent → final state committed, ms. */
  latencyMs: number[];
}

export interface HolResult {
  startedAt: number;
  endedAt: number;
  timedOut: boolean;
  groups: Record<Group, GroupResult>;
  notes: string[];
}
