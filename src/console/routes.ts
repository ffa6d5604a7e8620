/**
 * The SOC console under /console: server-rendered pages over the same Operations the API calls.
 * Every response carries a strict CSP (nothing inline, nothing from elsewhere) and no-store; every
 * page but sign-in needs a session; every state-changing POST passes the CSRF check first and the
 * role check second (the page's disabled buttons are a courtesy, this is the rule).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isTourniquetError, TourniquetError } from '../errors.js';
import { statusOf } from '../http/errors.js';
import { hasRole, tokenIdentifier, type Role } from '../http/operator-auth.js';
import type { BusHealth } from '../bus/port.js';
import type { Logger } from '../logger.js';
import type { Operations } from '../ops/port.js';
import { checkCsrf, checkOrigin, type CsrfInput } from './csrf.js';
import { eventStreams } from './events.js';
import { acceptForms, parseInput } from './form.js';
import type { Html } from './html.js';
import { loadLatency } from './latency.js';
import { errorPage } from './layout.js';
import { approvalsPage, DecisionForm, loadHeld } from './pages/approvals.js';
import { deadLettersPage, RetryAllForm, RetryForm } from './pages/dead-letters.js';
import { healthPage } from './pages/health.js';
import { inventoryPage } from './pages/inventory.js';
import { loginPage } from './pages/login.js';
import { ReplayForm, replayPage } from './pages/replay.js';
import { loadStory, storyPage } from './pages/story.js';
import { headSeq, rowsHtml, TimelineQuery, timelinePage, timelineRows } from './pages/timeline.js';
import { clearedCookie, cookieValue, type Session, sessionCookie, Sessions } from './session.js';

export interface ConsoleOptions {
  ops: Operations;
  adminToken: string;
  logger: Logger;
  /** Readiness facts for the health page (the same as /readyz), with consumer lag per topic. */
  health?: () => Promise<BusHealth & { stalled?: unknown }>;
  /** Each provider lane's circuit breaker (closed, half_open, open) in this process. */
  breakers?: () => Record<string, string>;
  /** Idle time after which a session ends (default 30 minutes). */
  idleMs?: number;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const Token = z.object({ token: z.string().min(1).max(4096) }).strict();
const StoryParams = z.object({ id: z.string().min(1).max(200) }).strict();
const ApprovalsQuery = z
  .object({ decided: z.string().regex(/^[0-9a-f]{8,32}$/), verdict: z.enum(['approve', 'deny']) })
  .partial()
  .strict();
const DeadLettersQuery = z
  .object({
    retried: z.string().regex(/^[0-9a-f]{8,32}$/),
    retriedAll: z.coerce.number().int().min(0).max(1_000_000_000),
  })
  .partial()
  .strict();
const EventsQuery = z.object({ after: z.coerce.number().int().min(0).optional() }).strict();
const Empty = z.object({}).strict();

const STATIC: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

const csrfInput = (req: FastifyRequest): CsrfInput => ({
  protocol: req.protocol,
  host: req.headers.host,
  origin: req.headers.origin,
  secFetchSite: [req.headers['sec-fetch-site']].flat()[0],
});

const send = (reply: FastifyReply, body: Html, status = 200) =>
  reply.status(status).type('text/html; charset=utf-8').send(body.toString());

export async function consoleRoutes(scope: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const { ops } = opts;
  const sessions = new Sessions(opts.idleMs);
  const identify = tokenIdentifier(opts.adminToken, ops);
  const streams = eventStreams(ops, sessions, opts.logger);
  const assets = new Map<string, Promise<string>>();
  acceptForms(scope);

  scope.addHook('onRequest', async (_req, reply) => {
    void reply.headers(SECURITY_HEADERS);
  });
  // Streams end before the server waits for its connections, so a shutdown is never held open.
  scope.addHook('preClose', async () => {
    streams.closeAll();
    sessions.endAll();
  });

  const sessionOf = (req: FastifyRequest): Session | null => sessions.get(cookieValue(req.headers.cookie));
  const need = (req: FastifyRequest, role: Role = 'analyst'): Session => {
    const s = sessionOf(req);
    if (!s) throw new TourniquetError('UNAUTHORIZED', 'sign in first');
    if (!hasRole(s.who, role))
      throw new TourniquetError('FORBIDDEN', `this needs the ${role} role; you are ${s.who.role}`);
    return s;
  };
  /** A state-changing POST: CSRF first (a forged request learns nothing), then the role. */
  const posted = <S extends z.ZodType>(req: FastifyRequest, schema: S, role: Role): [Session, z.infer<S>] => {
    const s = need(req, 'analyst');
    const body = (req.body ?? {}) as Record<string, unknown>;
    checkCsrf(csrfInput(req), s.csrf, typeof body.csrf === 'string' ? body.csrf : undefined);
    if (!hasRole(s.who, role))
      throw new TourniquetError('FORBIDDEN', `this needs the ${role} role; you are ${s.who.role}`);
    return [s, parseInput(schema, body)];
  };

  scope.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const code = isTourniquetError(err)
      ? err.code
      : (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'PAYLOAD_TOO_LARGE'
        : (err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500
          ? 'INVALID_INPUT'
          : 'INTERNAL';
    if (code === 'UNAUTHORIZED' && req.method === 'GET' && !req.url.startsWith('/console/events'))
      return reply.redirect('/console/login', 303);
    const status = statusOf(code);
    if (status >= 500) opts.logger.error({ code, name: err.name }, 'console request failed');
    // Our messages are secret-free by rule; anything else is answered with its code only.
    const message = isTourniquetError(err) && status < 500 ? err.message : '';
    return send(reply, errorPage(status, code, message, sessionOf(req) ?? undefined), status);
  });
  scope.setNotFoundHandler((req, reply) =>
    send(reply, errorPage(404, 'NOT_FOUND', 'no such console page', sessionOf(req) ?? undefined), 404),
  );

  scope.get<{ Params: { name: string } }>('/static/:name', async (req, reply) => {
    const type = STATIC[req.params.name];
    if (!type) throw new TourniquetError('NOT_FOUND', 'no such file');
    let text = assets.get(req.params.name);
    if (!text) {
      text = readFile(new URL(`./static/${req.params.name}`, import.meta.url), 'utf8');
      assets.set(req.params.name, text);
    }
    return reply.type(type).send(await text);
  });

  scope.get('/login', async (req, reply) => {
    parseInput(Empty, req.query);
    if (sessionOf(req)) return reply.redirect('/console', 303);
    return send(reply, loginPage());
  });
  scope.post('/login', async (req, reply) => {
    // No session yet, so no synchronizer token: the browser's Origin / Sec-Fetch-Site must agree.
    checkOrigin(csrfInput(req));
    const { token } = parseInput(Token, req.body);
    const who = await identify(token);
    if (!who)
      return send(reply, loginPage({ code: 'UNAUTHORIZED', message: 'that token is not valid' }), 401);
    const old = cookieValue(req.headers.cookie);
    if (old) sessions.end(old);
    const s = sessions.create(who);
    void reply.header('set-cookie', sessionCookie(s.id, { secure: req.protocol === 'https' }));
    return reply.redirect('/console', 303);
  });
  scope.post('/logout', async (req, reply) => {
    const [s] = posted(req, z.object({ csrf: z.string() }).strict(), 'analyst');
    sessions.end(s.id);
    void reply.header('set-cookie', clearedCookie({ secure: req.protocol === 'https' }));
    return reply.redirect('/console/login', 303);
  });

  scope.get('/', async (req, reply) => {
    const s = need(req);
    const q = parseInput(TimelineQuery, req.query);
    const [rows, head] = await Promise.all([timelineRows(ops, q), headSeq(ops)]);
    return send(reply, timelinePage(s, q, rows, head));
  });
  // The rows alone, for the script's live refresh (the same filters as the page).
  scope.get('/timeline/rows', async (req, reply) => {
    need(req);
    const q = parseInput(TimelineQuery, req.query);
    return send(reply, rowsHtml(await timelineRows(ops, q)));
  });
  scope.get('/events', async (req, reply) => {
    const s = need(req);
    const q = parseInput(EventsQuery, req.query);
    const resume = Number([req.headers['last-event-id']].flat()[0]);
    const after = Number.isSafeInteger(resume) && resume >= 0 ? resume : (q.after ?? (await headSeq(ops)));
    streams.open(reply, s, after, SECURITY_HEADERS as Record<string, string>);
  });

  scope.get('/triggers/:id', async (req, reply) => {
    const s = need(req);
    const { id } = parseInput(StoryParams, req.params);
    return send(reply, storyPage(s, await loadStory(ops, id)));
  });

  scope.get('/approvals', async (req, reply) => {
    const s = need(req);
    const q = parseInput(ApprovalsQuery, req.query);
    const done = q.decided && q.verdict ? { task: q.decided, verdict: q.verdict } : undefined;
    return send(reply, approvalsPage(s, await loadHeld(ops), done));
  });
  scope.post('/approvals', async (req, reply) => {
    const [s, f] = posted(req, DecisionForm, 'responder');
    await ops.decidePlan(f.planId, f.verdict === 'approve', {
      operator: s.who.name,
      reason: f.reason,
      taskIds: [f.taskId],
    });
    return reply.redirect(`/console/approvals?decided=${f.taskId}&verdict=${f.verdict}`, 303);
  });

  scope.get('/dead-letters', async (req, reply) => {
    const s = need(req);
    const q = parseInput(DeadLettersQuery, req.query);
    return send(reply, deadLettersPage(s, await ops.listDeadLetters(), q));
  });
  scope.post('/dead-letters/retry', async (req, reply) => {
    const [s, f] = posted(req, RetryForm, 'responder');
    await ops.retryDeadLetters([f.taskId], s.who.name);
    return reply.redirect(`/console/dead-letters?retried=${f.taskId}`, 303);
  });
  scope.post('/dead-letters/retry-all', async (req, reply) => {
    const [s, f] = posted(req, RetryAllForm, 'responder');
    const { retried } = await ops.retryDeadLetters('all', s.who.name, f.reason);
    return reply.redirect(`/console/dead-letters?retriedAll=${retried.length}`, 303);
  });

  scope.get('/replay', async (req, reply) => {
    parseInput(Empty, req.query);
    return send(reply, replayPage(need(req)));
  });
  scope.post('/replay', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // A dry run only reads; a live replay can revoke, so it needs a responder (as in the API).
    const [s, f] = posted(req, ReplayForm, body.mode === 'dry-run' ? 'analyst' : 'responder');
    if (f.mode === 'live' && !f.reason)
      throw new TourniquetError('INVALID_INPUT', 'a live replay needs a reason');
    const report = await ops.replay({
      from: f.from,
      ...(f.to ? { to: f.to } : {}),
      dryRun: f.mode === 'dry-run',
      force: false,
      operator: s.who.name,
      reason: f.reason ?? 'console dry run',
    });
    return send(reply, replayPage(s, { form: f, report }));
  });

  scope.get('/inventory', async (req, reply) => {
    const s = need(req);
    parseInput(Empty, req.query);
    return send(reply, inventoryPage(s, (await ops.report({ rows: false })).report));
  });

  scope.get('/health', async (req, reply) => {
    const s = need(req);
    parseInput(Empty, req.query);
    const [v, ready, latency] = await Promise.all([
      ops.verifyAudit(),
      opts.health?.() ?? Promise.resolve({}),
      loadLatency(ops, Date.now()),
    ]);
    return send(reply, healthPage(s, v, ready, opts.breakers?.() ?? {}, latency));
  });
}
