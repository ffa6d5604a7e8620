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
import { checkpointSignedBy, signCheckpoint, type ChainPoint } from './anchor.js';
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

export class Checkpointer {
  private last: ChainPoint | null = null;
  private sinceLast = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: CheckpointerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.checkpoint(), this.opts.everyMs);
    this.timer.unref();
  }

  /** Called with the records of every committed append of this process. */
  noteAppended(records: readonly AuditRecord[]): void {
    this.sinceLast += records.length;
    if (this.sinceLast >= this.opts.everyRecords) {
      this.sinceLast = 0;
      void this.checkpoint();
    }
  }

  /** Checkpoints the current head (one at a time); resolves once written or refused. */
  checkpoint(): Promise<void> {
    const next = this.running.then(() => this.write());
    this.running = next.catch((e: unknown) =>
      this.opts.logger.error({ err: errorName(e) }, 'audit checkpoint failed'),
    );
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.checkpoint();
  }

  private async write(): Promise<void> {
    const { store, integrity, logger } = this.opts;
    const head = await store.auditHead();
    const from = this.last ?? (await this.trustedStart());
    if (head.seq === from.seq && head.hash === from.hash && head.legacySeq === from.legacySeq) return;
    const problem = await this.extends(from, head);
    if (problem) {
      logger.error(
        { fromSeq: from.seq, headSeq: head.seq, problem },
        'audit chain does not extend the last checkpoint; not anchoring it (run tourniquet audit verify)',
      );
      return;
    }
    const c = signCheckpoint(head, this.opts.clock().toISOString(), integrity.anchorKey);
    const results = await Promise.allSettled(integrity.anchors.map((a) => a.append(c)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        logger.error(
          { anchor: integrity.anchors[i]?.name, err: errorName(r.reason) },
          'audit anchor write failed',
        );
      }
    });
    this.last = head;
    this.sinceLast = 0;
  }

  /**
   * Where to verify from: the newest checkpoint in the anchors that is ours and still matches the
   * stored record at its seq; the genesis otherwise (a new chain, or legacy records never anchored).
   */
  private async trustedStart(): Promise<ChainPoint> {
    const { store, integrity } = this.opts;
    const genesis = { seq: 0, hash: GENESIS_HASH, legacySeq: (await store.auditHead()).legacySeq };
    const newest = await Promise.all(integrity.anchors.map((a) => a.newest().catch(() => null)));
    let best: ChainPoint | null = null;
    for (const c of newest) {
      if (!c || !checkpointSignedBy(c, integrity.anchorKey)) continue;
      if (!best || c.seq > best.seq) best = { seq: c.seq, hash: c.hash, legacySeq: c.legacySeq };
    }
    return best ?? genesis;
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
