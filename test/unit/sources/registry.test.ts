import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSource, SOURCE_NAMES, SOURCES } from '../../../handlers/sources/registry.js';
import { decodeJson, splitJsonLines } from '../../../handlers/sources/input.js';
import { normalizeGitHubSecretScanningAlert } from '../../../handlers/sources/github-secret-scanning.js';
import { NormalizeResult, SourceName } from '../../../schemas/sources/index.js';
import { TriggerInput } from '../../../schemas/trigger.js';
import { SOURCE_CASES } from './cases.js';
import { assertSecretsConfined, FAKE, okResult } from './fixtures.js';

// A registry that misses a source must not compile.
// @ts-expect-error 'okta' and the other sources are missing
const _incomplete: typeof SOURCES = { ssf: SOURCES.ssf };

describe('source registry', () => {
  it('has exactly one entry per SourceName, each named after its key', () => {
    assert.deepEqual(Object.keys(SOURCES).sort(), [...SourceName.options].sort());
    for (const [key, handler] of Object.entries(SOURCES)) assert.equal(handler.name, key);
    assert.deepEqual([...SOURCE_NAMES].sort(), [...SourceName.options].sort());
  });

  it('has a positive case for every source', () => {
    assert.deepEqual(SOURCE_CASES.map((c) => c.name).sort(), [...SourceName.options].sort());
  });

  it('every fixture yields triggers that pass TriggerInput, named after the source, of the hinted kind', () => {
    for (const c of SOURCE_CASES) {
      const handler = SOURCES[c.name];
      const result = handler.normalize(c.fixture());
      assert.ok(NormalizeResult.safeParse(result).success, c.name);
      const r = okResult(result);
      assert.ok(r.triggers.length > 0, c.name);
      for (const t of r.triggers) {
        assert.ok(TriggerInput.safeParse(t).success, c.name);
        assert.equal(t.source, c.name);
        if (handler.kindHint !== 'mixed') assert.equal(t.kind, handler.kindHint, c.name);
      }
    }
  });

  it('getSource accepts known names only', () => {
    assert.equal(getSource('okta')?.name, 'okta');
    assert.equal(getSource('constructor'), undefined);
    assert.equal(getSource('OKTA'), undefined);
  });

  it('turns an exception escaping a normalizer into NORMALIZER_FAILED without its message', () => {
    const secret = FAKE.plantedSlack;
    const hostile = {
      get action(): string {
        throw new Error(`boom ${secret}`);
      },
    };
    assert.throws(() => normalizeGitHubSecretScanningAlert(hostile));
    const r = SOURCES['github.secret_scanning_alert'].normalize(hostile);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'NORMALIZER_FAILED');
    assertSecretsConfined(r, [secret]);
  });
});

describe('input helpers', () => {
  it('splitJsonLines: CRLF, blank lines, array lines, bytes; bad lines by 0-based line number', () => {
    const text = '{"a":1}\r\n\r\n[{"b":2},{"c":3}]\nnot json\n';
    for (const raw of [text, Buffer.from(text)]) {
      const split = splitJsonLines(raw);
      assert.ok(split.ok);
      assert.deepEqual(
        split.lines.records.map((r) => r.at),
        [[0], [2, 0], [2, 1]],
      );
      assert.deepEqual(split.lines.issues, [{ path: '$[3]', message: 'the line is not valid JSON' }]);
    }
    const parsed = splitJsonLines([{ a: 1 }, { b: 2 }]);
    assert.ok(parsed.ok && parsed.lines.records.length === 2);
  });

  it('decodeJson rejects invalid UTF-8 and invalid JSON without quoting the input', () => {
    const bad = decodeJson(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    assert.ok(!bad.ok && !bad.result.ok && bad.result.code === 'INVALID_JSON');
    const secret = FAKE.plantedGitHub;
    const notJson = decodeJson(`{"x": ${secret}}`);
    assert.ok(!notJson.ok);
    assertSecretsConfined(notJson.result, [secret]);
  });
});
