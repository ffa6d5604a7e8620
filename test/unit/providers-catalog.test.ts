/**
 * `tourniquet providers --json`: every provider type, with the actions each declares. The families'
 * entries are checked against their definitions (by value → revoke_by_value needing the secret, by id
 * → revoke needing the providerId), the adapters' against the kinds their type knows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { ProviderTypeEntry } from '../../src/providers/catalog.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { KINDS_BY_TYPE } from '../../src/providers/kinds.js';

const run = promisify(execFile);

describe('tourniquet providers', () => {
  let entries: ProviderTypeEntry[];

  it('--json lists at least 20 provider types, every declared family among them', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'providers', '--json'],
      {
        env: { ...process.env, TOURNIQUET_CONFIG: '' },
      },
    );
    entries = JSON.parse(stdout) as ProviderTypeEntry[];
    assert.ok(entries.length >= 20, `${entries.length} types`);
    for (const name of ['oauth', 'aws_iam', 'aws_secrets', 'vault', 'github', 'slack'])
      assert.ok(
        entries.some((e) => e.type === name),
        name,
      );
    for (const def of Object.values(FAMILIES))
      assert.ok(
        entries.some((e) => e.type === def.name),
        def.name,
      );
    assert.equal(new Set(entries.map((e) => e.type)).size, entries.length, 'types are unique');
  });

  it("each family entry's actions are the ones its definition declares", () => {
    for (const def of Object.values(FAMILIES)) {
      const entry = entries.find((e) => e.type === def.name)!;
      assert.equal(entry.configType, 'http_family');
      assert.equal(entry.providerType, def.name);
      assert.equal(entry.propagationMs, def.propagationMs);
      const expected: Record<string, { action: string; needs: string[] }[]> = {};
      for (const k of def.kinds) {
        expected[k.kind] = [
          ...(k.byValue ? [{ action: 'revoke_by_value', needs: ['secret'] }] : []),
          ...(k.byId ? [{ action: 'revoke', needs: ['providerId'] }] : []),
        ];
      }
      const actual = Object.fromEntries(
        Object.entries(entry.kinds).map(([kind, acts]) => [
          kind,
          acts.map((a) => ({ action: a.action, needs: a.needs })),
        ]),
      );
      assert.deepEqual(actual, expected, def.name);
      assert.equal(
        entry.canVerify,
        def.kinds.some((k) => k.verifyById ?? k.verifyByValue),
      );
      for (const secret of Object.keys(def.secrets)) assert.ok(`secrets.${secret}` in entry.config);
    }
  });

  it("each adapter entry's kinds are kinds its type knows, each with at least one action", () => {
    for (const entry of entries.filter((e) => e.configType !== 'http_family')) {
      const known = KINDS_BY_TYPE[entry.providerType] ?? [];
      assert.ok(Object.keys(entry.kinds).length > 0, entry.type);
      for (const [kind, acts] of Object.entries(entry.kinds)) {
        assert.ok(
          known.includes(kind) || (entry.type === 'oauth' && kind.startsWith('oauth.')),
          `${entry.type} ${kind}`,
        );
        assert.ok(acts.length > 0);
      }
    }
  });
});
