/**
 * Classification helpers shared by the HTTP provider adapters. They turn what a provider answered
 * (status, Retry-After, rate-limit headers) or how the transport failed into a TourniquetError that
 * the retry layer reads: `retriable` and, when the provider said so, `retryAfterMs`.
 *
 * Messages are built here from status codes and operation names only. Nothing a provider sent back
 * (bodies echo request parameters, sometimes the token) and no SDK error object is ever copied in.
 */
import { coerceError, inCauseChain, isAbort, TourniquetError } from '../errors.js';

/** Header lookup over the shapes SDKs hand out (plain objects with lower-case keys, or Headers). */
export type HeaderBag = Headers | Readonly<Record<string, string | number | readonly string[] | undefined>>;

export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : headers[key];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Returns milliseconds from `nowMs`,
 * never negative; undefined when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | undefined | null,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * A rate-limit reset given as UTC epoch seconds (GitHub `x-ratelimit-reset`). Returns milliseconds
 * from `nowMs` plus one second, because the reset second itself may still be refused.
 */
export function parseRateLimitReset(
  value: string | undefined | null,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === undefined || value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value.trim()) * 1000 - nowMs) + 1000;
}

export interface StatusErrorOptions {
  retryAfterMs?: number | undefined;
  details?: Record<string, string | number | boolean | undefined>;
}

/**
 * The generic meaning of an HTTP status for a provider call. Callers handle what their provider
 * means by a status first (404 on delete = already revoked, rate-limit signals on 403).
 */
export function statusError(
  provider: string,
  op: string,
  status: number,
  opts: StatusErrorOptions = {},
): TourniquetError {
  const details = compact({ status, ...opts.details });
  const message = `${provider} ${op}: HTTP ${status}`;
  const retryAfter = opts.retryAfterMs === undefined ? {} : { retryAfterMs: opts.retryAfterMs };
  if (status === 429)
    return new TourniquetError('PROVIDER_RATE_LIMITED', message, { retriable: true, details, ...retryAfter });
  if (status === 408)
    return new TourniquetError('PROVIDER_TIMEOUT', message, { retriable: true, details, ...retryAfter });
  if (status >= 500)
    return new TourniquetError('PROVIDER_UNAVAILABLE', message, { retriable: true, details, ...retryAfter });
  if (status === 401) return new TourniquetError('PROVIDER_AUTH_FAILED', message, { details });
  if (status === 403) return new TourniquetError('PROVIDER_FORBIDDEN', message, { details });
  return new TourniquetError('PROVIDER_REJECTED', message, { details });
}

/** A rate-limit answer, whatever status carried it (GitHub uses 403 as well as 429). */
export function rateLimitedError(
  provider: string,
  op: string,
  retryAfterMs: number | undefined,
  details: Record<string, string | number | boolean | undefined> = {},
): TourniquetError {
  return new TourniquetError('PROVIDER_RATE_LIMITED', `${provider} ${op}: rate limited`, {
    retriable: true,
    details: compact(details),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * No answer: the request timed out, was cancelled, or the connection failed. All retriable. Only the
 * error name and errno code (ECONNREFUSED…) are kept: transport messages may carry URLs.
 */
export function transportError(
  provider: string,
  op: string,
  err: unknown,
  timedOut: boolean,
): TourniquetError {
  const errno = errnoOf(err);
  const details = compact({ error: errorName(err), errno, timedOut });
  if (timedOut || isAbort(err)) {
    return new TourniquetError('PROVIDER_TIMEOUT', `${provider} ${op}: no answer in time`, {
      retriable: true,
      details,
    });
  }
  return new TourniquetError(
    'PROVIDER_NETWORK',
    `${provider} ${op}: network failure${errno ? ` (${errno})` : ''}`,
    {
      retriable: true,
      details,
    },
  );
}

/**
 * Something neither an answer nor a transport failure (a bug, an SDK surprise): not retried. The
 * one coercion (src/errors.ts) names what broke and where, and keeps nothing of the SDK's error.
 */
export function unexpectedError(provider: string, op: string, err: unknown): TourniquetError {
  return coerceError(err, { during: `${provider} ${op}`, transient: 'PROVIDER_NETWORK' });
}

/**
 * A signal that fires on the caller's abort or after `timeoutMs`; `timedOut()` tells the two apart.
 */
export function deadline(
  signal: AbortSignal,
  timeoutMs: number,
): { signal: AbortSignal; timedOut(): boolean } {
  const timer = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([signal, timer]), timedOut: () => timer.aborted };
}

/** The errno-style code (ECONNREFUSED, UND_ERR_SOCKET…) somewhere in the cause chain, if any. */
export function errnoOf(err: unknown): string | undefined {
  return inCauseChain(err, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : undefined;
  });
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function compact(
  values: Record<string, string | number | boolean | undefined>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
  return out;
}
