/** The embedded data dir's generated keys (src/crypto/keys.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkpointSignedBy, signCheckpoint } from '../../src/audit/anchor.js';
import { anchorPublicKey, loadOrCreateLocalKeys } from '../../src/crypto/keys.js';
import { tempDir } from '../support/runtime.js';

describe('local keys', () => {
  it('a data dir from before the audit keys keeps its keys and gets the audit and anchor keys added', async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    const old = { fingerprint: randomBytes(32).toString('base64'), seal: randomBytes(32).toString('base64') };
    await writeFile(join(dir.path, 'keys.json'), JSON.stringify(old), { mode: 0o600 });
    const first = await loadOrCreateLocalKeys(dir.path);
    assert.deepEqual(first.generated, ['audit', 'anchor']);
    assert.equal(first.fingerprint.toString('base64'), old.fingerprint);
    assert.equal(first.seal.toString('base64'), old.seal);
    assert.equal((await stat(join(dir.path, 'keys.json'))).mode & 0o777, 0o600);

    const again = await loadOrCreateLocalKeys(dir.path);
    assert.deepEqual(again.generated, []);
    assert.ok(again.audit.equals(first.audit));
    // The same anchor key after a restart: yesterday's checkpoints still verify.
    const c = signCheckpoint(
      { seq: 3, hash: 'a'.repeat(64), legacySeq: 0 },
      0,
      new Date().toISOString(),
      first.anchor,
    );
    assert.ok(checkpointSignedBy(c, anchorPublicKey(again.anchor)));
    const stored = JSON.parse(await readFile(join(dir.path, 'keys.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(stored).sort(), ['anchor', 'audit', 'fingerprint', 'seal']);
  });

  it('a checkpoint signed by another key, or altered, does not verify', async (t) => {
    const a = await tempDir();
    const b = await tempDir();
    t.after(() => Promise.all([a.remove(), b.remove()]));
    const ka = await loadOrCreateLocalKeys(a.path);
    const kb = await loadOrCreateLocalKeys(b.path);
    const c = signCheckpoint(
      { seq: 9, hash: 'b'.repeat(64), legacySeq: 0 },
      0,
      new Date().toISOString(),
      ka.anchor,
    );
    assert.ok(checkpointSignedBy(c, ka.anchor));
    assert.equal(checkpointSignedBy(c, kb.anchor), false);
    assert.equal(checkpointSignedBy({ ...c, seq: 10 }, ka.anchor), false);
  });
});
