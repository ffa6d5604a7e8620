/**
 * The audit trail's SQL: appending to the hash chain, listing, and the chain head.
 *
 * Records are hashed onto the chain head (seq, hash), so an append must know the head before it can
 * write. The head row is the chain's lock. One statement writes all the records of an append and
 * moves the head, but only if the head is still the one the records were chained onto. The store
 * remembers the head it last wrote (`HeadHint`), so an append usually is that one statement. When
 * the check fails (another process or transaction appended meanwhile, or the transaction that wrote
 * the remembered head rolled back), the append locks the head row, reads it and chains again. The
 * hint only saves a round trip: it is never trusted without that check.
 */
import { AuditEntry as AuditEntrySchema, type AuditEntry, type AuditRecord } from '../../schemas/audit.js';
import { chainHash } from '../audit/chain.js';
import { TourniquetError } from '../errors.js';
import type { Db } from './db.js';
import type { AuditQuery } from './port.js';
import { rowSource } from './row-source.js';
import { auditFromRow, iso } from './rows.js';

type ParsedEntry = ReturnType<typeof AuditEntrySchema.parse>;
/** An entry and the time it happened (an outbox entry keeps the time it was recorded). */
export type TimedEntry = ParsedEntry & { at: string };

interface Head {
  seq: number;
  hash: string;
}

/** The chain head this store last wrote; shared by the store and its transactions. */
export interface HeadHint {
  current: Head | null;
  /** The audit HMAC key (never stored in the database). */
  readonly key: Buffer;
}

/**
 * Appends run inside a transaction (the store wraps a bare append in one), so the head stays locked
 * from the read to the commit: the attempt after a stale hint cannot fail.
 */
export async function appendAudit(
  db: Db,
  hint: HeadHint,
  entries: readonly AuditEntry[],
  now: string,
): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  const at = iso(now);
  const parsed = entries.map((e) => ({ ...AuditEntrySchema.parse(e), at }));
  const attempts = hint.current ? [hint.current, null] : [null];
  for (const hinted of attempts) {
    const head = hinted ?? (await lockHead(db));
    const records = chain(hint.key, parsed, head);
    const last = records[records.length - 1]!;
    if (await write(db, records, head)) {
      hint.current = { seq: last.seq, hash: last.hash };
      return records;
    }
  }
  throw new TourniquetError('INTERNAL', 'the audit chain head moved while it was locked');
}

export function chain(key: Buffer, entries: readonly TimedEntry[], head: Head): AuditRecord[] {
  let seq = head.seq;
  let prevHash = head.hash;
  return entries.map((e) => {
    const content = { ...e, seq: ++seq };
    const hash = chainHash(key, prevHash, content);
    const record = { ...content, prevHash, hash };
    prevHash = hash;
    return record;
  });
}

export async function lockHead(db: Db): Promise<Head> {
  const [head] = await db.query<{ seq: string | number; hash: string }>(
    'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
  );
  if (!head) throw new TourniquetError('INTERNAL', 'audit_head row is missing: the store was not migrated');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * Moves the head from `from` to the last record and inserts the records, in one statement; nothing
 * is written (false) when the head is no longer `from`. A concurrent append holding the head row
 * makes this wait for its commit, then the check sees the head it left.
 */
export async function write(db: Db, records: readonly AuditRecord[], from: Head): Promise<boolean> {
  const last = records[records.length - 1]!;
  const source = rowSource(
    'u',
    [
      'seq',
      'at',
      'type',
      'actor',
      'trigger_id',
      'plan_id',
      'task_id',
      'credential_id',
      'data',
      'prev_hash',
      'hash',
    ],
    records.map((x) => [
      String(x.seq),
      x.at,
      x.type,
      x.actor,
      x.triggerId,
      x.planId,
      x.taskId,
      x.credentialId,
      JSON.stringify(x.data),
      x.prevHash,
      x.hash,
    ]),
    5,
  );
  const [r] = await db.query<{ moved: number }>(
    `WITH head AS (
       UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING id),
     appended AS (
       INSERT INTO audit (seq, at, type, actor, trigger_id, plan_id, task_id, credential_id, data, prev_hash, hash)
       SELECT seq::bigint, at::timestamptz, type, actor, trigger_id, plan_id, task_id, credential_id, data::jsonb,
         prev_hash, hash
       FROM ${source.sql}
       WHERE EXISTS (SELECT 1 FROM head))
     SELECT count(*)::int AS moved FROM head`,
    [last.seq, last.hash, from.seq, from.hash, ...source.params],
  );
  return Number(r?.moved) === 1;
}

export async function listAudit(db: Db, q: AuditQuery): Promise<AuditRecord[]> {
  const rows = await db.query(
    `SELECT * FROM audit WHERE ($1::text IS NULL OR trigger_id = $1) AND ($2::text IS NULL OR credential_id = $2)
       AND ($3::text IS NULL OR plan_id = $3) AND ($6::text IS NULL OR task_id = $6) AND seq > $4
       AND ($7::text IS NULL OR type = $7) AND ($8::timestamptz IS NULL OR at >= $8)
       AND ($9::timestamptz IS NULL OR at < $9) ORDER BY seq ${q.newestFirst ? 'DESC' : 'ASC'} LIMIT $5`,
    [
      q.triggerId ?? null,
      q.credentialId ?? null,
      q.planId ?? null,
      q.afterSeq ?? 0,
      q.limit ?? 1000,
      q.taskId ?? null,
      q.type ?? null,
      q.since ?? null,
      q.until ?? null,
    ],
  );
  return rows.map(auditFromRow);
}

export async function auditHead(db: Db): Promise<Head & { legacySeq: number }> {
  const [h] = await db.query<{ seq: string | number; hash: string; legacy_seq: string | number }>(
    'SELECT seq, hash, legacy_seq FROM audit_head WHERE id = 1',
  );
  return { seq: Number(h?.seq ?? 0), hash: h?.hash ?? '', legacySeq: Number(h?.legacy_seq ?? 0) };
}
