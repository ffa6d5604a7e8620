/**
 * GET /console/events: server-sent events for the live timeline. The stream polls the audit trail
 * through Operations (records after the last position it reported) about once a second, so it sees
 * work done by other processes too, and tells the page only that something moved and where (`id` =
 * the audit seq; the page fetches the rows it shows, filtered, from the server). It closes when its
 * session ends (sign-out, expiry) and when the server shuts down, so it never holds `app.close()`.
 */
import type { FastifyReply } from 'fastify';
import type { Logger } from '../logger.js';
import type { Operations } from '../ops/port.js';
import type { Session, Sessions } from './session.js';

export const POLL_MS = 1000;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface EventStreams {
  open(reply: FastifyReply, s: Session, after: number, headers: Record<string, string>): void;
  /** Ends every open stream (server shutdown). */
  closeAll(): void;
}

export function eventStreams(ops: Operations, sessions: Sessions, logger: Logger): EventStreams {
  const open = new Set<() => void>();
  return {
    open(reply, s, after, headers) {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive',
      });
      // The client waits this long before reconnecting after a drop.
      res.write('retry: 2000\n\n');
      let last = after;
      let busy = false;
      let quiet = 0;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        unsubscribe();
        open.delete(end);
        res.end();
      };
      const tick = async () => {
        if (busy || ended) return;
        if (!sessions.alive(s.id)) return end();
        busy = true;
        try {
          const records = await ops.listAudit({ afterSeq: last, limit: 500 });
          const newest = records.at(-1);
          if (newest && !ended) {
            last = newest.seq;
            const triggers = [...new Set(records.map((r) => r.triggerId).filter((t) => t !== null))];
            res.write(`id: ${last}\nevent: audit\ndata: ${JSON.stringify({ seq: last, triggers })}\n\n`);
            quiet = 0;
          } else if ((quiet += POLL_MS) >= KEEPALIVE_MS && !ended) {
            res.write(': keep-alive\n\n');
            quiet = 0;
          }
        } catch (e) {
          // The store went away (shutdown) or failed: end the stream; the browser reconnects.
          logger.warn({ err: (e as Error).name }, 'console event stream stopped');
          end();
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void tick(), POLL_MS);
      const unsubscribe = sessions.onEnd(s.id, end);
      open.add(end);
      res.on('close', end);
      void tick();
    },
    closeAll() {
      for (const end of [...open]) end();
    },
  };
}
