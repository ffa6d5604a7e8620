/**
 * Errors carry a stable `code` (tests assert codes, never message text) and a `retriable` flag that
 * the retry layer reads. Messages must never contain a secret value.
 */
export type ErrorCode =
  // input
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'INVALID_SIGNATURE'
  | 'STALE_TIMESTAMP'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNKNOWN_SOURCE'
  | 'NOT_FOUND'
  | 'AMBIGUOUS_ID'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  // a console form posted from another site, or without its session's token
  | 'CSRF_REJECTED'
  // infrastructure
  | 'STORE_UNAVAILABLE'
  | 'BUS_UNAVAILABLE'
  | 'SERVICE_UNREACHABLE'
  | 'DATA_DIR_LOCKED'
  | 'DATA_DIR_INSECURE'
  | 'LOG_DAMAGED'
  | 'SEAL_FAILED'
  // provider outcomes the retry layer classifies
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_NETWORK'
  | 'PROVIDER_AUTH_FAILED'
  | 'PROVIDER_FORBIDDEN'
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_UNSUPPORTED'
  | 'PROVIDER_MISCONFIGURED'
  | 'SECRET_UNAVAILABLE'
  | 'AUDIT_CHAIN_BROKEN'
  | 'VERIFY_FAILED'
  | 'DEPENDENCY_FAILED'
  // this attempt's lease was taken over by a later claim: what it would write is refused (fencing)
  | 'LEASE_LOST'
  | 'INTERNAL';

export class TourniquetError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  /** Provider-requested delay (Retry-After, x-ratelimit-reset, Slack's 429), when known. */
  readonly retryAfterMs: number | undefined;
  /** Structured, secret-free details (e.g. the zod issues of a rejected input). */
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retriable?: boolean; retryAfterMs?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TourniquetError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details;
  }
}

export function isTourniquetError(e: unknown): e is TourniquetError {
  return e instanceof TourniquetError;
}

/** Error convenience for the many places that only need a code and a message. */
export function fail(
  code: ErrorCode,
  message: string,
  opts?: ConstructorParameters<typeof TourniquetError>[2],
): never {
  throw new TourniquetError(code, message, opts);
}

export interface CoerceOptions {
  /** What was being done, named first in the message: "provider github-main execute revoke". */
  during?: string;
  /** Values that must never be kept (the task's secret): scrubbed from any message and stack. */
  redact?: readonly (string | undefined)[];
  /** The code of a transport failure (an errno such as ECONNRESET, an abort); default SERVICE_UNREACHABLE. */
  transient?: ErrorCode;
}

/** JavaScript's own error classes: thrown by a bug in our code, with messages worth reading. */
const LANGUAGE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'URIError']);

/**
 * Anything thrown → a TourniquetError with a code and a `retriable` flag. Ours pass through (their
 * messages are secret-free by rule). A foreign error is never kept as it is: an SDK error holds the
 * request (headers, body: the token) and its response, so what is kept is a new `cause` with only
 * its class name, a scrubbed message (only for JavaScript's own errors, whose messages say what went
 * wrong; quoted or token-like values are removed, since V8 quotes property keys and JSON input) and
 * the stack frames, which name the code that threw. The message says what failed, where, and how:
 * enough to act on from a dead letter, without reading logs.
 */
export function coerceError(e: unknown, opts: CoerceOptions = {}): TourniquetError {
  if (isTourniquetError(e)) return e;
  const during = opts.during ? `${opts.during}: ` : '';
  if (!(e instanceof Error)) {
    return new TourniquetError('INTERNAL', `${during}a ${typeof e} was thrown, not an Error (a bug)`, {
      details: { error: typeof e },
    });
  }
  const name = safeName(e);
  const errno = errnoIn(e);
  const redact = (opts.redact ?? []).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const text = LANGUAGE_ERRORS.has(name) ? scrubMessage(e.message, redact) : '';
  const frames = stackFrames(e.stack, redact);
  const cause = new Error(text);
  cause.name = name;
  cause.stack = [`${name}${text ? `: ${text}` : ''}`, ...frames].join('\n');
  const site = frames[0]?.trim().replace(/^at /, '');
  const where = site ? ` at ${site}` : '';
  const details = { error: name, ...(errno ? { errno } : {}), ...(site ? { site } : {}) };
  if (errno || isAbort(e)) {
    const how = errno ?? 'aborted';
    return new TourniquetError(opts.transient ?? 'SERVICE_UNREACHABLE', `${during}${name} (${how})`, {
      retriable: true,
      cause,
      details,
    });
  }
  const kind = LANGUAGE_ERRORS.has(name) ? 'bug' : 'unexpected error';
  return new TourniquetError('INTERNAL', `${during}${kind}: ${name}${text ? `: ${text}` : ''}${where}`, {
    cause,
    details,
  });
}

function safeName(e: Error): string {
  return /^[A-Za-z][A-Za-z0-9_$.]{0,60}$/.test(e.name) ? e.name : 'Error';
}

/** Removes the given values, then anything quoted or token-like, and bounds the length. */
function scrubMessage(message: string, redact: readonly string[]): string {
  let m = message;
  for (const v of redact) m = m.split(v).join('[redacted]');
  return m
    .replace(/(['"`])(?:(?!\1)[^\n]){13,}\1/g, '$1[redacted]$1')
    .replace(/[A-Za-z0-9+/=_-]{20,}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}

/** The "at …" lines only: the first line(s) of a stack repeat the message. */
function stackFrames(stack: string | undefined, redact: readonly string[]): string[] {
  return (stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l) && !redact.some((v) => l.includes(v)))
    .slice(0, 12)
    .map((l) => l.replace('file://', '').replace(`${process.cwd()}/`, ''));
}

/** The first error in the cause chain (at most 5 deep) that `match` accepts. */
export function inCauseChain<T>(err: unknown, match: (e: Error) => T | undefined): T | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const found = match(current);
    if (found !== undefined) return found;
    current = current.cause;
  }
  return undefined;
}

/** The errno-style code (ECONNREFUSED, UND_ERR_SOCKET…) somewhere in the cause chain. */
function errnoIn(err: unknown): string | undefined {
  return inCauseChain(err, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && /^(E[A-Z0-9]+|UND_ERR_[A-Z_]+)$/.test(code) ? code : undefined;
  });
}

/** An abort or timeout somewhere in the cause chain. */
export function isAbort(err: unknown): boolean {
  return (
    inCauseChain(err, (e) => (e.name === 'AbortError' || e.name === 'TimeoutError' ? true : undefined)) ??
    false
  );
}

/** What a log line says of an error: code, message, retriable and, for a foreign one, its scrubbed stack. */
export function errorSummary(err: unknown): Record<string, unknown> {
  const e = coerceError(err);
  const summary = { code: e.code, message: e.message, retriable: e.retriable };
  // A foreign error: its scrubbed stack (above), never the error object itself.
  return e === err || !(e.cause instanceof Error) ? summary : { ...summary, stack: e.cause.stack };
}
