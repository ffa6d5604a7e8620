/**
 * How the Entra discoverer reads a Graph collection: one page per DiscoveryCall (the sync's budget
 * and retries see every request, memory holds one page), `$top` 999 (Graph's ceiling for users,
 * applications and service principals; it may answer fewer), following `@odata.nextLink` until an
 * answer has none. https://learn.microsoft.com/en-us/graph/paging
 *
 * The calls are the adapter's (src/providers/entra-graph.ts): the cached client-credentials token,
 * no retries, failures classified by http-errors.ts (403 Authorization_RequestDenied →
 * PROVIDER_FORBIDDEN, 401 → PROVIDER_AUTH_FAILED, 429 with Retry-After and 5xx retriable).
 */
import { TourniquetError } from '../errors.js';
import type { EntraGraph } from '../providers/entra-graph.js';
import type { DiscoveryCall } from './port.js';

export const PAGE_TOP = 999;

export interface EntraLister {
  graph: EntraGraph;
  call: DiscoveryCall;
  signal: AbortSignal;
  provider: string;
}

/**
 * A nextLink as a path under the configured Graph base. Graph's links point back at Graph; one
 * anywhere else is refused rather than followed, because our bearer token would go with it.
 */
function nextPath(l: EntraLister, link: string, op: string): string {
  if (!link.startsWith(l.graph.base))
    throw new TourniquetError(
      'PROVIDER_REJECTED',
      `${l.provider} ${op}: the next page is not under graphUrl`,
    );
  return link.slice(l.graph.base.length);
}

/**
 * Every page of `path` (a collection with its `$select`), one at a time: the `value` array of each.
 * Throws a TourniquetError when a page fails; the caller decides whether that is a refusal.
 */
export async function* graphPages(l: EntraLister, op: string, path: string): AsyncGenerator<unknown[]> {
  let next: string | undefined = `${path}&$top=${PAGE_TOP}`;
  const seen = new Set<string>();
  while (next !== undefined) {
    const current: string = next;
    const got = await l.call(op, (s) => {
      l.signal.throwIfAborted();
      return l.graph.call({ op, method: 'GET', path: current }, AbortSignal.any([l.signal, s]));
    });
    const body = got.body as { value?: unknown; '@odata.nextLink'?: unknown } | undefined;
    if (!Array.isArray(body?.value))
      throw new TourniquetError('PROVIDER_REJECTED', `${l.provider} ${op}: the answer has no value list`);
    yield body.value;
    const link = body['@odata.nextLink'];
    next = typeof link === 'string' && link !== '' ? nextPath(l, link, op) : undefined;
    // A link that comes back would page forever: Graph's skip tokens move on.
    if (next !== undefined && seen.has(next))
      throw new TourniquetError('PROVIDER_REJECTED', `${l.provider} ${op}: the next page repeats`);
    if (next !== undefined) seen.add(next);
  }
}
