/**
 * Where `recordAudit` entries go, and who hears of them once they are on the chain.
 *
 * Inline (the embedded store: one connection, so nobody else ever holds the head): the entries are
 * chained in their transaction, and its listeners hear of them after the commit.
 * After commit (PostgreSQL: several processes and connections): the entries wait in the outbox
 * (audit-outbox.ts) and one chainer per process, coalescing, moves them onto the chain shortly
 * after each commit; a sweep picks up what a crashed process left. Listeners hear of each batch
 * once its chaining committed, in chain order.
 *
 * A listener's failure (publishing the trail to Kafka) never undoes the state change: it is
 * reported to `onError`, like every other after-commit observer.
 */
import type { AuditEntry, AuditRecord } from '../../schemas/audit.js';
import { appendAudit, type HeadHint } from './audit-sql.js';
import { CHAIN_BATCH, chainOutbox, outboxWaiting, stageAudit } from './audit-outbox.js';
import type { Db } from './db.js';

export type AuditListener = (records: readonly AuditRecord[]) => Promise<void>;

/** How often the sweep looks for rows nobody kicked (a process that crashed after its commit). */
const SWEEP_MS = 1_000;

/** What one transaction recorded: delivered, or chained, after it commits. */
export interface Recorded {
  records: AuditRecord[];
  staged: boolean;
}

export class AuditTrail {
  private readonly listeners: AuditListener[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private readonly sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly head: HeadHint,
    private readonly afterCommit: boolean,
    private readonly onError: (e: unknown) => void,
  ) {
    if (afterCommit) {
      this.sweep = setInterval(() => void this.flush().catch(onError), SWEEP_MS);
      this.sweep.unref();
    }
  }

  listen(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /** Inside a transaction: chains now (inline) or stages (after commit). */
  async record(tx: Db, into: Recorded, entries: readonly AuditEntry[], now: string): Promise<void> {
    if (this.afterCommit) {
      await stageAudit(tx, entries, now);
      into.staged ||= entries.length > 0;
    } else {
      into.records.push(...(await appendAudit(tx, this.head, entries, now)));
    }
  }

  /** The transaction committed: tell the listeners, or have the chainer take the rows. */
  async committed(r: Recorded): Promise<void> {
    if (r.records.length > 0) await this.deliver(r.records);
    // Not awaited: the chain is off this caller's path; flush() waits when a reader needs it.
    if (r.staged) this.kick().catch(this.onError);
  }

  /** Resolves once everything committed before the call is chained and delivered. */
  async flush(): Promise<void> {
    if (!this.afterCommit) return;
    if (this.running || (await outboxWaiting(this.db))) await this.kick();
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    // What cannot be chained now stays in the outbox for the next process.
    await this.flush().catch(this.onError);
  }

  /**
   * One chainer per process. A kick while it runs makes it look once more before it ends, so the
   * promise returned covers a pass that began after the kick.
   */
  private kick(): Promise<void> {
    this.again = true;
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.again) {
        this.again = false;
        let chained: AuditRecord[];
        do {
          chained = await chainOutbox(this.db, this.head);
          if (chained.length > 0) await this.deliver(chained);
        } while (chained.length === CHAIN_BATCH);
      }
    } finally {
      // In the same turn as the last look at `again`: a later kick starts a new loop.
      this.running = null;
    }
  }

  private async deliver(records: readonly AuditRecord[]): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(records);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
