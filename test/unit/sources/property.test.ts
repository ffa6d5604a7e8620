/**
 * Property tests for every normalizer (unguarded, so any exception fails the property):
 * - random JSON values, text and bytes never make a normalizer throw, and always end as triggers or
 *   a typed rejection (the NormalizeResult contract, which includes TriggerInput for every trigger);
 * - fixtures with a planted secret, mutated at random paths, never let the secret out of
 *   `subject.token`: not into ids, evidence, ignored reasons, skipped issues or rejections.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NormalizeResult } from '../../../schemas/sources/result.js';
import { SOURCE_CASES, type SourceCase } from './cases.js';
import { assertSecretsConfined } from './fixtures.js';

const RUNS = Number(process.env.TOURNIQUET_PROPERTY_RUNS ?? 300);

function check(c: SourceCase, input: unknown): NormalizeResult {
  const result = c.normalize(input);
  const valid = NormalizeResult.safeParse(result);
  assert.ok(valid.success, `${c.name}: result breaks the NormalizeResult contract`);
  return result;
}

type Mutation = { path: number[]; op: 'delete' | 'replace' | 'wrap' | 'empty'; value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  op: fc.constantFrom('delete', 'replace', 'wrap', 'empty'),
  value: fc.jsonValue({ maxDepth: 2 }),
});

/** Follows `path` (indices select among keys) and applies the mutation to the node it reaches. */
function mutate(root: unknown, m: Mutation): unknown {
  const holder: Record<string | number, unknown> = { root: structuredClone(root) };
  let parent: Record<string | number, unknown> = holder;
  let key: string | number = 'root';
  for (const step of m.path) {
    const node = parent[key];
    if (node === null || typeof node !== 'object') break;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string | number, unknown>;
    key = keys[step % keys.length] as string | number;
  }
  if (m.op === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
  } else if (m.op === 'replace') parent[key] = m.value;
  else if (m.op === 'wrap') parent[key] = [parent[key]];
  else parent[key] = typeof parent[key] === 'string' ? '' : {};
  return holder['root'];
}

const secretArb = fc
  .string({
    unit: fc.constantFrom(...'ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'),
    minLength: 24,
    maxLength: 40,
  })
  .map((s) => `PLANTED${s}`);

describe('normalizer properties', () => {
  for (const c of SOURCE_CASES) {
    it(`${c.name}: arbitrary JSON, text and bytes end as triggers or a typed rejection`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }),
            fc.string({ maxLength: 200 }),
            fc.uint8Array({ maxLength: 200 }),
            fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
          ),
          (input) => {
            check(c, input);
          },
        ),
        { numRuns: RUNS },
      );
    });

    it(`${c.name}: a planted secret stays in subject.token through random mutations`, () => {
      fc.assert(
        fc.property(secretArb, fc.array(mutationArb, { maxLength: 3 }), (secret, mutations) => {
          let input = c.planted(secret);
          for (const m of mutations) input = mutate(input, m);
          assertSecretsConfined(check(c, input), [secret]);
          // The same event as text and as bytes behaves the same way.
          const text = JSON.stringify(input) ?? 'null';
          assertSecretsConfined(check(c, text), [secret]);
          assertSecretsConfined(check(c, Buffer.from(text)), [secret]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('the unmutated planted fixtures are still accepted (the property above is not vacuous)', () => {
    for (const c of SOURCE_CASES) {
      const r = check(c, c.planted('PLANTEDabcdefghijkmnopqrstuvwxyz'));
      assert.ok(r.ok && r.triggers.length > 0, c.name);
    }
  });
});
