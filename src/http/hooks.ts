/**
 * Webhook intake: `POST /hooks/<source>` for every configured source, authenticated by the source's
 * own scheme (HMAC, ECDSA, SET signature, static header or bearer token) over the raw body bytes.
 * 202 only once the triggers are durably accepted; 401 bad signature; 400 bad shape (with the
 * issues); 404 unconfigured source; 413 oversized body. SSF push (RFC 8935) answers its own error
 * format; Okta's one-time verification challenge and SCIM's PATCH/DELETE are served too. A
 * request's `traceparent` is continued: the trigger's trace is the caller's.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IntakeConfig } from '../../schemas/intake.js';
import { isTourniquetError, TourniquetError } from '../errors.js';
import { authenticate, isExposed, type Headers } from '../intake/authenticate.js';
import type { Operations } from '../ops/port.js';
import { withContextOf } from '../observe/trace-context.js';

export interface HookOptions {
  intake: IntakeConfig;
  ops: Operations;
}

function ssfError(reply: FastifyReply, e: unknown) {
  // RFC 8935 §2.3: 400 with {err, description}; authentication problems are reported the same way.
  const err = isTourniquetError(e)
    ? ((e.details as { err?: string } | undefined)?.err ??
      (e.code === 'INVALID_INPUT' ? 'invalid_request' : 'authentication_failed'))
    : 'invalid_request';
  return reply.status(400).send({ err, description: isTourniquetError(e) ? e.code : 'invalid request' });
}

export async function hooks(app: FastifyInstance, opts: HookOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const bodyOf = (b: unknown) => (Buffer.isBuffer(b) ? b : Buffer.alloc(0));
  const exposed = (name: string) => {
    if (!isExposed(name, opts.intake))
      throw new TourniquetError('UNKNOWN_SOURCE', 'no such webhook source is configured');
  };

  app.get('/hooks/okta', async (req) => {
    exposed('okta');
    await authenticate('okta', Buffer.alloc(0), req.headers as Headers, opts.intake);
    const challenge = req.headers['x-okta-verification-challenge'];
    if (typeof challenge !== 'string')
      throw new TourniquetError('INVALID_INPUT', 'missing X-Okta-Verification-Challenge');
    return { verification: challenge };
  });

  const scim =
    (method: 'PATCH' | 'DELETE') =>
    async (req: { params: { id: string }; body: unknown; headers: unknown }, reply: FastifyReply) => {
      exposed('scim');
      const body = bodyOf(req.body);
      await authenticate('scim', body, req.headers as Headers, opts.intake);
      let parsed: unknown;
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (e) {
          if (!(e instanceof SyntaxError)) throw e;
          throw new TourniquetError('INVALID_INPUT', 'SCIM body is not JSON');
        }
      }
      await withContextOf(req.headers as Headers, () =>
        opts.ops.ingestSource('scim', {
          method,
          userId: req.params.id,
          ...(parsed === undefined ? {} : { body: parsed }),
        }),
      );
      return reply.status(204).send();
    };
  app.patch<{ Params: { id: string } }>('/hooks/scim/Users/:id', scim('PATCH'));
  app.delete<{ Params: { id: string } }>('/hooks/scim/Users/:id', scim('DELETE'));

  app.post<{ Params: { source: string } }>('/hooks/:source', async (req, reply) => {
    const name = req.params.source;
    exposed(name);
    const body = bodyOf(req.body);
    if (name === 'ssf') {
      try {
        const claims = await authenticate(name, body, req.headers as Headers, opts.intake);
        await withContextOf(req.headers, () => opts.ops.ingestSource(name, claims as object));
      } catch (e) {
        if (
          isTourniquetError(e) &&
          (e.retriable || e.code === 'BUS_UNAVAILABLE' || e.code === 'STORE_UNAVAILABLE')
        )
          throw e;
        return ssfError(reply, e);
      }
      return reply.status(202).send();
    }
    const raw = await authenticate(name, body, req.headers as Headers, opts.intake);
    return reply
      .status(202)
      .send(await withContextOf(req.headers, () => opts.ops.ingestSource(name, raw as Buffer)));
  });
}
