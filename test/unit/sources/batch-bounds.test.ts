/** Parse work per event is bounded (issue 12): a batch over MAX_BATCH_RECORDS is refused whole. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getSource } from '../../../handlers/sources/registry.js';
import { MAX_BATCH_RECORDS } from '../../../schemas/sources/common.js';

const over = MAX_BATCH_RECORDS + 1;
const empties = (n: number) => Array.from({ length: n }, () => '{}');

test('batch formats refuse more than MAX_BATCH_RECORDS records before validating them', () => {
  const bodies: [string, string][] = [
    ['gitleaks', `[${empties(over).join(',')}]`],
    ['trufflehog', empties(over).join('\n')],
    ['hris', `[${empties(over).join(',')}]`],
    ['generic.decommission', `[${empties(over).join(',')}]`],
    ['github.partner', `[${empties(over).join(',')}]`],
    ['okta', JSON.stringify({ data: { events: Array.from({ length: over }, () => ({})) } })],
    ['betterleaks', `[${empties(over).join(',')}]`],
    ['kingfisher', empties(over).join('\n')],
    ['kingfisher', JSON.stringify({ findings: Array.from({ length: over }, () => ({})) })],
    ['detect-secrets', JSON.stringify({ results: Array.from({ length: over }, () => ({})) })],
    [
      'gitlab.secret_detection',
      JSON.stringify({ vulnerabilities: Array.from({ length: over }, () => ({})) }),
    ],
    // Spread over runs: the bound is on the results of the whole log.
    [
      'sarif',
      JSON.stringify({
        version: '2.1.0',
        runs: [0, 1].map(() => ({
          tool: { driver: { name: 'x' } },
          results: Array.from({ length: Math.ceil(over / 2) }, () => ({})),
        })),
      }),
    ],
  ];
  for (const [name, body] of bodies) {
    const r = getSource(name)!.normalize(Buffer.from(body));
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.equal(r.code, 'INVALID_SHAPE', name);
  }
});
