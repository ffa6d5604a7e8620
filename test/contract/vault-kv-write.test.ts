/**
 * KV v2 writes against a real OpenBao dev server: `vault.kv_secret` rotate (a new version, every key
 * renewed, once per task) and a KV path as a rotation destination (written once, told apart after).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createVaultProvider } from '../../src/providers/vault.js';
import type { ProviderTask } from '../../src/providers/port.js';
import { findBao } from '../support/openbao.js';
import { unavailable } from '../support/services.js';
import { unique } from '../support/asserts.js';

const bao = await findBao();
if ('reason' in bao) {
  it('vault kv writes against OpenBao', (t) => unavailable(t, bao.reason));
} else {
  const provider = createVaultProvider({
    type: 'vault',
    name: 'vault-main',
    address: bao.url,
    token: bao.rootToken,
    propagationMs: 0,
  });
  const signal = () => AbortSignal.timeout(30_000);
  const read = async (path: string) =>
    (await bao.ok('GET', `secret/data/${path}`)).data as {
      data: Record<string, string>;
      metadata: { version: number };
    };

  it('rotate writes one new version with every key renewed; again, nothing more', async () => {
    const path = unique('app/db');
    await bao.ok('POST', `secret/data/${path}`, { data: { username: 'app', password: 'old-password' } });
    const task: ProviderTask = {
      taskId: unique('t'),
      action: 'rotate',
      credentialKind: 'vault.kv_secret',
      credentialId: 'db',
      providerId: path,
    };
    assert.equal((await provider.verify(task, signal())).liveness, 'alive');
    assert.equal((await provider.execute(task, signal())).outcome, 'revoked');
    const after = await read(path);
    assert.equal(after.metadata.version, 2);
    assert.deepEqual(Object.keys(after.data).sort(), ['password', 'username']);
    assert.notEqual(after.data.password, 'old-password');
    assert.equal(
      (await provider.verify(task, signal())).liveness,
      'dead',
      'the old value is no longer current',
    );
    assert.equal((await provider.execute(task, signal())).outcome, 'already_revoked');
    assert.equal((await read(path)).metadata.version, 2, 'one version per task');
  });

  it('a KV path as a rotation destination: written once, and known to be this task’s', async () => {
    const path = unique('ci/aws');
    const dest = provider.destination!(path, unique('rot'));
    assert.equal(await dest.written(signal()), false);
    await dest.write(
      JSON.stringify({ accessKeyId: 'AKIANEW', secretAccessKey: 'planted-secret-value' }),
      signal(),
    );
    assert.equal(await dest.written(signal()), true);
    assert.deepEqual((await read(path)).data, {
      accessKeyId: 'AKIANEW',
      secretAccessKey: 'planted-secret-value',
    });
    await bao.ok('POST', `secret/data/${path}`, { data: { accessKeyId: 'AKIAOTHER' } });
    assert.equal(await dest.written(signal()), false, 'someone wrote after us: not ours any more');
  });
}
