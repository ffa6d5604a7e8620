/** Console form bodies and query strings: URLSearchParams, then zod; empty fields are "not given". */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { z } from 'zod';
import { parseForm, parseInput, UtcMinute } from '../../../src/console/form.js';
import { isTourniquetError } from '../../../src/errors.js';

it('parses urlencoded fields and refuses a field given twice', () => {
  assert.deepEqual(parseForm('a=1&b=x+y&c=%3Cp%3E'), { a: '1', b: 'x y', c: '<p>' });
  assert.throws(
    () => parseForm('a=1&a=2'),
    (e) => isTourniquetError(e) && e.code === 'INVALID_INPUT',
  );
});

it('validates with zod, dropping empty fields, and names the bad field', () => {
  const S = z.object({ kind: z.enum(['leak']).optional(), n: z.string().optional() }).strict();
  assert.deepEqual(parseInput(S, { kind: '', n: 'x' }), { n: 'x' });
  assert.throws(
    () => parseInput(S, { kind: 'nope' }),
    (e) =>
      isTourniquetError(e) &&
      e.code === 'INVALID_INPUT' &&
      (e.details as { path: string }[]).some((i) => i.path === 'kind'),
  );
  assert.throws(
    () => parseInput(S, { extra: '1' }),
    (e) => isTourniquetError(e) && e.code === 'INVALID_INPUT',
  );
});

it('reads datetime-local values as UTC and refuses impossible dates', () => {
  assert.equal(UtcMinute.parse('2026-12-03T17:05'), '2026-12-03T17:05:00.000Z');
  assert.equal(UtcMinute.safeParse('2026-13-45T99:00').success, false);
  assert.equal(UtcMinute.safeParse('yesterday').success, false);
});
