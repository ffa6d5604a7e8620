/**
 * Ids as people type them: the CLI and the console show trigger, plan and task ids shortened (12
 * characters), so every command that takes one accepts a unique prefix. An unknown id is NOT_FOUND
 * (it used to list nothing and exit 0); a prefix of several is AMBIGUOUS_ID, naming them.
 */
import { TourniquetError } from '../errors.js';
import type { StoreOps } from '../store/port.js';

/** The shortest prefix taken for an id (the CLI shows 12 characters). */
const MIN_PREFIX = 8;
/** How many candidates an ambiguous prefix names. */
const SHOWN = 5;

export async function resolveId(
  store: Pick<StoreOps, 'idsLike'>,
  kind: 'trigger' | 'plan' | 'task',
  id: string,
): Promise<string> {
  const found = await store.idsLike(kind, id, SHOWN + 1);
  if (found[0] === id) return id;
  // A shortened id is a prefix of at least MIN_PREFIX characters ("l" must not pick a trigger).
  if (id.length < MIN_PREFIX || found.length === 0)
    throw new TourniquetError('NOT_FOUND', `no ${kind} ${id}`);
  if (found.length === 1) return found[0]!;
  const more = found.length > SHOWN ? ', …' : '';
  throw new TourniquetError(
    'AMBIGUOUS_ID',
    `${kind} id ${id} is the start of several: ${found.slice(0, SHOWN).join(', ')}${more}`,
  );
}

export async function resolveIds(
  store: Pick<StoreOps, 'idsLike'>,
  kind: 'trigger' | 'plan' | 'task',
  ids: readonly string[],
): Promise<string[]> {
  // One look-up per distinct id, one at a time: the embedded store has one connection anyway.
  const resolved = new Map<string, string>();
  for (const id of new Set(ids)) resolved.set(id, await resolveId(store, kind, id));
  return ids.map((id) => resolved.get(id)!);
}
