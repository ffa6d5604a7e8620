/**
 * The audit hash chain. hash(n) = HMAC-SHA256(audit key, hash(n-1) || canonical JSON of record n's
 * content). Editing a record changes its hash; deleting one breaks the prev-hash link or the seq
 * sequence; and without the audit key (kept outside the store) nobody can compute the hash of a
 * forged or rewritten record. Truncation and wipes are caught against signed anchors (anchor.ts).
 *
 * Legacy records: chains written before keyed hashing used plain SHA-256. The migration that
 * introduced keys froze the head seq at that moment as `legacySeq`; records up to it still verify
 * with SHA-256 (and are counted as legacy), every later one must carry a keyed hash. Moving the
 * boundary is caught against the anchors, which sign it.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AuditRecord } from '../../schemas/audit.js';
import { canonicalJson } from '../util/canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditContent = Omit<AuditRecord, 'prevHash' | 'hash'>;

function body(content: AuditContent): string {
  return canonicalJson({
    seq: content.seq,
    at: content.at,
    type: content.type,
    actor: content.actor,
    triggerId: content.triggerId,
    planId: content.planId,
    taskId: content.taskId,
    credentialId: content.credentialId,
    data: content.data,
  });
}

/** The keyed hash of a record: what every record written since keyed hashing carries. */
export function chainHash(key: Buffer, prevHash: string, content: AuditContent): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(body(content)).digest('hex');
}

/** The unkeyed hash of records written before the audit key existed (seq ≤ legacySeq). */
export function legacyChainHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(body(content)).digest('hex');
}

export type ChainProblemKind = 'hash_mismatch' | 'broken_link' | 'missing_record' | 'head_mismatch';

export interface ChainProblem {
  seq: number;
  problem: ChainProblemKind;
}

/** Streams over records in seq order and reports the first problems found (all of them, bounded). */
export class ChainVerifier {
  private prevHash: string;
  private expectedSeq: number;
  readonly problems: ChainProblem[] = [];
  /** Hash of every record at a seq someone asked for (anchored seqs), as stored. */
  private readonly watched = new Map<number, string>();
  count = 0;
  legacy = 0;
  /** The first record whose hash does not verify. */
  firstMismatch: number | null = null;
  /** Where the run of mismatching records that reaches the last record seen starts. */
  mismatchRun: number | null = null;
  /** The last record seen (seq 0 / genesis before any). */
  last = { seq: 0, hash: GENESIS_HASH };

  constructor(
    private readonly key: Buffer,
    private readonly legacySeq: number,
    /** Start after a trusted point (an anchor) instead of the genesis. */
    private readonly start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
    private readonly watch: ReadonlySet<number> = new Set(),
  ) {
    this.prevHash = start.hash;
    this.expectedSeq = start.seq + 1;
    this.last = { seq: start.seq, hash: start.hash };
  }

  add(r: AuditRecord): void {
    this.count++;
    if (r.seq !== this.expectedSeq) this.report({ seq: this.expectedSeq, problem: 'missing_record' });
    if (r.prevHash !== this.prevHash) this.report({ seq: r.seq, problem: 'broken_link' });
    const legacy = r.seq <= this.legacySeq;
    if (legacy) this.legacy++;
    const expected = legacy ? legacyChainHash(r.prevHash, r) : chainHash(this.key, r.prevHash, r);
    if (expected !== r.hash) {
      this.report({ seq: r.seq, problem: 'hash_mismatch' });
      this.firstMismatch ??= r.seq;
      this.mismatchRun ??= r.seq;
    } else {
      this.mismatchRun = null;
    }
    if (this.watch.has(r.seq)) this.watched.set(r.seq, r.hash);
    this.prevHash = r.hash;
    this.expectedSeq = r.seq + 1;
    this.last = { seq: r.seq, hash: r.hash };
  }

  /** The stored hash of a watched seq, if a record with it was seen. */
  hashAt(seq: number): string | undefined {
    return this.watched.get(seq);
  }

  finish(head: { seq: number; hash: string }): ChainProblem[] {
    return this.finishBetween(head, head);
  }

  /**
   * For a chain that may grow while it is read: `before` is the head read before the first page,
   * `after` the head read after the last. The chain must reach `before` with its hash (else it was
   * cut back) and must not go past `after` (else records were added without moving the head).
   */
  finishBetween(before: { seq: number; hash: string }, after: { seq: number; hash: string }): ChainProblem[] {
    const atBefore =
      before.seq === this.last.seq
        ? this.last.hash
        : before.seq === this.start.seq
          ? this.start.hash
          : this.watched.get(before.seq);
    if (this.last.seq < before.seq || atBefore !== before.hash) {
      this.report({ seq: before.seq, problem: 'head_mismatch' });
    } else if (this.last.seq > after.seq || (this.last.seq === after.seq && this.last.hash !== after.hash)) {
      this.report({ seq: after.seq, problem: 'head_mismatch' });
    }
    return this.problems;
  }

  private report(p: ChainProblem): void {
    if (this.problems.length < 100) this.problems.push(p);
  }
}
