/**
 * Properties of the scanner sources over the real outputs of one planted repository
 * (fixtures/sources/scanners/): whatever order a tool lists its findings in,
 * the planted secrets make the same triggers: the AWS pairing and the fragment rule do not depend on
 * order. (That all the tools together make one trigger per secret is test/integration/scanner-outputs.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyToken } from '../../../handlers/classify/index.js';
import { fingerprinter } from '../../../src/crypto/fingerprint.js';
import { sealer } from '../../../src/crypto/seal.js';
import { acceptSource } from '../../../src/intake/sources.js';
import { fixture } from './fixtures.js';

const RUNS = Number(process.env.TOURNIQUET_PROPERTY_RUNS ?? 100);
const deps = {
  fingerprint: fingerprinter(randomBytes(32)),
  sealer: sealer(randomBytes(32)),
  classify: classifyToken,
  clock: () => new Date('2026-12-01T00:00:00Z'),
};

type Json = Record<string, unknown>;

/** Each real output as a parsed value, and how to reorder its list of findings. */
const REPORTS: ReadonlyArray<{
  source: string;
  file: string;
  reorder: (v: unknown, order: (xs: unknown[]) => unknown[]) => unknown;
}> = [
  { source: 'gitleaks', file: 'gitleaks-8.30.1.json', reorder: (v, o) => o(v as unknown[]) },
  {
    source: 'sarif',
    file: 'gitleaks-8.30.1.sarif',
    reorder: (v, o) => {
      const run = ((v as Json)['runs'] as Json[])[0] as Json;
      run['results'] = o(run['results'] as unknown[]);
      return v;
    },
  },
  {
    source: 'kingfisher',
    file: 'kingfisher-2.14.0.json',
    reorder: (v, o) => ({ ...(v as Json), findings: o((v as Json)['findings'] as unknown[]) }),
  },
  {
    source: 'kingfisher',
    file: 'kingfisher-1.112.0.json',
    reorder: (v, o) => ({ ...(v as Json), findings: o((v as Json)['findings'] as unknown[]) }),
  },
  {
    source: 'detect-secrets',
    file: 'detect-secrets-1.5.0.audit-report.json',
    reorder: (v, o) => ({ ...(v as Json), results: o((v as Json)['results'] as unknown[]) }),
  },
];

function ids(source: string, value: unknown): string[] {
  return acceptSource(source, value, deps)
    .triggers.map((t) => t.id)
    .sort();
}

describe('scanner source properties', () => {
  for (const r of REPORTS) {
    it(`${r.file}: the order of the findings does not change the triggers`, () => {
      const base = ids(r.source, fixture(`scanners/${r.file}`));
      assert.ok(base.length >= 3);
      fc.assert(
        fc.property(fc.infiniteStream(fc.nat()), (stream) => {
          const shuffle = (xs: unknown[]) => {
            const out = [...xs];
            const it = stream[Symbol.iterator]();
            for (let i = out.length - 1; i > 0; i--) {
              const j = (it.next().value as number) % (i + 1);
              [out[i], out[j]] = [out[j], out[i]];
            }
            return out;
          };
          assert.deepEqual(ids(r.source, r.reorder(fixture(`scanners/${r.file}`), shuffle)), base);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
