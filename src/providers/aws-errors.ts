/**
 * How AWS calls fail, and the one place that decides what a failure means to the retry layer.
 *
 * Both AWS adapters build their SDK clients here with `maxAttempts: 1`: the pipeline's retry layer
 * owns backoff and budgets, so the SDK must not retry underneath it. (The SDK's standard strategy
 * would also retry IAM's LimitExceededException as throttling; it is a quota and never clears by
 * waiting, so here it is permanent.)
 *
 * Error messages never carry AWS's message text verbatim for calls that sent a secret value: the
 * caller passes the values to scrub (`redact`).
 */
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { AwsIamProviderConfig, AwsSecretsProviderConfig } from '../../schemas/providers/aws.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError, type ErrorCode } from '../errors.js';
import { headerValue, parseRetryAfter } from './http-errors.js';

export type Details = Record<string, string | number | boolean>;

/** Settings shared by both SDK clients (IAMClientConfig accepts the same fields). */
export function awsClientConfig(
  cfg: AwsSecretsProviderConfig | AwsIamProviderConfig,
  env: Env = process.env,
): SecretsManagerClientConfig {
  const c = cfg.credentials;
  return {
    region: cfg.region,
    maxAttempts: 1,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    ...(c
      ? {
          credentials: {
            accessKeyId: resolveSecret(c.accessKeyId, env),
            secretAccessKey: resolveSecret(c.secretAccessKey, env),
            ...(c.sessionToken ? { sessionToken: resolveSecret(c.sessionToken, env) } : {}),
          },
        }
      : {}),
    // The per-call AbortSignal (see attempt) is the deadline; this only bounds the TCP connect.
    requestHandler: { connectionTimeout: Math.min(cfg.timeoutMs, 5_000) },
  };
}

/** One SDK call's result: the value, or the failure and whether our own deadline caused it. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean };

/**
 * Runs one SDK call under the task's signal plus a per-call deadline. Failures come back as
 * values so that each adapter handles its "already gone" codes before classifying the rest.
 */
export async function attempt<T>(
  signal: AbortSignal,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<Attempt<T>> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return { ok: true, value: await run(AbortSignal.any([signal, deadline])) };
  } catch (error) {
    return { ok: false, error, timedOut: deadline.aborted };
  }
}

// Codes the SDK's standard retry strategy treats as throttling, minus LimitExceededException.
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
]);
const TRANSIENT = new Set([
  'InternalServiceError',
  'InternalServiceErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  // IAM: another request changed the same entity; the next attempt sees a settled state.
  'ConcurrentModification',
  'ConcurrentModificationException',
  // Clock skew: the SDK corrects its offset from the failed response's Date header.
  'RequestTimeTooSkewed',
  'RequestExpired',
  'RequestInTheFuture',
]);
const AUTH = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const FORBIDDEN = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
]);
const NOT_FOUND = new Set(['NoSuchEntity', 'NoSuchEntityException', 'ResourceNotFoundException']);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

function shape(err: unknown): AwsErrorShape {
  return err !== null && typeof err === 'object' ? (err as AwsErrorShape) : {};
}

/** The AWS error code (`NoSuchEntity`, `ThrottlingException`…), or the Node error code. */
export function awsErrorCode(err: unknown): string {
  const e = shape(err);
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.name === 'string') return e.name;
  return 'Unknown';
}

function codes(err: unknown): string[] {
  const e = shape(err);
  return [e.Code, e.code, e.name].filter((c): c is string => typeof c === 'string');
}

function httpStatus(err: unknown): number | undefined {
  const e = shape(err);
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** NoSuchEntity (IAM) / ResourceNotFoundException (Secrets Manager). */
export function isAwsNotFound(err: unknown): boolean {
  return codes(err).some((c) => NOT_FOUND.has(c));
}

export function isAwsCode(err: unknown, code: string): boolean {
  return codes(err).includes(code);
}

/**
 * DeleteSecret on a secret already scheduled for deletion answers InvalidRequestException (the
 * same code also covers unrelated causes, so the message decides; callers confirm with
 * DescribeSecret when it does not match).
 */
export function isScheduledForDeletion(err: unknown): boolean {
  const message = shape(err).message;
  return (
    isAwsCode(err, 'InvalidRequestException') &&
    typeof message === 'string' &&
    /(scheduled|marked) (for )?delet/i.test(message)
  );
}

/** Audit facts of a response: request id and status (never payloads). */
export function responseDetails(output: {
  $metadata?: { requestId?: string; httpStatusCode?: number };
}): Details {
  const d: Details = {};
  if (output.$metadata?.requestId) d.requestId = output.$metadata.requestId;
  if (output.$metadata?.httpStatusCode !== undefined) d.httpStatus = output.$metadata.httpStatusCode;
  return d;
}

function retryAfterMs(err: unknown): number | undefined {
  return parseRetryAfter(headerValue(shape(err).$response?.headers, 'retry-after'));
}

function scrub(text: string, redact: readonly string[]): string {
  let out = text;
  for (const value of redact) if (value) out = out.split(value).join('[redacted]');
  return out.slice(0, 300);
}

export interface ErrorContext {
  /** The AWS operation, e.g. `DeleteAccessKey`. */
  op: string;
  /** Whether our own per-call deadline fired (from callSignal). */
  timedOut?: boolean;
  /** Values that must not appear in the error (a generated secret). */
  redact?: readonly string[];
  /** Extra audit facts (e.g. that an earlier step already succeeded). */
  details?: Details;
}

/** Classifies any failure of an SDK call into a TourniquetError with `retriable` set. */
export function toProviderError(err: unknown, ctx: ErrorContext): TourniquetError {
  const e = shape(err);
  const code = awsErrorCode(err);
  const status = httpStatus(err);
  const details: Details = { ...ctx.details, op: ctx.op, awsCode: code };
  if (status !== undefined) details.httpStatus = status;
  if (e.$metadata?.requestId) details.requestId = e.$metadata.requestId;
  if (typeof e.message === 'string' && e.message) details.awsMessage = scrub(e.message, ctx.redact ?? []);

  const make = (c: ErrorCode, retriable: boolean, what: string): TourniquetError =>
    new TourniquetError(c, `AWS ${ctx.op} ${what} (${code})`, {
      retriable,
      details,
      ...(retriable && retryAfterMs(err) !== undefined ? { retryAfterMs: retryAfterMs(err) } : {}),
    });

  const all = codes(err);
  const has = (set: Set<string>): boolean => all.some((c) => set.has(c));

  // Named codes first: AWS sends auth failures and denials alike as 403, throttling as 400 or 429.
  if (has(THROTTLING)) return make('PROVIDER_RATE_LIMITED', true, 'was throttled');
  // A quota (IAM: 2 keys per user, policy size; Secrets Manager: 100 versions), not a rate.
  if (all.some((c) => c === 'LimitExceeded' || c === 'LimitExceededException'))
    return make('PROVIDER_REJECTED', false, 'hit a service quota');
  if (has(AUTH)) return make('PROVIDER_AUTH_FAILED', false, 'could not authenticate');
  if (has(FORBIDDEN)) return make('PROVIDER_FORBIDDEN', false, 'was denied');
  if (status === 429) return make('PROVIDER_RATE_LIMITED', true, 'was throttled');
  if (status === 401) return make('PROVIDER_AUTH_FAILED', false, 'could not authenticate');
  if (status === 403) return make('PROVIDER_FORBIDDEN', false, 'was denied');
  if (ctx.timedOut) return make('PROVIDER_TIMEOUT', true, 'timed out');
  // The SDK names a reset socket "TimeoutError" with code ECONNRESET: the errno decides.
  const errno = typeof e.code === 'string' ? e.code : undefined;
  if (errno && errno !== 'ETIMEDOUT' && NETWORK.has(errno))
    return make('PROVIDER_NETWORK', true, 'could not reach AWS');
  if (all.includes('TimeoutError') || errno === 'ETIMEDOUT')
    return make('PROVIDER_TIMEOUT', true, 'timed out');
  if (all.includes('AbortError')) return make('PROVIDER_TIMEOUT', true, 'was aborted');
  if (has(TRANSIENT)) return make('PROVIDER_UNAVAILABLE', true, 'failed transiently');
  if (has(NETWORK)) return make('PROVIDER_NETWORK', true, 'could not reach AWS');
  if (status !== undefined && status >= 500)
    return make('PROVIDER_UNAVAILABLE', true, 'failed on the server');
  if (has(NOT_FOUND)) return make('PROVIDER_REJECTED', false, 'found no such resource');
  if (status !== undefined && status >= 400) return make('PROVIDER_REJECTED', false, 'was rejected');
  // No HTTP answer and no known transport code: an SDK or programming fault, not worth retrying.
  if (e.$fault === undefined && status === undefined)
    return make('INTERNAL', false, 'failed before reaching AWS');
  return make('PROVIDER_REJECTED', false, 'failed');
}
