/**
 * How the GitHub discoverer reads a list: one page (per_page 100) per DiscoveryCall, so the sync's
 * budget and retry policy see every request and memory holds one page; the next page is the `Link`
 * header's `rel="next"` URL, followed as GitHub gives it (some lists page by cursor, not number).
 * A next URL outside the configured API base is refused: the admin token must never travel there.
 *
 * Failures are classified as the adapter classifies its own (github-errors.ts); a refusal (401,
 * 403 without a rate limit, 404 on a list the org has: GitHub hides what a token may not see) is
 * told apart so the listing reports it as `refused` instead of failing the sync.
 */
import type { Octokit } from '@octokit/rest';
import { TourniquetError } from '../errors.js';
import { classifyGithubError } from '../providers/github-errors.js';
import { deadline } from '../providers/http-errors.js';
import type { DiscoveryCall } from './port.js';
import { nextLink } from '../util/link-header.js';

export const PER_PAGE = 100;

export interface GithubLister {
  octokit: Octokit;
  call: DiscoveryCall;
  signal: AbortSignal;
  timeoutMs: number;
  /** The configured REST base, without a trailing slash. */
  baseUrl: string;
}

/**
 * Every page of `route` (a GET of a JSON array), one page at a time. Throws a TourniquetError when a
 * page fails; the caller decides whether that is a refusal.
 */
export async function* listPages(
  l: GithubLister,
  route: string,
  params: Record<string, string | number>,
): AsyncGenerator<unknown[]> {
  let url: string | undefined;
  for (let first = true; first || url !== undefined; first = false) {
    const at = url;
    const { data, link } = await l.call(route, async (s) => {
      l.signal.throwIfAborted();
      const limit = deadline(AbortSignal.any([l.signal, s]), l.timeoutMs);
      const request = { signal: limit.signal };
      try {
        const res =
          at === undefined
            ? await l.octokit.request(route, { ...params, per_page: PER_PAGE, request })
            : await l.octokit.request({ method: 'GET', url: at, request });
        return { data: res.data as unknown, link: res.headers.link };
      } catch (err) {
        if (l.signal.aborted) throw err;
        // The Octokit error (request and response included) is deliberately not attached as cause.
        throw classifyGithubError(err, route, limit.timedOut(), Date.now());
      }
    });
    if (!Array.isArray(data)) {
      throw new TourniquetError('PROVIDER_REJECTED', `github ${route}: the answer is not a list`);
    }
    yield data;
    url = nextLink(link);
    if (url !== undefined && !url.startsWith(`${l.baseUrl}/`)) {
      throw new TourniquetError(
        'PROVIDER_REJECTED',
        `github ${route}: the next page is outside the API base`,
      );
    }
  }
}

/** A refusal to list: bad or missing rights, not a passing failure. */
export function isListRefusal(err: unknown): err is TourniquetError {
  if (!(err instanceof TourniquetError)) return false;
  if (err.code === 'PROVIDER_FORBIDDEN' || err.code === 'PROVIDER_AUTH_FAILED') return true;
  const status = (err.details as { status?: unknown } | undefined)?.status;
  return err.code === 'PROVIDER_REJECTED' && status === 404;
}
