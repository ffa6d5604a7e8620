/**
 * The audit outbox: how the hot path writes its trail on PostgreSQL without the chain head's lock.
 *
 * Why: an append chained inline locks the head row from its write to its transaction's commit, so
 * every state change of every worker queues on one row. Measured (BENCHMARKS, scale-out): two
 * workers spent ~125 s waiting on that lock in an 80-s run and reached half the provider's ceiling.
 *
 * So a state change writes its records here, in the same transaction (a crash keeps both or
 * neither), and takes no lock. One chainer at a time (the head row's lock, taken once per batch)
 * moves committed rows onto the chain in id order and deletes them, in one transaction. Records of
 * one task stay in causal order: each of its state changes commits before the next is written, so a
 * later one always has the higher id and is never visible without the earlier one.
 *
 * What this costs: a record reaches the chain (and `listAudit`) a moment after its commit, not at
 * it; readers that must see everything committed (`listAudit`, `auditHead`, verify) chain first.
 * Rows wait here unhashed for that moment; the store's own role writes both tables, so this adds no
 * new writer.
 */
import { AuditEntry as AuditEntrySchema, type AuditEntry, type AuditRecord } from '../../schemas/audit.js';
import { TourniquetError } from '../errors.js';
import { chain, lockHead, write, type HeadHint, type TimedEntry } from './audit-sql.js';
import type { Db } from './db.js';
import { rowSource } from './row-source.js';
import { auditEntryFields, iso } from './rows.js';

/** Rows chained per transaction: large enough that a burst needs few head locks. */
export const CHAIN_BATCH = 500;

/** Writes entries to the outbox (inside the caller's transaction). */
export async function stageAudit(db: Db, entries: readonly AuditEntry[], now: string): Promise<void> {
  if (entries.length === 0) return;
  const at = iso(now);
  const source = rowSource(
    'o',
    ['type', 'actor', 'trigger_id', 'plan_id', 'task_id', 'credential_id', 'data'],
    entries.map((raw) => {
      const e = AuditEntrySchema.parse(raw);
      return [e.type, e.actor, e.triggerId, e.planId, e.taskId, e.credentialId, JSON.stringify(e.data)];
    }),
    2,
  );
  await db.query(
    `INSERT INTO audit_outbox (at, type, actor, trigger_id, plan_id, task_id, credential_id, data)
     SELECT $1::timestamptz, type, actor, trigger_id, plan_id, task_id, credential_id, data::jsonb FROM ${source.sql}`,
    [at, ...source.params],
  );
}

/** Whether committed rows wait: a cheap look that takes no lock. */
export async function outboxWaiting(db: Db): Promise<boolean> {
  return (await db.query('SELECT 1 FROM audit_outbox LIMIT 1')).length > 0;
}

/**
 * Chains up to `limit` waiting rows, oldest first, and deletes them; in one transaction, so a crash
 * leaves them waiting, never chained twice. Returns the records chained (none when none waited).
 */
export async function chainOutbox(db: Db, hint: HeadHint, limit = CHAIN_BATCH): Promise<AuditRecord[]> {
  const chained = await db.transaction(async (tx) => {
    const head = await lockHead(tx);
    // After the lock: another chainer's deletions are committed and this statement sees them.
    const rows = await tx.query<Record<string, unknown>>('SELECT * FROM audit_outbox ORDER BY id LIMIT $1', [
      limit,
    ]);
    if (rows.length === 0) return [];
    const records = chain(hint.key, rows.map(entryFromRow), head);
    if (!(await write(tx, records, head))) {
      throw new TourniquetError('INTERNAL', 'the audit chain head moved while it was locked');
    }
    await tx.query('DELETE FROM audit_outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => String(r.id))]);
    return records;
  });
  const last = chained[chained.length - 1];
  if (last) hint.current = { seq: last.seq, hash: last.hash };
  return chained;
}

function entryFromRow(r: Record<string, unknown>): TimedEntry {
  return { ...AuditEntrySchema.parse(auditEntryFields(r)), at: iso(r.at) };
}
