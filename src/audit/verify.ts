/**
 * `audit verify`: walks the whole audit trail in pages, checks every record's keyed hash and link,
 * the stored head, and the chain against the newest checkpoint of every anchor. Problems are
 * classified into the kind of damage they show (`AuditDamage`), each with its own code and exit
 * status, so a responder knows whether records were edited, deleted, forged, rehashed, cut off or
 * wiped.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditRecord } from '../../schemas/audit.js';
import { isTourniquetError } from '../errors.js';
import type { StoreOps } from '../store/port.js';
import { checkpointSignedBy, type Anchor } from './anchor.js';
import { ChainVerifier, type ChainProblem } from './chain.js';

/**
 * What was done to the trail, most severe first:
 * - `wiped`: the chain is empty but an anchor saw records;
 * - `truncated`: the chain ends before a record an anchor saw (or before its own stored head);
 * - `rehashed`: anchored history was rewritten and re-chained (its hash at an anchored seq differs);
 * - `forged`: records after the newest anchor do not carry the audit key's hash (appended or
 *   rewritten by someone without the key), or the legacy boundary was moved;
 * - `deleted`: a record is missing from the middle;
 * - `edited`: a record's content no longer matches its hash;
 * - `anchor_invalid`: a checkpoint's signature is not the anchor key's;
 * - `anchor_unavailable`: an anchor could not be read (the broker is down), so completeness is unproven.
 */
export const AUDIT_DAMAGE = [
  'wiped',
  'truncated',
  'rehashed',
  'forged',
  'deleted',
  'edited',
  'anchor_invalid',
  'anchor_unavailable',
] as const;
export type AuditDamage = (typeof AUDIT_DAMAGE)[number];

/** The code each kind is reported under (`tourniquet audit verify` prints it, exits with its status). */
export const AUDIT_DAMAGE_CODE: Record<AuditDamage, { code: string; exit: number }> = {
  wiped: { code: 'AUDIT_WIPED', exit: 10 },
  truncated: { code: 'AUDIT_TRUNCATED', exit: 11 },
  rehashed: { code: 'AUDIT_REHASHED', exit: 12 },
  forged: { code: 'AUDIT_FORGED', exit: 13 },
  deleted: { code: 'AUDIT_DELETED', exit: 14 },
  edited: { code: 'AUDIT_EDITED', exit: 15 },
  anchor_invalid: { code: 'AUDIT_ANCHOR_INVALID', exit: 16 },
  anchor_unavailable: { code: 'AUDIT_ANCHOR_UNAVAILABLE', exit: 17 },
};

export interface AnchorCheck {
  anchor: string;
  /** The newest checkpoint this anchor holds; null when it holds none yet. */
  checkpoint: Pick<AuditCheckpoint, 'seq' | 'hash' | 'at'> | null;
  problem?: 'bad_signature' | 'unreadable' | 'legacy_boundary_moved' | 'behind_anchor' | 'hash_differs';
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  /** Records hashed before the audit key existed (verified with plain SHA-256). */
  legacy: number;
  problems: ChainProblem[];
  anchors: AnchorCheck[];
  /** The kinds of damage found, most severe first; empty when ok. */
  damage: AuditDamage[];
}

export interface AuditIntegrity {
  /** The audit HMAC key. */
  key: Buffer;
  /** The anchor key: checkpoints must be signed by it. */
  anchorKey: KeyObject;
  anchors: readonly Anchor[];
}

export async function* auditRecords(
  store: Pick<StoreOps, 'listAudit'>,
  pageSize = 1000,
  afterSeq = 0,
): AsyncGenerator<AuditRecord> {
  let after = afterSeq;
  for (;;) {
    const page = await store.listAudit({ afterSeq: after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

async function newestCheckpoints(integrity: AuditIntegrity) {
  return Promise.all(
    integrity.anchors.map(async (a) => {
      try {
        return { anchor: a, checkpoint: await a.newest(), unreadable: false };
      } catch (e) {
        if (!isTourniquetError(e) && !(e instanceof Error)) throw e;
        return { anchor: a, checkpoint: null, unreadable: true };
      }
    }),
  );
}

export async function verifyAudit(
  store: Pick<StoreOps, 'listAudit' | 'auditHead'>,
  integrity: AuditIntegrity,
): Promise<AuditVerification> {
  const head = await store.auditHead();
  const found = await newestCheckpoints(integrity);
  const watch = new Set([head.seq, ...found.flatMap((f) => (f.checkpoint ? [f.checkpoint.seq] : []))]);
  const v = new ChainVerifier(integrity.key, head.legacySeq, undefined, watch);
  for await (const r of auditRecords(store)) v.add(r);
  // Appends may go on while the chain is read: it must reach the head read first and not pass the
  // head read last.
  const problems = v.finishBetween(head, await store.auditHead());
  const damage = new Set<AuditDamage>();

  const anchors: AnchorCheck[] = found.map(({ anchor, checkpoint: c, unreadable }) => {
    const check: AnchorCheck = {
      anchor: anchor.name,
      checkpoint: c ? { seq: c.seq, hash: c.hash, at: c.at } : null,
    };
    if (unreadable) {
      damage.add('anchor_unavailable');
      return { ...check, problem: 'unreadable' };
    }
    if (!c) return check;
    if (!checkpointSignedBy(c, integrity.anchorKey)) {
      damage.add('anchor_invalid');
      return { ...check, problem: 'bad_signature' };
    }
    if (c.legacySeq !== head.legacySeq) {
      damage.add('forged');
      return { ...check, problem: 'legacy_boundary_moved' };
    }
    if (c.seq > 0 && v.count === 0) {
      damage.add('wiped');
      return { ...check, problem: 'behind_anchor' };
    }
    if (c.seq > v.last.seq) {
      damage.add('truncated');
      return { ...check, problem: 'behind_anchor' };
    }
    if (c.seq > 0 && v.hashAt(c.seq) !== c.hash) {
      damage.add('rehashed');
      return { ...check, problem: 'hash_differs' };
    }
    return check;
  });

  const anchoredSeq = Math.max(
    0,
    // What signed checkpoints saw, whether or not the chain still matches them.
    ...anchors.flatMap((a) =>
      a.checkpoint && a.problem !== 'bad_signature' && a.problem !== 'unreadable' ? [a.checkpoint.seq] : [],
    ),
  );
  for (const kind of classifyChain(v, problems, head.seq, anchoredSeq)) damage.add(kind);
  const ordered = AUDIT_DAMAGE.filter((d) => damage.has(d));
  return {
    ok: ordered.length === 0,
    records: v.count,
    legacy: v.legacy,
    problems,
    anchors,
    damage: ordered,
  };
}

/**
 * Chain problems → damage. Hash mismatches that run to the end of the chain are a rewrite by someone
 * without the key: of anchored history (`rehashed`, also seen at the anchor) or of records after the
 * newest anchor (`forged`). A mismatch before that run is an edit in place.
 */
function classifyChain(
  v: ChainVerifier,
  problems: readonly ChainProblem[],
  headSeq: number,
  anchoredSeq: number,
): AuditDamage[] {
  const out: AuditDamage[] = [];
  if (problems.some((p) => p.problem === 'missing_record' || p.problem === 'broken_link'))
    out.push('deleted');
  if (v.mismatchRun !== null) out.push(v.mismatchRun <= anchoredSeq ? 'rehashed' : 'forged');
  if (v.firstMismatch !== null && (v.mismatchRun === null || v.firstMismatch < v.mismatchRun)) {
    out.push('edited');
  }
  if (problems.some((p) => p.problem === 'head_mismatch')) {
    // Short of the head read first: cut back; past the head read last: added without moving it.
    out.push(headSeq > v.last.seq ? 'truncated' : headSeq === v.last.seq ? 'edited' : 'forged');
  }
  return out;
}
