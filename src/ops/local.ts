/** Operations on an open runtime: what the HTTP API serves and what the CLI runs in-process. */
import { createHash, randomBytes } from 'node:crypto';
import { PlanStatus } from '../../schemas/plan.js';
import { decidePlan } from '../pipeline/approvals.js';
import { listDeadLetters, retryDeadLetters } from '../pipeline/dlq.js';
import { replay } from '../pipeline/replay.js';
import { checkDrift } from '../pipeline/drift.js';
import { runSync } from '../discovery/run.js';
import type { Trigger } from '../../schemas/trigger.js';
import { chunked, messageBytes } from '../bus/chunks.js';
import type { Topic } from '../bus/port.js';
import type { Span } from '@opentelemetry/api';
import { publishTraced } from '../observe/trace-context.js';
import { inSpan } from '../observe/tracing.js';

export { PUBLISH_CHUNK } from '../bus/chunks.js';
import { ocsfEvents } from '../audit/ocsf-export.js';
import { auditRecords, verifyAudit } from '../audit/verify.js';
import { packageVersion } from '../util/version.js';
import { resolveId, resolveIds } from './resolve-id.js';
import { TourniquetError, isTourniquetError } from '../errors.js';
import { now, type PipelineDeps } from '../pipeline/deps.js';
import { listDeadMessages, publishDeadMessages, showDeadMessage } from '../pipeline/dead-messages.js';
import { SOURCE_HEADER, triggerMessage } from '../pipeline/input-topic.js';
import { acceptInput } from '../pipeline/intake.js';
import { badRecords } from '../intake/bad-records.js';
import { acceptSource } from '../intake/sources.js';
import { capabilityGaps } from '../../handlers/inventory-check.js';
import { currentReport } from '../pipeline/report.js';
import { credentialPages } from '../store/credential-pages.js';
import { dryRunPlan, planContext, withAwsAccount } from '../pipeline/triggers.js';
import { importInventory, importRecords } from './inventory-import.js';
import { jsonRecords, readInventoryFile } from './inventory-source.js';
import { INVENTORY_PAGE, INVENTORY_PAGE_MAX, type Operations } from './port.js';

/** Validates all documents; one bad document rejects the batch, naming its index and fields. */
function acceptAll(docs: readonly unknown[], deps: PipelineDeps): Trigger[] {
  if (docs.length === 0) throw new TourniquetError('INVALID_INPUT', 'no trigger in the input');
  return docs.map((d, i) => {
    try {
      return acceptInput(d, deps);
    } catch (e) {
      if (!isTourniquetError(e) || docs.length === 1) throw e;
      throw new TourniquetError(e.code, `document ${i + 1}: ${e.message}`, { details: e.details });
    }
  });
}

/**
 * Publishes triggers grouped by kind (their topic), in chunks, keeping the input order within a
 * kind. Kinds go out concurrently; within a kind a failed chunk stops the rest, so what was not
 * accepted is a suffix per kind and a resubmission does not reorder. On failure nothing is silent:
 * the error names every trigger that was not accepted (`details.notAccepted`) and those that were.
 * Resubmitting the whole input is safe: trigger ids are deterministic, so accepted ones deduplicate.
 */
async function publishTriggers(deps: PipelineDeps, triggers: readonly Trigger[]): Promise<void> {
  const byKind = new Map<Topic, Trigger[]>();
  for (const t of triggers) {
    const group = byKind.get(t.kind);
    if (group) group.push(t);
    else byKind.set(t.kind, [t]);
  }
  const failed = new Set<Trigger>();
  let cause: unknown;
  await Promise.all(
    [...byKind].map(async ([kind, group]) => {
      const messages = group.map((t) => ({ t, m: triggerMessage(t) }));
      const chunks = chunked(messages, (x) => messageBytes(x.m));
      for (const [i, chunk] of chunks.entries()) {
        try {
          // The consumer's span continues this one: the trigger's trace spans both processes.
          await publishTraced(
            deps,
            kind,
            chunk.map((x) => x.m),
          );
        } catch (e) {
          cause ??= e;
          for (const rest of chunks.slice(i)) for (const x of rest) failed.add(x.t);
          return;
        }
      }
    }),
  );
  if (failed.size === 0) return;
  const brief = (t: Trigger) => ({ id: t.id, kind: t.kind });
  const notAccepted = triggers.filter((t) => failed.has(t)).map(brief);
  const accepted = triggers.filter((t) => !failed.has(t)).map(brief);
  const shown = notAccepted.slice(0, 20).map((t) => t.id);
  throw new TourniquetError(
    isTourniquetError(cause) ? cause.code : 'BUS_UNAVAILABLE',
    `${notAccepted.length} of ${triggers.length} triggers were not accepted (${shown.join(', ')}` +
      `${notAccepted.length > shown.length ? ', …' : ''}); resubmitting the same input is safe`,
    {
      retriable: isTourniquetError(cause) ? cause.retriable : true,
      details: { accepted, notAccepted },
      cause,
    },
  );
}

/**
 * Where triggers enter: one span per ingest call (an HTTP request continues its caller's trace, see
 * src/http), so each trigger submitted on its own has a trace of its own.
 */
const intakeSpan = <T>(source: string, fn: (span: Span) => Promise<T>) =>
  inSpan('trigger.intake', { attributes: { 'tourniquet.trigger.source': source } }, fn);

/**
 * An ISO 8601 time as UTC. The API takes any offset ISO allows, but PostgreSQL refuses offsets
 * past ±15:59 (`-16:28` was a 500): the instant is the same, the text is one the store reads.
 */
function utcInstant(s: string, field: string): string {
  const t = Date.parse(s);
  if (!Number.isFinite(t))
    throw new TourniquetError('INVALID_INPUT', `${field}: not a time`, { details: { field } });
  // Clamped to years 1–9999, the ones both ISO text and PostgreSQL hold (no audit record is outside).
  return new Date(Math.min(Math.max(t, MIN_INSTANT), MAX_INSTANT)).toISOString();
}
const MIN_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

export function localOps(deps: PipelineDeps): Operations {
  return {
    ingest: (docs) =>
      intakeSpan('canonical', async (span) => {
        const triggers = acceptAll(docs, deps);
        span.setAttribute('tourniquet.triggers', triggers.length);
        await publishTriggers(deps, triggers);
        return { accepted: triggers.map((t) => ({ id: t.id, kind: t.kind })) };
      }),

    ingestSource: (source, raw) =>
      intakeSpan(source, async (span) => {
        const res = acceptSource(source, raw, deps);
        span.setAttribute('tourniquet.triggers', res.triggers.length);
        await publishTriggers(deps, res.triggers);
        if (res.skipped.length > 0) {
          // Part of a batch was malformed: only the bad records are kept (sealed) for reprocessing.
          const body = Buffer.isBuffer(raw) ? raw : Buffer.from(JSON.stringify(raw));
          const event = createHash('sha256').update(body).digest('hex').slice(0, 16);
          await publishDeadMessages(
            badRecords(raw, res.skipped, res.triggers.length > 0).map((b) => ({
              id: `${source}-${event}-${b.path}`,
              reason: 'malformed record in a batch',
              code: 'INVALID_INPUT',
              issues: b.issues,
              source: { source, record: b.path },
              headers: { [SOURCE_HEADER]: source },
              payload: b.payload,
            })),
            deps,
          );
        }
        return {
          accepted: res.triggers.map((t) => ({ id: t.id, kind: t.kind })),
          ...(res.ignored ? { ignored: res.ignored } : {}),
          ...(res.skipped.length ? { skipped: res.skipped } : {}),
        };
      }),

    async plan(docs) {
      const triggers = acceptAll(docs, deps);
      return Promise.all(triggers.map(async (t) => dryRunPlan(await withAwsAccount(t, deps), deps)));
    },

    async checkInventory() {
      // Paged: only the gaps are held (every credential no configured provider can act on).
      const ctx = planContext(deps);
      const gaps = [];
      for await (const page of credentialPages(deps.store)) gaps.push(...capabilityGaps(page, ctx));
      return gaps;
    },

    async planSource(source, raw) {
      const res = acceptSource(source, raw, deps);
      return {
        plans: await Promise.all(
          res.triggers.map(async (t) => dryRunPlan(await withAwsAccount(t, deps), deps)),
        ),
        ...(res.ignored ? { ignored: res.ignored } : {}),
        ...(res.skipped.length ? { skipped: res.skipped } : {}),
      };
    },

    importInventory: (data, actor, opts) => importInventory(data, actor, deps, opts),
    importInventoryFile: async (path, actor, opts) =>
      importRecords(await readInventoryFile(path), actor, deps, opts),
    importInventoryStream: (chunks, actor, opts) =>
      importRecords(jsonRecords(chunks, 'the inventory'), actor, deps, opts),

    listInventory: (page = {}) =>
      deps.store.listCredentials(Math.min(page.limit ?? INVENTORY_PAGE, INVENTORY_PAGE_MAX), page.after),
    checkDrift: (operator) => checkDrift(deps, operator),
    syncInventory: (req, operator) => runSync(deps, req, operator),
    async report(opts) {
      const { report, rows } = await currentReport(deps, { rows: opts.rows });
      return opts.rows ? { report, rows } : { report };
    },
    listAudit: async (q) =>
      deps.store.listAudit({
        ...(q.triggerId ? { triggerId: await resolveId(deps.store, 'trigger', q.triggerId) } : {}),
        ...(q.credentialId ? { credentialId: q.credentialId } : {}),
        ...(q.afterSeq ? { afterSeq: q.afterSeq } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.since ? { since: utcInstant(q.since, 'since') } : {}),
        ...(q.until ? { until: utcInstant(q.until, 'until') } : {}),
        ...(q.newestFirst ? { newestFirst: true } : {}),
        limit: q.limit ?? 1000,
      }),
    verifyAudit: () => verifyAudit(deps.store, deps.audit),
    async reanchorAudit(operator, reason) {
      const v = await verifyAudit(deps.store, deps.audit);
      if (v.ok) throw new TourniquetError('CONFLICT', 'the audit chain is intact: nothing to re-anchor');
      if (!deps.checkpoints) throw new TourniquetError('INTERNAL', 'this runtime writes no checkpoints');
      const records = await deps.store.appendAudit(
        [
          {
            type: 'audit.reanchored',
            actor: operator,
            data: {
              operator,
              reason,
              damage: v.damage,
              records: v.records,
              anchors: v.anchors.map((a) => ({
                anchor: a.anchor,
                seq: a.checkpoint?.seq ?? null,
                problem: a.problem ?? null,
              })),
            },
          },
        ],
        now(deps),
      );
      await deps.onAudit?.(records);
      const c = await deps.checkpoints.reanchor();
      return { damage: v.damage, epoch: c.epoch, seq: c.seq };
    },
    exportAudit: () => auditRecords(deps.store),
    exportAuditOcsf: () => ocsfEvents(deps.store, packageVersion()),
    listTasks: async (q) =>
      deps.store.listTasks(
        q.triggerId ? { triggerId: await resolveId(deps.store, 'trigger', q.triggerId) } : {},
      ),
    listPlans: async (q) => {
      const status = q.status === undefined ? undefined : PlanStatus.safeParse(q.status);
      if (status && !status.success)
        throw new TourniquetError('INVALID_INPUT', `unknown plan status ${q.status}`);
      return deps.store.listPlans({
        ...(status ? { status: status.data } : {}),
        ...(q.triggerId ? { triggerId: await resolveId(deps.store, 'trigger', q.triggerId) } : {}),
        ...(q.newestFirst ? { newestFirst: true } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
    },
    decidePlan: async (planId, approve, who) =>
      decidePlan(await resolveId(deps.store, 'plan', planId), approve, who, deps),
    listDeadLetters: () => listDeadLetters(deps),
    listDeadMessages: () => listDeadMessages(deps),
    showDeadMessage: (id, opts) => showDeadMessage(id, opts, deps),
    retryDeadLetters: async (ids, operator, reason) =>
      retryDeadLetters(
        ids === 'all' ? ids : await resolveIds(deps.store, 'task', ids),
        operator,
        deps,
        reason,
      ),
    replay: async (req) =>
      replay(
        req.triggerIds
          ? { ...req, triggerIds: await resolveIds(deps.store, 'trigger', req.triggerIds) }
          : req,
        deps,
      ),
    async addOperator(name, role) {
      const token = `tqo_${randomBytes(24).toString('base64url')}`;
      await deps.store.transaction(async (tx) => {
        await tx.addOperator(
          { name, role, tokenHash: createHash('sha256').update(token).digest('hex') },
          now(deps),
        );
        const recs = await tx.appendAudit(
          [{ type: 'operator.added', actor: 'admin', data: { name, role } }],
          now(deps),
        );
        await deps.onAudit?.(recs);
      });
      return { name, role, token };
    },
    async operatorFor(tokenHash) {
      const op = await deps.store.operatorByTokenHash(tokenHash);
      return op && (op.role === 'analyst' || op.role === 'responder')
        ? { name: op.name, role: op.role }
        : null;
    },
  };
}
