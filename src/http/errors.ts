/** Maps errors to HTTP answers: codes, never stack traces, never echoed input. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isTourniquetError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_SIGNATURE: 401,
  STALE_TIMESTAMP: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  AMBIGUOUS_ID: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_SOURCE: 404,
  STORE_UNAVAILABLE: 503,
  BUS_UNAVAILABLE: 503,
};

/** The HTTP status a code answers with (500 for codes that mean the service failed). */
export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500;

export function errorHandler(logger: Logger) {
  return (err: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply) => {
    if (isTourniquetError(err)) {
      const status = STATUS[err.code] ?? 500;
      if (status >= 500) logger.error({ code: err.code, message: err.message }, 'request failed');
      return reply
        .status(status)
        .send({ error: err.code, message: err.message, issues: err.details ?? undefined });
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send({ error: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the limit' });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Parser messages quote the body, which may hold a secret: answer with the code only.
      return reply.status(fe.statusCode).send({ error: 'INVALID_INPUT', message: fe.code ?? 'bad request' });
    }
    logger.error({ name: err.name, code: fe.code }, 'unexpected request failure');
    return reply.status(500).send({ error: 'INTERNAL', message: 'internal error' });
  };
}
