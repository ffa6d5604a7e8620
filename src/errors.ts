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
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
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
