/**
 * What a failed Octokit request means for the retry layer.
 *
 * Octokit's RequestError carries the request (body included: for /credentials/revoke that is the
 * leaked token) and the response (GitHub validation messages may echo input). Neither is ever
 * attached or copied: the TourniquetError is built from the status, a few headers and the op name.
 *
 * Rate limits [GH-RL]: primary = 403/429 (401 for some unauthenticated calls) with
 * `x-ratelimit-remaining: 0` → wait for `x-ratelimit-reset`; secondary = 403/429 whose message says
 * "secondary rate limit" → `retry-after`, else the reset time when remaining is 0, else 60 s.
 */
import type { TourniquetError } from '../errors.js';
import {
  headerValue,
  parseRateLimitReset,
  parseRetryAfter,
  rateLimitedError,
  statusError,
  transportError,
  unexpectedError,
  type HeaderBag,
} from './http-errors.js';

/** Wait after a secondary rate limit that names no time, as GitHub's docs and plugin-throttling do. */
export const SECONDARY_LIMIT_FALLBACK_MS = 60_000;

const SECONDARY_LIMIT = /secondary rate limit|abuse detection/i;

interface OctokitHttpError {
  status: number;
  response?: { status: number; headers: HeaderBag; data: unknown };
}

function asHttpError(err: unknown): OctokitHttpError | undefined {
  if (!(err instanceof Error) || err.name !== 'HttpError') return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? (err as unknown as OctokitHttpError) : undefined;
}

/** The status GitHub answered with, or undefined when no answer came (network, timeout, abort). */
export function answeredStatus(err: unknown): number | undefined {
  const http = asHttpError(err);
  return http?.response ? http.status : undefined;
}

/** `x-github-request-id` of the answer, for the audit trail. */
export function answeredRequestId(err: unknown): string | undefined {
  return headerValue(asHttpError(err)?.response?.headers, 'x-github-request-id');
}

export function classifyGithubError(
  err: unknown,
  op: string,
  timedOut: boolean,
  nowMs: number,
): TourniquetError {
  const http = asHttpError(err);
  if (!http?.response) {
    // Octokit reports a failed fetch as status 500 without a response, and rethrows AbortError as is.
    if (
      http ||
      timedOut ||
      (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
    ) {
      return transportError('github', op, err, timedOut);
    }
    return unexpectedError('github', op, err);
  }
  const { status } = http;
  const headers = http.response.headers;
  const requestId = headerValue(headers, 'x-github-request-id');
  const remaining = headerValue(headers, 'x-ratelimit-remaining');
  const resetMs = parseRateLimitReset(headerValue(headers, 'x-ratelimit-reset'), nowMs);
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);

  if ((status === 403 || status === 429) && SECONDARY_LIMIT.test(messageOf(http.response.data))) {
    const wait = retryAfterMs ?? (remaining === '0' ? resetMs : undefined) ?? SECONDARY_LIMIT_FALLBACK_MS;
    return rateLimitedError('github', op, wait, { status, requestId, limit: 'secondary' });
  }
  if ((status === 401 || status === 403 || status === 429) && remaining === '0') {
    return rateLimitedError('github', op, resetMs ?? retryAfterMs, { status, requestId, limit: 'primary' });
  }
  if (status === 429) return rateLimitedError('github', op, retryAfterMs, { status, requestId });
  return statusError('github', op, status, { retryAfterMs, details: { requestId } });
}

/** GitHub's error message, read only to recognise rate limits; never copied into an error. */
function messageOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return '';
}
