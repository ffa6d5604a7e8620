/**
 * The operator API under /v1, authenticated by bearer tokens with roles:
 *   analyst   — read (audit, plans, tasks, inventory, dead letters) and dry-run replays;
 *   responder — also ingest, inventory import, approve/deny, dead-letter retry, live replay;
 *   admin     — the service's own token (server.json / TOURNIQUET_ADMIN_TOKEN): also adds operators.
 * Operator tokens are stored as SHA-256 hashes; 401 without a valid token, 403 for a missing role.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { TourniquetError } from '../errors.js';
import { hasRole, tokenIdentifier, type Identity, type Role } from './operator-auth.js';
import type { Operations } from '../ops/port.js';
import { withContextOf } from '../observe/trace-context.js';
import { parseJsonDocuments } from '../pipeline/intake.js';
import { describeIssues, fieldIssues } from '../util/zod-issues.js';
import {
  AuditQuery,
  DecisionBody,
  DriftBody,
  SyncBody,
  ExportQuery,
  ImportQuery,
  InventoryQuery,
  NoQuery,
  OperatorBody,
  PlansQuery,
  ReplayBody,
  ReportQuery,
  RetryBody,
  ShowQuery,
  TasksQuery,
} from './api-schemas.js';

export { ROLES, type Identity, type Role } from './operator-auth.js';

export interface OperatorApiOptions {
  ops: Operations;
  adminToken: string;
  /** POST /v1/inventory/stream: bytes one import may send (default 1 GiB). */
  inventoryMaxBytes?: number;
}

const INVENTORY_MAX_BYTES = 1_073_741_824;

/** The body as it arrives, refused with 413 once it passes the limit (the import then rolls back). */
async function* limited(body: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of body) {
    n += chunk.length;
    if (n > max)
      throw new TourniquetError(
        'PAYLOAD_TOO_LARGE',
        `the inventory exceeds ${max} bytes (http.inventoryMaxBytes)`,
      );
    yield chunk;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
}

/**
 * Documents (triggers, inventory records) one request may carry: bounds the validation work of a
 * request (a 1 MB body of 333k empty inventory records held the event loop for 7.8 s before).
 */
export const MAX_DOCUMENTS = 10_000;

function bounded<T>(items: T[]): T[] {
  if (items.length > MAX_DOCUMENTS) {
    throw new TourniquetError(
      'PAYLOAD_TOO_LARGE',
      `${items.length} documents in one request; at most ${MAX_DOCUMENTS}: split the input`,
    );
  }
  return items;
}

function docs(body: unknown): unknown[] {
  if (typeof body === 'string') return bounded(parseJsonDocuments(body));
  return bounded(Array.isArray(body) ? body : [body]);
}

/** Inventory bodies: an array of records or `{ people, workloads, credentials }`. */
function boundedInventory(body: unknown): unknown {
  if (Array.isArray(body)) bounded(body);
  else if (body !== null && typeof body === 'object') {
    for (const section of ['credentials', 'people', 'workloads'] as const) {
      const list = (body as Record<string, unknown>)[section];
      if (Array.isArray(list)) bounded(list);
    }
  }
  return body;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new TourniquetError('INVALID_INPUT', describeIssues(r.error), { details: fieldIssues(r.error) });
  return r.data;
}

function need(req: FastifyRequest, role: Role): Identity {
  const id = req.identity;
  if (!id) throw new TourniquetError('UNAUTHORIZED', 'a valid bearer token is required');
  if (!hasRole(id, role)) {
    throw new TourniquetError('FORBIDDEN', `this needs the ${role} role; ${id.name} is ${id.role}`);
  }
  return id;
}

/** The admin may act on behalf of a named operator (the CLI's --operator); others act as themselves. */
const actor = (id: Identity, named?: string) => (id.role === 'admin' && named ? named : id.name);

export async function operatorApi(api: FastifyInstance, opts: OperatorApiOptions): Promise<void> {
  const identify = tokenIdentifier(opts.adminToken, opts.ops);
  api.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
    const op = await identify(token);
    if (!op) throw new TourniquetError('UNAUTHORIZED', 'a valid bearer token is required');
    req.identity = op;
  });
  const { ops } = opts;

  api.post('/v1/triggers', async (req, reply) => {
    need(req, 'responder');
    return reply.status(202).send(await withContextOf(req.headers, () => ops.ingest(docs(req.body))));
  });
  api.register(async (raw) => {
    // Operator upload of a source event in its producer's format: the body is passed on as bytes.
    raw.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    raw.post<{ Params: { source: string } }>('/v1/sources/:source/events', async (req, reply) => {
      need(req, 'responder');
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? null));
      return reply
        .status(202)
        .send(await withContextOf(req.headers, () => ops.ingestSource(req.params.source, body)));
    });
    // Dry run of a source event: what it would lead to, nothing stored or executed.
    raw.post<{ Params: { source: string } }>('/v1/sources/:source/plan', async (req) => {
      need(req, 'analyst');
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? null));
      return ops.planSource(req.params.source, body);
    });
  });
  api.post('/v1/plan', async (req) => {
    need(req, 'analyst');
    return { plans: await ops.plan(docs(req.body)) };
  });
  api.get('/v1/inventory/check', async (req) => {
    need(req, 'analyst');
    parse(NoQuery, req.query);
    return { gaps: await ops.checkInventory() };
  });
  api.post('/v1/inventory', async (req) => {
    const who = need(req, 'responder').name;
    const q = parse(ImportQuery, req.query);
    return ops.importInventory(boundedInventory(req.body), who, {
      allowProtectionChange: q.allowProtectionChange === 'true',
    });
  });
  // The body is not parsed up front: the import reads it as it arrives (src/ops/inventory-source.ts),
  // so a million credentials cost a batch of memory, not the document. Its own scope, so that the
  // raw-stream parser applies to this route only.
  await api.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/v1/inventory/stream', async (req, reply) => {
      const who = need(req, 'responder').name;
      const q = parse(ImportQuery, req.query);
      const body = req.body as AsyncIterable<Buffer> | undefined;
      if (!body) throw new TourniquetError('INVALID_INPUT', 'an inventory (JSON) is required');
      try {
        return await ops.importInventoryStream(
          limited(body, opts.inventoryMaxBytes ?? INVENTORY_MAX_BYTES),
          who,
          { allowProtectionChange: q.allowProtectionChange === 'true' },
        );
      } catch (e) {
        // Refused part way: the rest of the upload is not read, so the connection cannot carry
        // another request; closing it after the answer also lets a shutdown finish.
        void reply.header('connection', 'close');
        throw e;
      }
    });
  });
  api.get('/v1/inventory', async (req) => {
    need(req, 'analyst');
    const q = parse(InventoryQuery, req.query);
    return { credentials: await ops.listInventory({ limit: q.limit, after: q.after }) };
  });
  api.post('/v1/inventory/sync', async (req) => {
    // It changes the inventory that offboardings act on: responders.
    const id = need(req, 'responder');
    const { operator, ...request } = parse(SyncBody, req.body ?? {});
    return { reports: await ops.syncInventory(request, actor(id, operator)) };
  });
  api.post('/v1/drift/check', async (req) => {
    // It may raise triggers that revoke: responders.
    const id = need(req, 'responder');
    const body = parse(DriftBody, req.body);
    return { checks: await ops.checkDrift(actor(id, body.operator)) };
  });
  api.get('/v1/report', async (req) => {
    need(req, 'analyst');
    const q = parse(ReportQuery, req.query);
    return ops.report({ rows: q.rows === 'true' });
  });
  api.get('/v1/audit', async (req) => {
    need(req, 'analyst');
    const q = parse(AuditQuery, req.query);
    return {
      records: await ops.listAudit({
        triggerId: q.trigger,
        credentialId: q.credential,
        limit: q.limit,
        afterSeq: q.after,
        type: q.type,
        since: q.since,
        until: q.until,
        newestFirst: q.order === 'newest',
      }),
    };
  });
  api.get('/v1/audit/verify', async (req) => {
    need(req, 'analyst');
    parse(NoQuery, req.query);
    return ops.verifyAudit();
  });
  api.post('/v1/audit/reanchor', async (req) => {
    const id = need(req, 'responder');
    const body = parse(DecisionBody, req.body);
    return ops.reanchorAudit(actor(id, body.operator), body.reason);
  });
  api.get('/v1/audit/export', async (req, reply) => {
    need(req, 'analyst');
    const q = parse(ExportQuery, req.query);
    reply.type('application/x-ndjson');
    let out = '';
    const records = q.format === 'ocsf' ? ops.exportAuditOcsf() : ops.exportAudit();
    for await (const r of records) out += JSON.stringify(r) + '\n';
    return out;
  });
  api.get('/v1/tasks', async (req) => {
    need(req, 'analyst');
    const q = parse(TasksQuery, req.query);
    return { tasks: await ops.listTasks({ triggerId: q.trigger }) };
  });
  api.get('/v1/plans', async (req) => {
    need(req, 'analyst');
    const q = parse(PlansQuery, req.query);
    return {
      plans: await ops.listPlans({
        status: q.status,
        triggerId: q.trigger,
        newestFirst: q.order === 'newest',
        limit: q.limit,
      }),
    };
  });
  for (const verb of ['approve', 'deny'] as const) {
    api.post<{ Params: { id: string } }>(`/v1/plans/:id/${verb}`, async (req) => {
      const id = need(req, 'responder');
      const body = parse(DecisionBody, req.body);
      return ops.decidePlan(req.params.id, verb === 'approve', {
        operator: actor(id, body.operator),
        reason: body.reason,
        taskIds: body.taskIds,
      });
    });
  }
  api.get('/v1/dlq', async (req) => {
    need(req, 'analyst');
    parse(NoQuery, req.query);
    return { deadLetters: await ops.listDeadLetters() };
  });
  api.get('/v1/dlq/messages', async (req) => {
    need(req, 'analyst');
    return { deadMessages: await ops.listDeadMessages() };
  });
  api.get<{ Params: { id: string }; Querystring: unknown }>('/v1/dlq/messages/:id', async (req) => {
    const q = parse(ShowQuery, req.query);
    // Opening a sealed payload shows a possible raw secret: responders only, and audited.
    const id = need(req, q.unseal === 'true' ? 'responder' : 'analyst');
    return ops.showDeadMessage(req.params.id, {
      unseal: q.unseal === 'true',
      operator: actor(id, q.operator),
    });
  });
  api.post('/v1/dlq/retry', async (req) => {
    const id = need(req, 'responder');
    const body = parse(RetryBody, req.body);
    if (!body.all && !body.ids?.length)
      throw new TourniquetError('INVALID_INPUT', 'name task ids or all: true');
    return ops.retryDeadLetters(body.all ? 'all' : body.ids!, actor(id, body.operator), body.reason);
  });
  api.post('/v1/replays', async (req) => {
    const body = parse(ReplayBody, req.body);
    // A dry run only reads; a live replay can revoke, so it needs a responder.
    const id = need(req, body.dryRun ? 'analyst' : 'responder');
    const { operator, ...rest } = body;
    return ops.replay({ ...rest, operator: actor(id, operator) });
  });
  api.post('/v1/operators', async (req) => {
    need(req, 'admin');
    const body = parse(OperatorBody, req.body);
    return ops.addOperator(body.name, body.role);
  });
}
