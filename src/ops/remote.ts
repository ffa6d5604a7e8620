/** Operations over a running service's HTTP API (the CLI's path while `tourniquet start` runs). */
import type { AuditRecord } from '../../schemas/audit.js';
import { isTourniquetError, TourniquetError, type ErrorCode } from '../errors.js';
import { readStructuredFile } from '../util/files.js';
import { readFileChunks } from './inventory-source.js';
import type { ImportSummary, Operations } from './port.js';

/** The body as JSON, or undefined when it is not (a proxy's HTML error page, a truncated answer). */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * An answer that is not the service's (no JSON error body): something between the CLI and the
 * service answered, a proxy or a load balancer. A 5xx from it is worth trying again.
 */
function notOurs(status: number, path: string): TourniquetError {
  return new TourniquetError(
    status >= 500 ? 'SERVICE_UNREACHABLE' : 'INTERNAL',
    `HTTP ${status} for ${path} without a tourniquet answer (a proxy in between?)`,
    { retriable: status >= 500 },
  );
}

export function remoteOps(baseUrl: string, token: string): Operations {
  /** `body`: JSON, raw bytes, or chunks streamed as they come (an inventory file, never held whole). */
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    stream?: AsyncIterable<Uint8Array>,
  ): Promise<T> {
    let res: Response;
    const raw = Buffer.isBuffer(body);
    try {
      res = await fetch(new URL(path, baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined && !stream
            ? {}
            : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
        },
        ...(stream
          ? { body: ReadableStream.from(stream), duplex: 'half' }
          : body === undefined
            ? {}
            : { body: raw ? new Uint8Array(body as Buffer) : JSON.stringify(body) }),
      } as RequestInit);
    } catch (e) {
      // A streamed body that failed to read (a missing file) is the caller's error, not the network's.
      const cause = (e as { cause?: unknown }).cause;
      if (isTourniquetError(e)) throw e;
      if (isTourniquetError(cause)) throw cause;
      throw new TourniquetError('SERVICE_UNREACHABLE', `cannot reach the running service at ${baseUrl}`, {
        retriable: true,
        cause: e,
      });
    }
    const text = await res.text();
    if (!res.ok) {
      const err = parsed(text) as { error?: ErrorCode; message?: string; issues?: unknown } | undefined;
      if (typeof err?.error !== 'string') throw notOurs(res.status, path);
      throw new TourniquetError(err.error, err.message ?? `HTTP ${res.status}`, { details: err.issues });
    }
    // JSON Lines (the audit exports) are returned as text for the caller to split.
    const ndjson = res.headers.get('content-type')?.startsWith('application/x-ndjson') ?? false;
    if (ndjson) return text as T;
    const answer = parsed(text);
    if (answer === undefined) throw notOurs(res.status, path);
    return answer as T;
  }
  const importVia = (data: unknown, opts?: { allowProtectionChange?: boolean }) =>
    call<ImportSummary>(
      'POST',
      `/v1/inventory${opts?.allowProtectionChange ? '?allowProtectionChange=true' : ''}`,
      data,
    );
  const streamVia = (chunks: AsyncIterable<Uint8Array>, opts?: { allowProtectionChange?: boolean }) =>
    call<ImportSummary>(
      'POST',
      `/v1/inventory/stream${opts?.allowProtectionChange ? '?allowProtectionChange=true' : ''}`,
      undefined,
      chunks,
    );
  return {
    ingest: (docs) => call('POST', '/v1/triggers', docs),
    ingestSource: (source, raw) =>
      call(
        'POST',
        `/v1/sources/${encodeURIComponent(source)}/events`,
        Buffer.isBuffer(raw) ? raw : Buffer.from(JSON.stringify(raw)),
      ),
    plan: async (docs) => (await call<{ plans: never }>('POST', '/v1/plan', docs)).plans,
    checkInventory: async () => (await call<{ gaps: never }>('GET', '/v1/inventory/check')).gaps,
    planSource: (source, raw) =>
      call(
        'POST',
        `/v1/sources/${encodeURIComponent(source)}/plan`,
        Buffer.isBuffer(raw) ? raw : Buffer.from(JSON.stringify(raw)),
      ),
    importInventory: (data, _actor, opts) => importVia(data, opts),
    importInventoryFile: async (path, actor, opts) =>
      /\.json$/i.test(path)
        ? streamVia(readFileChunks(path), opts)
        : importVia(await readStructuredFile(path), opts),
    importInventoryStream: (chunks, _actor, opts) => streamVia(chunks, opts),
    listInventory: async (page = {}) => {
      const p = new URLSearchParams();
      if (page.limit !== undefined) p.set('limit', String(page.limit));
      if (page.after !== undefined) p.set('after', page.after);
      const q = p.size > 0 ? `?${p}` : '';
      return (await call<{ credentials: never }>('GET', `/v1/inventory${q}`)).credentials;
    },
    listAudit: async (q) => {
      const p = new URLSearchParams();
      if (q.triggerId) p.set('trigger', q.triggerId);
      if (q.credentialId) p.set('credential', q.credentialId);
      if (q.limit) p.set('limit', String(q.limit));
      if (q.afterSeq) p.set('after', String(q.afterSeq));
      if (q.type) p.set('type', q.type);
      if (q.since) p.set('since', q.since);
      if (q.until) p.set('until', q.until);
      if (q.newestFirst) p.set('order', 'newest');
      return (await call<{ records: never }>('GET', `/v1/audit?${p}`)).records;
    },
    verifyAudit: () => call('GET', '/v1/audit/verify'),
    reanchorAudit: (operator, reason) => call('POST', '/v1/audit/reanchor', { operator, reason }),
    async *exportAudit() {
      const text = await call<string>('GET', '/v1/audit/export');
      for (const line of text.split('\n')) if (line) yield JSON.parse(line) as AuditRecord;
    },
    syncInventory: async (req, operator) =>
      (await call<{ reports: never }>('POST', '/v1/inventory/sync', { ...req, operator })).reports,
    checkDrift: async (operator) =>
      (await call<{ checks: never }>('POST', '/v1/drift/check', { operator })).checks,
    report: (opts) => call('GET', `/v1/report${opts.rows ? '?rows=true' : ''}`),
    async *exportAuditOcsf() {
      const text = await call<string>('GET', '/v1/audit/export?format=ocsf');
      for (const line of text.split('\n')) if (line) yield JSON.parse(line) as Record<string, unknown>;
    },
    listPlans: async (q) => {
      const p = new URLSearchParams();
      if (q.status) p.set('status', q.status);
      if (q.triggerId) p.set('trigger', q.triggerId);
      if (q.newestFirst) p.set('order', 'newest');
      if (q.limit) p.set('limit', String(q.limit));
      return (await call<{ plans: never }>('GET', `/v1/plans${p.size ? `?${p}` : ''}`)).plans;
    },
    decidePlan: (planId, approve, who) =>
      call('POST', `/v1/plans/${encodeURIComponent(planId)}/${approve ? 'approve' : 'deny'}`, {
        reason: who.reason,
        operator: who.operator,
        ...(who.taskIds?.length ? { taskIds: who.taskIds } : {}),
      }),
    listDeadLetters: async () => (await call<{ deadLetters: never }>('GET', '/v1/dlq')).deadLetters,
    listDeadMessages: async () =>
      (await call<{ deadMessages: never }>('GET', '/v1/dlq/messages')).deadMessages,
    showDeadMessage: (id, opts) =>
      call(
        'GET',
        `/v1/dlq/messages/${encodeURIComponent(id)}?${new URLSearchParams(
          opts.unseal ? { unseal: 'true', operator: opts.operator } : {},
        )}`,
      ),
    retryDeadLetters: (ids, operator, reason) =>
      call('POST', '/v1/dlq/retry', {
        ...(ids === 'all' ? { all: true } : { ids }),
        operator,
        ...(reason ? { reason } : {}),
      }),
    replay: (req) => call('POST', '/v1/replays', req),
    addOperator: (name, role) => call('POST', '/v1/operators', { name, role }),
    operatorFor: () =>
      Promise.reject(new TourniquetError('FORBIDDEN', 'operator lookup is local to the service')),
    listTasks: async (q) =>
      (
        await call<{ tasks: never }>(
          'GET',
          `/v1/tasks${q.triggerId ? `?trigger=${encodeURIComponent(q.triggerId)}` : ''}`,
        )
      ).tasks,
  };
}
