/**
 * Every page of the inventory through the Operations port (local or a running service), in id
 * order: what `inventory list` prints, so it neither stops at a cap (it stopped at 10,000 without
 * saying so) nor holds the whole inventory.
 */
import type { Credential } from '../../schemas/credential.js';
import { INVENTORY_PAGE_MAX, type Operations } from './port.js';

export async function* inventoryPages(
  ops: Pick<Operations, 'listInventory'>,
  limit = INVENTORY_PAGE_MAX,
): AsyncGenerator<Credential[]> {
  let after: string | undefined;
  for (;;) {
    const page = await ops.listInventory({ limit, after });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = page.at(-1)?.id;
  }
}
