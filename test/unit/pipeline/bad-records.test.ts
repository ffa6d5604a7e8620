/** Cutting the malformed records out of a batch (src/intake/bad-records.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeSource } from '../../../src/intake/sources.js';
import { badRecords } from '../../../src/intake/bad-records.js';

const finding = (raw: unknown, detector: unknown = 'Github') =>
  JSON.stringify({
    SourceMetadata: {},
    DetectorName: detector,
    DecoderName: 'PLAIN',
    Verified: true,
    Raw: raw,
  });

describe('badRecords', () => {
  it('a TruffleHog JSON Lines batch: only the bad line, never its siblings', () => {
    const body = Buffer.from(
      [
        finding('ghp_goodgoodgood1'),
        finding('ghp_plantedplanted', 42),
        '',
        finding('ghp_goodgoodgood2'),
      ].join('\n'),
    );
    const res = normalizeSource('trufflehog', body);
    assert.ok(res.ok && res.skipped?.length);
    const bad = badRecords(body, res.skipped, true);
    assert.deepEqual(
      bad.map((b) => b.path),
      ['$[1]'],
    );
    assert.ok(bad[0]!.payload?.includes('ghp_plantedplanted'));
    assert.ok(!bad[0]!.payload?.includes('ghp_good'));
  });

  it('a nested list (Okta events): the record under its array; a partial batch never keeps the whole event', () => {
    const event = { data: { events: [{ ok: 1 }, { bad: 'secret-ish' }] } };
    const bad = badRecords(
      event,
      [
        { path: '$.data.events[1].target', message: 'names no User target' },
        { path: '$', message: '3 more issues' },
      ],
      true,
    );
    assert.deepEqual(
      bad.map((b) => [b.path, b.payload]),
      [
        ['$.data.events[1]', JSON.stringify({ bad: 'secret-ish' })],
        ['$', null],
      ],
    );
  });

  it('a report on one line of JSON Lines (Kingfisher): the finding inside it, never its siblings', () => {
    const finding = (snippet: unknown) => ({ rule: { id: 'betterleaks.github-pat' }, finding: { snippet } });
    const report = { findings: [finding('ghp_goodgoodgood1'), finding(42), finding('ghp_goodgoodgood2')] };
    const body = Buffer.from(JSON.stringify(report));
    const res = normalizeSource('kingfisher', body);
    assert.ok(res.ok && res.skipped?.length);
    const one = badRecords(body, res.skipped, true);
    assert.deepEqual(
      one.map((b) => b.path),
      ['$.findings[1]'],
    );
    assert.equal(one[0]?.payload, JSON.stringify(finding(42)));
    // The same report, as lines that are not one JSON document: the path names the line too.
    const lines = Buffer.from(`${JSON.stringify(report)}\n${JSON.stringify(finding('ghp_goodgoodgood3'))}\n`);
    const byLine = normalizeSource('kingfisher', lines);
    assert.ok(byLine.ok && byLine.skipped?.length);
    const bad = badRecords(lines, byLine.skipped, true);
    assert.deepEqual(
      bad.map((b) => b.path),
      ['$[0].findings[1]'],
    );
    assert.equal(bad[0]?.payload, JSON.stringify(finding(42)));
  });
});
