/**
 * What the AWS discoverers share: one SDK call through the sync's DiscoveryCall (budget, retries)
 * under our per-call deadline, its failure classified like the adapters classify theirs, and a
 * denial told apart so the listing can report it as `refused` instead of failing.
 */
import { TourniquetError } from '../errors.js';
import { toProviderError } from '../providers/aws-errors.js';
import type { DiscoveryCall, DiscoveryEvent } from './port.js';

export type AwsSend = <T>(what: string, op: string, run: (s: AbortSignal) => Promise<T>) => Promise<T>;

export function awsSender(call: DiscoveryCall, signal: AbortSignal, timeoutMs: number): AwsSend {
  return (what, op, run) =>
    call(what, async (s) => {
      signal.throwIfAborted();
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        return await run(AbortSignal.any([signal, s, deadline]));
      } catch (err) {
        if (signal.aborted) throw err;
        throw toProviderError(err, { op, timedOut: deadline.aborted });
      }
    });
}

/** A denial (missing permission, bad credentials): reported, not retried, not thrown. */
export function isRefusal(err: unknown): err is TourniquetError {
  return (
    err instanceof TourniquetError &&
    (err.code === 'PROVIDER_FORBIDDEN' || err.code === 'PROVIDER_AUTH_FAILED')
  );
}

export function refusedEvent(what: string, permission: string, err: TourniquetError): DiscoveryEvent {
  return { type: 'refused', what, permission, code: err.code };
}

/** Tag value by key, case-insensitively (`Owner`, `owner`). */
export function tagValue(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
  key: string,
): string | undefined {
  const v = tags?.find((t) => t.Key?.toLowerCase() === key)?.Value?.trim();
  return v ? v.slice(0, 200) : undefined;
}

export function iso(d: Date | undefined): string | undefined {
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}
