/**
 * Poison bound: wraps a topic handler so that no single message can hold its partition (Kafka) or
 * its slot (local log) forever. The bus retries a handler that throws, in place; this layer decides
 * whether that retry is worth it:
 *
 * - infrastructure failure (store or broker unreachable): retried in place for as long as it
 *   lasts, nothing is dead-lettered, and `stalled()` reports it so that /readyz says not ready;
 * - deterministic failure (the store rejects the data, a non-retriable error): dead-lettered at
 *   once with its reason and attempt history, and the partition moves on;
 * - anything else: retried up to `maxAttempts` deliveries, then dead-lettered the same way.
 *
 * An error that does not say what it is is checked against the store (`probe`): when the store
 * does not answer either, the failure is the store's, not the message's.
 *
 * Attempt counts live in memory: after a restart a message gets `maxAttempts` again, which still
 * bounds it. The map is capped so that messages rebalanced away (Kafka) cannot grow it forever.
 */
import type { InMessage, MessageHandler } from '../bus/port.js';
import { isTourniquetError, TourniquetError, type ErrorCode } from '../errors.js';

export type FailureKind = 'infrastructure' | 'deterministic' | 'transient';

export interface Attempt {
  at: string;
  code: string;
  kind: FailureKind;
}

export interface Stall {
  since: string;
  code: string;
  topic: string;
}

export interface PoisonGuardOptions {
  maxAttempts: number;
  /** Dead-letters a message; throwing (bus down) leaves it to be delivered again. */
  deadLetter: (msg: InMessage, err: TourniquetError, attempts: readonly Attempt[]) => Promise<void>;
  /** Resolves when the store answers; rejects (or times out) when it does not. */
  probe?: () => Promise<unknown>;
  clock?: () => Date;
  probeTimeoutMs?: number;
}

const INFRASTRUCTURE: ReadonlySet<ErrorCode> = new Set([
  'STORE_UNAVAILABLE',
  'BUS_UNAVAILABLE',
  'SERVICE_UNREACHABLE',
  'DATA_DIR_LOCKED',
]);
const MAX_TRACKED = 10_000;

/** SQLSTATE classes: connection (08), resources (53), operator intervention (57), system (58). */
const SQL_INFRASTRUCTURE = new Set(['08', '53', '57', '58']);
/** Data exception (22), integrity constraint (23), syntax or access rule (42), program limit (54). */
const SQL_DETERMINISTIC = new Set(['22', '23', '42', '54']);

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyFailure(e: unknown): FailureKind {
  if (isTourniquetError(e)) {
    if (INFRASTRUCTURE.has(e.code)) return 'infrastructure';
    return e.retriable ? 'transient' : 'deterministic';
  }
  const code = errorCode(e);
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const cls = code.slice(0, 2);
    if (SQL_INFRASTRUCTURE.has(cls)) return 'infrastructure';
    if (SQL_DETERMINISTIC.has(cls)) return 'deterministic';
    return 'transient';
  }
  // Node system errors: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOSPC…
  if (code && /^E[A-Z]+$/.test(code)) return 'infrastructure';
  return 'transient';
}

/**
 * A secret-free error for the dead letter: our own errors are secret-free by rule; a foreign one
 * (a driver error) is named by its class and SQLSTATE only, since its message may quote values.
 */
function describe(e: unknown, kind: FailureKind, attempts: number): TourniquetError {
  if (isTourniquetError(e)) return e;
  const name = e instanceof Error ? e.name : typeof e;
  const code = errorCode(e);
  const what = code ? `${name} (${code})` : name;
  const why =
    kind === 'deterministic' ? 'the store rejected the message' : `handling failed ${attempts} times`;
  return new TourniquetError('INTERNAL', `${why}: ${what}`, { details: { error: what } });
}

export class PoisonGuard {
  private readonly attempts = new Map<string, Attempt[]>();
  private stall: Stall | undefined;

  constructor(private readonly opts: PoisonGuardOptions) {
    if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1) {
      throw new TourniquetError('INVALID_CONFIG', 'delivery.maxAttempts must be a positive integer');
    }
  }

  /** Set while some handler is failing on infrastructure; cleared by the next success. */
  stalled(): Stall | undefined {
    return this.stall;
  }

  wrap(handler: MessageHandler): MessageHandler {
    return async (msg) => {
      const key = `${msg.topic}|${msg.partition}|${msg.offset}`;
      try {
        await handler(msg);
      } catch (e) {
        await this.failed(key, msg, e);
        return;
      }
      this.attempts.delete(key);
      this.stall = undefined;
    };
  }

  /** Throws to have the message delivered again; returns once it was dead-lettered. */
  private async failed(key: string, msg: InMessage, e: unknown): Promise<void> {
    let kind = classifyFailure(e);
    if (kind !== 'infrastructure' && !(await this.storeAnswers())) kind = 'infrastructure';
    const at = (this.opts.clock?.() ?? new Date()).toISOString();
    const code = isTourniquetError(e) ? e.code : (errorCode(e) ?? (e instanceof Error ? e.name : 'unknown'));
    if (kind === 'infrastructure') {
      this.stall ??= { since: at, code, topic: msg.topic };
      throw e;
    }
    const history = [...(this.attempts.get(key) ?? []), { at, code, kind }];
    this.attempts.delete(key);
    this.attempts.set(key, history);
    if (this.attempts.size > MAX_TRACKED) this.attempts.delete(this.attempts.keys().next().value!);
    if (kind === 'transient' && history.length < this.opts.maxAttempts) throw e;
    try {
      await this.opts.deadLetter(msg, describe(e, kind, history.length), history);
    } catch (dlqError) {
      if (classifyFailure(dlqError) === 'infrastructure') throw dlqError;
      // The dead letter itself was refused (something of the message in its reason): a bare one,
      // so that even then the message cannot hold its partition.
      const bare = new TourniquetError(
        'INTERNAL',
        'dead-lettered without its reason: the reason was refused',
      );
      await this.opts.deadLetter(msg, bare, history);
    }
    this.attempts.delete(key);
  }

  private async storeAnswers(): Promise<boolean> {
    const probe = this.opts.probe;
    if (!probe) return true;
    const ms = this.opts.probeTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('store probe timed out')), ms);
    });
    try {
      await Promise.race([probe(), timeout]);
      return true;
    } catch {
      // The probe's own error is not the message's failure; only "no answer" matters here.
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
