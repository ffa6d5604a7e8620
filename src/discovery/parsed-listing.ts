/**
 * One listing's items through `toEvents`: what every paged discoverer (GitHub, Slack) does with a
 * list. It returns false, so that no `complete` goes out for its kinds, when a page was refused
 * (the refusal becomes a `refused` event) or an item did not parse: an item we could not read may
 * be one the sync would otherwise mark gone. Any other failure is thrown for the sync's retries.
 */
import type { z } from 'zod';
import type { TourniquetError } from '../errors.js';
import { describeIssues } from '../util/zod-issues.js';
import { refusedEvent } from './aws-common.js';
import type { DiscoveryEvent } from './port.js';

/** One listing's events; its value says whether it saw everything (so may send `complete`). */
export type Listing = AsyncGenerator<DiscoveryEvent, boolean>;

export interface ListingRefusal {
  /** What is listed, and the permission a refusal names (the README's words). */
  what: string;
  permission: string;
  isRefusal: (e: unknown) => e is TourniquetError;
}

export async function* parsedListing<S extends z.ZodType>(
  pages: AsyncIterable<readonly unknown[]>,
  schema: S,
  toEvents: (item: z.infer<S>) => Iterable<DiscoveryEvent> | AsyncIterable<DiscoveryEvent>,
  refusal: ListingRefusal,
  onUnreadable: (issues: string) => void,
): Listing {
  let whole = true;
  try {
    for await (const page of pages) {
      for (const raw of page) {
        const item = schema.safeParse(raw);
        if (!item.success) {
          whole = false;
          onUnreadable(describeIssues(item.error));
          continue;
        }
        yield* toEvents(item.data);
      }
    }
  } catch (err) {
    if (!refusal.isRefusal(err)) throw err;
    yield refusedEvent(refusal.what, refusal.permission, err);
    return false;
  }
  return whole;
}
