import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { tempDir } from '../support/runtime.js';

it('npm run schemas exports JSON Schema generated from the zod contracts', async () => {
  const dir = await tempDir();
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/export-schemas.ts', dir.path], {
      stdio: 'pipe',
    });
    const trigger = JSON.parse(await readFile(join(dir.path, 'trigger.schema.json'), 'utf8'));
    const kinds = (trigger.oneOf ?? trigger.anyOf).map(
      (s: { properties: { kind: { const: string } } }) => s.properties.kind.const,
    );
    assert.deepEqual(kinds.sort(), ['decommission', 'leak', 'offboarding']);
    const config = JSON.parse(await readFile(join(dir.path, 'config.schema.json'), 'utf8'));
    assert.ok(config.properties.providers);
    const asyncapi = JSON.parse(await readFile(join(dir.path, 'asyncapi.json'), 'utf8'));
    assert.equal(asyncapi.asyncapi, '3.0.0');
  } finally {
    await dir.remove();
  }
});
