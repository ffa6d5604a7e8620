/**
 * One JSON-over-HTTP call for the code adapters that speak plain REST (Okta, Microsoft Graph, the
 * Google Admin SDK, GCP IAM), with `fetch` and nothing else: no retries (the pipeline's retry layer
 * owns them), a deadline, and every failure classified by http-errors.ts. Nothing the provider sent
 * back is copied into an error except status codes, request ids and short error identifiers the
 * caller picks out (`reasonOf`); bodies may echo request parameters.
 */
import type { Logger } from 'pino';
import { TourniquetError } from '../errors.js';
import { deadline, parseRetryAfter, rateLimitedError, statusError, transportError } from './http-errors.js';

export interface RestCall {
  op: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  headers: Record<string, string>;
  /** JSON (serialised) or a form. */
  body?: unknown;
  /** Statuses that mean "no such thing" here (404 on a delete): returned as `gone`, never thrown. */
  gone?: readonly number[];
}

export interface RestAnswer {
  status: number;
  gone: boolean;
  body: unknown;
  /** The answer's headers: paging (Okta's `Link: <…>; rel="next"`) is carried there. */
  headers: Headers;
}

export interface RestClient {
  /** Provider instance name, for messages. */
  provider: string;
  timeoutMs: number;
  log: Logger;
  now: () => number;
  /** The provider's own rate-limit delay (Okta X-Rate-Limit-Reset), when Retry-After is absent. */
  rateLimitDelay?: (headers: Headers, nowMs: number) => number | undefined;
  /** Whether an answer is a rate limit although not a 429 (Google's 403 userRateLimitExceeded). */
  isRateLimited?: (status: number, body: unknown) => boolean;
  /** A short, non-secret error identifier from an error body (`E0000011`, `Request_ResourceNotFound`). */
  reasonOf?: (body: unknown) => string | undefined;
  /** Header carrying the provider's request id, kept in error details. */
  requestIdHeader?: string;
}

export async function restCall(c: RestClient, call: RestCall, signal: AbortSignal): Promise<RestAnswer> {
  const d = deadline(signal, c.timeoutMs);
  const form = call.body instanceof URLSearchParams;
  let res: Response;
  try {
    res = await fetch(call.url, {
      method: call.method,
      headers: {
        accept: 'application/json',
        ...(call.body === undefined
          ? {}
          : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
        ...call.headers,
      },
      ...(call.body === undefined
        ? {}
        : { body: form ? (call.body as URLSearchParams) : JSON.stringify(call.body) }),
      signal: d.signal,
    });
  } catch (e) {
    throw transportError(c.provider, call.op, e, d.timedOut());
  }
  const body = await readJson(res, c, call, d);
  c.log.debug({ op: call.op, status: res.status }, 'provider call');
  if (res.ok) return { status: res.status, gone: false, body, headers: res.headers };
  if (call.gone?.includes(res.status)) return { status: res.status, gone: true, body, headers: res.headers };
  throw classify(c, call.op, res, body);
}

async function readJson(
  res: Response,
  c: RestClient,
  call: RestCall,
  d: ReturnType<typeof deadline>,
): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw transportError(c.provider, call.op, e, d.timedOut());
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page: the status says enough.
    return undefined;
  }
}

function classify(c: RestClient, op: string, res: Response, body: unknown): TourniquetError {
  const nowMs = c.now();
  const requestId = c.requestIdHeader ? (res.headers.get(c.requestIdHeader) ?? undefined) : undefined;
  const reason = c.reasonOf?.(body);
  const details = { requestId, ...(reason !== undefined ? { error: reason } : {}) };
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
  if (res.status === 429 || c.isRateLimited?.(res.status, body) === true) {
    // The provider's own reset header only for a rate limit: Okta sends it on every answer.
    const delay = retryAfterMs ?? c.rateLimitDelay?.(res.headers, nowMs);
    return rateLimitedError(c.provider, op, delay, { status: res.status, ...details });
  }
  return statusError(c.provider, op, res.status, {
    ...(res.status >= 500 ? { retryAfterMs } : {}),
    details,
  });
}

/** A provider answer that is not the shape its documentation gives: permanent, never guessed at. */
export function unexpectedShape(provider: string, op: string): TourniquetError {
  return new TourniquetError('PROVIDER_REJECTED', `${provider} ${op}: unexpected answer shape`);
}

/** `encodeURIComponent` for one path segment. */
export const seg = (s: string) => encodeURIComponent(s);
