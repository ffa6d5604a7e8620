/**
 * What a failed Slack call means for the retry layer.
 *
 * Slack answers errors as HTTP 200 `{ok:false, error}` and rate limits as 429 + Retry-After (seconds)
 * [SL-RL]. The SDK turns those into WebAPIPlatformError (`.data.error`) and, with
 * `rejectRateLimitedCalls`, WebAPIRateLimitedError (`.retryAfter`). The Slack error string is safe to
 * keep; SDK error objects are not attached (they hold response bodies and, for transport failures,
 * request details).
 */
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { TourniquetError } from '../errors.js';
import {
  parseRetryAfter,
  rateLimitedError,
  statusError,
  transportError,
  unexpectedError,
} from './http-errors.js';

/**
 * Answers that mean the token the call was made with no longer works. When that token is the
 * credential being revoked, this is "already revoked"; when it is our admin token, a config problem.
 */
export const DEAD_TOKEN_ERRORS: readonly string[] = [
  'invalid_auth',
  'token_revoked',
  'account_inactive',
  'token_expired',
];

/** ok:false answers that describe a passing condition on Slack's side rather than a refusal. */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** The last HTTP answer the SDK saw, captured by our fetch wrapper (the SDK hides some of them). */
export interface LastAnswer {
  status: number;
  retryAfter: string | null;
  requestId: string | null;
}

export function platformErrorOf(err: unknown): string | undefined {
  return err instanceof WebAPIPlatformError && typeof err.data.error === 'string'
    ? err.data.error
    : undefined;
}

export function classifySlackError(
  err: unknown,
  op: string,
  ctx: { last: LastAnswer | undefined; timedOut: boolean; nowMs: number; ownToken: boolean },
): TourniquetError {
  const requestId = ctx.last?.requestId ?? undefined;
  const platform = platformErrorOf(err);
  if (platform !== undefined) {
    const details = { error: platform, ...(requestId ? { requestId } : {}) };
    const message = `slack ${op}: ${platform}`;
    if (platform === 'ratelimited')
      return rateLimitedError('slack', op, parseRetryAfter(ctx.last?.retryAfter, ctx.nowMs), details);
    if (TRANSIENT_ERRORS.has(platform)) {
      return new TourniquetError('PROVIDER_UNAVAILABLE', message, { retriable: true, details });
    }
    if (ctx.ownToken && (DEAD_TOKEN_ERRORS.includes(platform) || platform === 'not_authed')) {
      return new TourniquetError('PROVIDER_AUTH_FAILED', message, { details });
    }
    return new TourniquetError('PROVIDER_REJECTED', message, { details });
  }
  if (err instanceof WebAPIRateLimitedError) {
    return rateLimitedError('slack', op, Math.round(err.retryAfter * 1000), { status: 429, requestId });
  }
  if (err instanceof WebAPIHTTPError) {
    const retryAfterMs = parseRetryAfter(ctx.last?.retryAfter, ctx.nowMs);
    return statusError('slack', op, err.statusCode, { retryAfterMs, details: { requestId } });
  }
  if (err instanceof WebAPIRequestError) return transportError('slack', op, err.original, ctx.timedOut);
  // A 429 without a usable Retry-After makes the SDK throw a plain Error; our fetch wrapper saw it.
  if (ctx.last?.status === 429) {
    return rateLimitedError('slack', op, parseRetryAfter(ctx.last.retryAfter, ctx.nowMs), {
      status: 429,
      requestId,
    });
  }
  if (ctx.timedOut) return transportError('slack', op, err, true);
  return unexpectedError('slack', op, err);
}
