/**
 * How the Slack discoverer reads a list: one page (`limit` 200, Slack's recommended ceiling) per
 * DiscoveryCall, so the sync's budget and retry policy see every request and memory holds one page;
 * the next page is `response_metadata.next_cursor` until Slack answers it empty.
 *
 * The client is the adapter's (src/providers/slack.ts): one @slack/web-api WebClient per call, SDK
 * retries off and `rejectRateLimitedCalls`, our fetch remembering the answer's status and headers,
 * failures classified by slack-errors.ts. A refusal (missing scope, wrong token type, a dead or
 * unauthorised admin token, a feature the plan lacks, HTTP 403) is told apart from a passing failure
 * so the listing can report it as `refused`; ratelimited and 5xx stay retriable and are thrown.
 */
import { type Logger as SlackLogger, LogLevel, WebClient } from '@slack/web-api';
import { TourniquetError } from '../errors.js';
import { deadline } from '../providers/http-errors.js';
import { classifySlackError, platformErrorOf } from '../providers/slack-errors.js';
import { answerKeepingFetch } from '../providers/slack-fetch.js';
import type { DiscoveryCall } from './port.js';

export const PAGE_LIMIT = 200;

/** ok:false answers that mean the configured token may not list this (not a passing condition). */
export const REFUSAL_ERRORS: ReadonlySet<string> = new Set([
  'missing_scope',
  'not_allowed_token_type',
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_access_not_granted',
  'feature_not_enabled',
  'not_an_admin',
  'not_an_enterprise',
  'no_permission',
  'access_denied',
]);

export interface SlackLister {
  call: DiscoveryCall;
  signal: AbortSignal;
  token: string;
  apiUrl: string;
  timeoutMs: number;
}

// The SDK's debug lines could carry request details; a discoverer has nothing to add to the sync's.
const silent: SlackLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** One Web API call through the DiscoveryCall, its failure classified as the adapter's are. */
async function page(
  l: SlackLister,
  method: string,
  args: Record<string, unknown>,
): Promise<Readonly<Record<string, unknown>>> {
  return l.call(method, async (s) => {
    l.signal.throwIfAborted();
    const limit = deadline(AbortSignal.any([l.signal, s]), l.timeoutMs);
    const answers = answerKeepingFetch(limit.signal);
    const client = new WebClient(l.token, {
      slackApiUrl: l.apiUrl,
      logger: silent,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      fetch: answers.fetch,
    });
    try {
      return { ...(await client.apiCall(method, args)) };
    } catch (err) {
      if (l.signal.aborted) throw err;
      const classified = classifySlackError(err, method, {
        last: answers.last(),
        timedOut: limit.timedOut(),
        nowMs: Date.now(),
        ownToken: true,
      });
      // The SDK error is not attached as cause: it holds the response body.
      const platform = platformErrorOf(err);
      if (platform !== undefined && REFUSAL_ERRORS.has(platform) && classified.code === 'PROVIDER_REJECTED') {
        // A refusal of our own token's rights: FORBIDDEN, so it reads as a permission, not a bad call.
        throw new TourniquetError('PROVIDER_FORBIDDEN', classified.message, { details: classified.details });
      }
      throw classified;
    }
  });
}

/**
 * Every page of `method`, one at a time: the array under `field` of each answer. Throws a
 * TourniquetError when a page fails; the caller decides whether that is a refusal.
 */
export async function* listPages(
  l: SlackLister,
  method: string,
  field: string,
  args: Record<string, unknown>,
): AsyncGenerator<unknown[]> {
  let cursor: string | undefined;
  for (let first = true; first || cursor !== undefined; first = false) {
    const answer = await page(l, method, { ...args, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) });
    const items = answer[field];
    if (!Array.isArray(items)) {
      throw new TourniquetError('PROVIDER_REJECTED', `slack ${method}: the answer has no ${field} list`);
    }
    yield items;
    const meta = answer.response_metadata as { next_cursor?: unknown } | undefined;
    const next = typeof meta?.next_cursor === 'string' ? meta.next_cursor : '';
    // A cursor that does not move would page forever: Slack never answers one twice.
    if (next !== '' && next === cursor)
      throw new TourniquetError('PROVIDER_REJECTED', `slack ${method}: the next cursor repeats`);
    cursor = next === '' ? undefined : next;
  }
}

/** A refusal to list: missing rights or a token that does not work, not a passing failure. */
export function isListRefusal(err: unknown): err is TourniquetError {
  return (
    err instanceof TourniquetError &&
    (err.code === 'PROVIDER_FORBIDDEN' || err.code === 'PROVIDER_AUTH_FAILED')
  );
}
