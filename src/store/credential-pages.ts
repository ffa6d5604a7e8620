/**
 * The whole inventory, a page at a time (keyset on id), for the scans that must see every
 * credential: drift rounds and a sync's gone-marking read it this way, so they neither stop at a
 * cap (drift read the first 10,000 and never saw the rest) nor hold a million rows at once.
 * Updating the rows of a page while scanning is safe: the next page starts after its last id.
 */
import type { Credential } from '../../schemas/credential.js';
import type { Store } from './port.js';

export async function* credentialPages(
  store: Pick<Store, 'listCredentials'>,
  pageSize = 1_000,
): AsyncGenerator<Credential[]> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listCredentials(pageSize, after);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}
