/**
 * Matching a provider's answer against a declared meaning (schemas/providers/family.ts AnswerMatch):
 * a status, optionally with a JSON body field's value (`error.invalidToken` = true), or an id that a
 * listing no longer holds.
 */
import type { AnswerMatch } from '../../schemas/providers/family.js';

/** A dotted path into a JSON value; `length` of an array is its length. */
export function fieldAt(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const step of path.split('.')) {
    if (Array.isArray(current)) current = step === 'length' ? current.length : current[Number(step)];
    else if (current !== null && typeof current === 'object')
      current = (current as Record<string, unknown>)[step];
    else return undefined;
  }
  return current;
}

export function matches(
  list: readonly AnswerMatch[],
  status: number,
  body: unknown,
  /** The providerId's last part, for `notListed`. */
  idTail?: string,
): boolean {
  return list.some((m) => {
    if (m.status !== status) return false;
    if (m.notListed) {
      const items = m.notListed.list === undefined ? body : fieldAt(body, m.notListed.list);
      if (!Array.isArray(items) || idTail === undefined) return false;
      const key = m.notListed.key;
      return !items.some(
        (item) =>
          item !== null && typeof item === 'object' && (item as Record<string, unknown>)[key] === idTail,
      );
    }
    if (m.field === undefined) return true;
    const value = fieldAt(body, m.field);
    return m.equals === undefined ? Boolean(value) : value === m.equals;
  });
}
