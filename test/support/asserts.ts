/** Small assertions and names shared by the contract tests. */
import assert from 'node:assert/strict';
import { isTourniquetError, type TourniquetError } from '../../src/errors.js';

/** Awaits a promise that must reject with a TourniquetError, and returns the error for its code. */
export async function rejected(p: Promise<unknown>): Promise<TourniquetError> {
  const e = await p.then(
    () => assert.fail('expected a TourniquetError'),
    (err: unknown) => err,
  );
  assert.ok(isTourniquetError(e), `expected a TourniquetError, got ${String(e)}`);
  return e;
}

let n = 0;
/** A name no other test (or test process) uses. */
export const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}-${Date.now()}`;
