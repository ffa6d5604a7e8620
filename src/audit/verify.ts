/** Walks the whole audit trail in pages and checks the hash chain against the stored head. */
import type { AuditRecord } from '../../schemas/audit.js';
import type { StoreOps } from '../store/port.js';
import { ChainVerifier, type ChainProblem } from './chain.js';

export interface AuditVerification {
  ok: boolean;
  records: number;
  problems: ChainProblem[];
}

export async function* auditRecords(
  store: Pick<StoreOps, 'listAudit'>,
  pageSize = 1000,
): AsyncGenerator<AuditRecord> {
  let after = 0;
  for (;;) {
    const page = await store.listAudit({ afterSeq: after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

export async function verifyAudit(
  store: Pick<StoreOps, 'listAudit' | 'auditHead'>,
): Promise<AuditVerification> {
  const v = new ChainVerifier();
  for await (const r of auditRecords(store)) v.add(r);
  const problems = v.finish(await store.auditHead());
  return { ok: problems.length === 0, records: v.count, problems };
}
