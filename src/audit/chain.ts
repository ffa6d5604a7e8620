/**
 * The audit hash chain. hash(n) = SHA-256(hash(n-1) || canonical JSON of record n's content).
 * Editing a record changes its hash; deleting one breaks the prev-hash link or the seq sequence;
 * truncating the tail is caught against the stored chain head.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../schemas/audit.js';
import { canonicalJson } from '../util/canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditContent = Omit<AuditRecord, 'prevHash' | 'hash'>;

export function chainHash(prevHash: string, content: AuditContent): string {
  const body = canonicalJson({
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
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface ChainProblem {
  seq: number;
  problem: 'hash_mismatch' | 'broken_link' | 'missing_record' | 'head_mismatch';
}

/** Streams over records in seq order and reports the first problems found (all of them, bounded). */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private expectedSeq = 1;
  readonly problems: ChainProblem[] = [];
  count = 0;

  add(r: AuditRecord): void {
    this.count++;
    if (r.seq !== this.expectedSeq) this.report({ seq: this.expectedSeq, problem: 'missing_record' });
    if (r.prevHash !== this.prevHash) this.report({ seq: r.seq, problem: 'broken_link' });
    if (chainHash(r.prevHash, r) !== r.hash) this.report({ seq: r.seq, problem: 'hash_mismatch' });
    this.prevHash = r.hash;
    this.expectedSeq = r.seq + 1;
  }

  finish(head: { seq: number; hash: string }): ChainProblem[] {
    if (head.seq !== this.expectedSeq - 1 || head.hash !== this.prevHash) {
      this.report({ seq: head.seq, problem: 'head_mismatch' });
    }
    return this.problems;
  }

  private report(p: ChainProblem): void {
    if (this.problems.length < 100) this.problems.push(p);
  }
}
