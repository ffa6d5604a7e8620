/**
 * The fetch every Slack Web API client of ours is given (the adapter's and the discoverer's): it
 * adds the call's deadline and remembers the answer's status and headers, which the SDK does not
 * keep on every error it throws (a 429 without Retry-After becomes a plain Error), so that
 * `classifySlackError` can tell what happened.
 */
import type { FetchFunction } from '@slack/web-api';
import type { LastAnswer } from './slack-errors.js';

export function answerKeepingFetch(deadline: AbortSignal): {
  fetch: FetchFunction;
  last: () => LastAnswer | undefined;
} {
  let last: LastAnswer | undefined;
  const fetchFn: FetchFunction = async (url, init) => {
    const res = await fetch(url, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
    });
    last = {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      requestId: res.headers.get('x-slack-req-id'),
    };
    return res;
  };
  return { fetch: fetchFn, last: () => last };
}
