/**
 * Writes signed checkpoints of the chain head to every anchor: after every `everyRecords` records
 * this process appended, at least every `everyMs` while the chain grows, and once more on stop.
 *
 * A checkpoint is only written for a head that extends the previous one: the records since the last
 * checkpoint are verified first (keyed hashes, links, head). A store that was cut back, wiped or
 * rewritten underneath the service is therefore never laundered into a fresh anchor; it is logged
 * (`audit chain does not extend the last checkpoint`) and left for `audit verify` to name.
 */
import type { AuditRecord } from '../../schemas/audit.js';
import type { Logger } from '../logger.js';
import type { StoreOps } from '../store/port.js';
import type { AuditCheckpoint } from '../../schemas/audit.js';
import { TourniquetError } from '../errors.js';
import { checkpointSignedBy, newestOf, signCheckpoint, type ChainPoint } from './anchor.js';
import { ChainVerifier, GENESIS_HASH } from './chain.js';
import { auditRecords, type AuditIntegrity } from './verify.js';

export interface CheckpointerOptions {
  store: Pick<StoreOps, 'listAudit' | 'auditHead'>;
  integrity: AuditIntegrity;
  clock: () => Date;
  logger: Logger;
  everyRecords: number;
  everyMs: number;
}

type Anchored = ChainPoint & { epoch: number };

/** How long a stop waits for its final checkpoint. */
const STOP_CHECKPOINT_MS = 5_000;

export class Checkpointer {
  private last: Anchored | null = null;
  private priming: Promise<Anchored | null> | undefined;
  private sinceLast = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Whether this process ran workers or appended: a read-only CLI run checkpoints nothing. */
  private started = false;

  constructor(private readonly opts: CheckpointerOptions) {}

  start(): void {
    this.started = true;
    this.timer = setInterval(() => void this.checkpoint(), this.opts.everyMs);
    this.timer.unref();
    // Finding the newest anchored checkpoint can take seconds (the Kafka anchor reads its topic):
    // done now, in the background, so neither the first checkpoint nor a stop waits for it.
    this.priming = this.trustedStart().then(
      (a) => a,
      (e: unknown) => {
        this.opts.logger.warn({ err: errorName(e) }, 'newest audit checkpoint not read at start');
        return null;
      },
    );
  }

  /** Called with the records of every committed append of this process. */
  noteAppended(records: readonly AuditRecord[]): void {
    this.started = true;
    this.sinceLast += records.length;
    if (this.sinceLast >= this.opts.everyRecords) {
      this.sinceLast = 0;
      void this.checkpoint();
    }
  }

  /** Checkpoints the current head (one at a time); resolves once written or refused. */
  checkpoint(): Promise<void> {
    const next = this.running.then(() => this.write(false));
    this.running = next.then(
      () => undefined,
      (e: unknown) => this.opts.logger.error({ err: errorName(e) }, 'audit checkpoint failed'),
    );
    return this.running;
  }

  /**
   * `audit reanchor`: after an operator has investigated damage (and audited that), anchors the
   * head as it is, in a new epoch, so checkpoints resume. Throws when no anchor took it.
   */
  async reanchor(): Promise<AuditCheckpoint> {
    const next = this.running.then(() => this.write(true));
    this.running = next.then(
      () => undefined,
      () => undefined,
    );
    const c = await next;
    if (!c) throw new TourniquetError('INTERNAL', 'no audit anchor accepted the checkpoint');
    return c;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (!this.started) return;
    // A stop is on a deadline (a pod's grace period): the last checkpoint gets a bounded time, and
    // what it could not anchor is the window since the previous one (README: Security model).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), STOP_CHECKPOINT_MS);
    });
    const outcome = await Promise.race([this.checkpoint().then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      this.opts.logger.warn({ waitedMs: STOP_CHECKPOINT_MS }, 'final audit checkpoint not written in time');
    }
  }

  private async write(force: boolean): Promise<AuditCheckpoint | null> {
    const { store, integrity, logger } = this.opts;
    const head = await store.auditHead();
    const from = this.last ?? (await this.priming) ?? (await this.trustedStart());
    const same = head.seq === from.seq && head.hash === from.hash && head.legacySeq === from.legacySeq;
    if (same && !force) return null;
    const problem = force ? null : await this.extends(from, head);
    if (problem) {
      logger.error(
        { fromSeq: from.seq, headSeq: head.seq, problem },
        'audit chain does not extend the last checkpoint; not anchoring it (run tourniquet audit verify)',
      );
      return null;
    }
    const epoch = force ? from.epoch + 1 : from.epoch;
    const c = signCheckpoint(head, epoch, this.opts.clock().toISOString(), integrity.anchorKey);
    const results = await Promise.allSettled(integrity.anchors.map((a) => a.append(c)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        logger.error(
          { anchor: integrity.anchors[i]?.name, err: errorName(r.reason) },
          'audit anchor write failed',
        );
      }
    });
    this.last = { ...head, epoch };
    this.sinceLast = 0;
    return results.some((r) => r.status === 'fulfilled') ? c : null;
  }

  /**
   * Where to verify from: the newest checkpoint in the anchors that is ours and still matches the
   * stored record at its seq; the genesis otherwise (a new chain, or legacy records never anchored).
   */
  private async trustedStart(): Promise<Anchored> {
    const { store, integrity } = this.opts;
    const newest = await Promise.all(integrity.anchors.map((a) => a.newest().catch(() => null)));
    const best = newestOf(newest.filter((c) => c !== null && checkpointSignedBy(c, integrity.anchorKey)));
    if (best) return { seq: best.seq, hash: best.hash, legacySeq: best.legacySeq, epoch: best.epoch };
    return { seq: 0, hash: GENESIS_HASH, legacySeq: (await store.auditHead()).legacySeq, epoch: 0 };
  }

  /** Null when the chain from `from` to `head` verifies; else what is wrong. */
  private async extends(from: ChainPoint, head: ChainPoint): Promise<string | null> {
    if (head.legacySeq !== from.legacySeq) return 'legacy_boundary_moved';
    if (head.seq < from.seq) return 'behind_checkpoint';
    if (from.seq > 0) {
      const [at] = await this.opts.store.listAudit({ afterSeq: from.seq - 1, limit: 1 });
      if (at?.seq !== from.seq || at.hash !== from.hash) return 'checkpointed_record_changed';
    }
    const v = new ChainVerifier(this.opts.integrity.key, head.legacySeq, from);
    for await (const r of auditRecords(this.opts.store, 1000, from.seq)) {
      // Records past the head read before are later appends: the next checkpoint covers them.
      if (r.seq > head.seq) break;
      v.add(r);
    }
    const problems = v.finish(head);
    return problems[0] ? `${problems[0].problem} at seq ${problems[0].seq}` : null;
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${(e as { code?: string }).code ?? ''}` : typeof e;
}
