/**
 * `inventory sync` of a declared family through a running runtime (issue 16's acceptance, for the
 * generic family discoverer): GitLab's FAKE (test/fakes/http-family.ts) lists every user's personal
 * access tokens, two a page. The first sync finds them with owner, scopes and dates and links the
 * owner's GitLab user id to a person; the second writes nothing; a token GitLab no longer lists is
 * marked gone; an offboarding right after the sync revokes a token no one typed into the inventory.
 * No planted token value reaches the store, the audit trail or the logs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GONE_LABEL } from '../../src/discovery/sync-merge.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FakeFamily } from '../fakes/http-family.js';
import { captureLogger, tempDir, testConfig, type CapturedLogger } from '../support/runtime.js';

const KIND = 'gitlab.personal_access_token';

describe('inventory sync of a declared family (GitLab)', () => {
  const gitlab = FAMILIES.gitlab;
  assert.ok(gitlab);
  const token = `cfg-admin-${randomBytes(12).toString('hex')}`;
  const fake = new FakeFamily(gitlab, { token }, {});
  fake.pageMax = 2;
  const day = 86_400_000;
  const ann = Array.from({ length: 2 }, () =>
    fake.mint(1, { kind: KIND, meta: { owner: '4001', scopes: ['api'], lastUsed: Date.UTC(2026, 10, 1) } }),
  );
  const others = Array.from({ length: 3 }, (_, i) =>
    fake.mint(1, { kind: KIND, meta: { owner: String(5000 + i), expires: Date.UTC(2027, 0, 1) + i * day } }),
  );
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let log: CapturedLogger;
  const ops = () => localOps(runtime.deps);
  const cred = async (providerId: string) =>
    (await runtime.deps.store.findCredentials({ providerIds: [providerId] }))[0];
  const head = async () => (await runtime.deps.store.auditHead()).seq;

  before(async () => {
    await fake.start();
    dir = await tempDir();
    log = captureLogger();
    runtime = await createRuntime(
      testConfig({
        dataDir: dir.path,
        providers: [
          {
            type: 'http_family',
            name: 'gitlab',
            family: 'gitlab',
            baseUrls: { api: fake.baseUrl },
            secrets: { token },
            timeoutMs: 5_000,
            propagationMs: 0,
          },
        ],
        drift: { intervalMs: 0 },
      }),
      { logger: log.logger },
    );
    await runtime.startWorkers();
    await ops().importInventory(
      { people: [{ id: 'ann@example.com', identities: { gitlab: '4001' } }] },
      'test',
    );
  });
  after(async () => {
    await runtime?.stop();
    await dir?.remove();
    await fake.close();
  });

  it('discovers every token with owner, scopes and dates, and links her GitLab user to her', async () => {
    const [r] = await ops().syncInventory({}, 'test');
    assert.equal(r?.provider, 'gitlab');
    assert.equal(r?.error, undefined);
    assert.deepEqual(r?.refused, []);
    assert.deepEqual(r?.complete, [KIND]);
    assert.equal(r?.created, 5);
    for (const t of ann) {
      const c = await cred(t.providerId);
      assert.equal(c?.kind, KIND);
      assert.equal(c?.owner, 'ann@example.com');
      assert.deepEqual(c?.scopes, ['api']);
      assert.equal(c?.lastUsedAt, new Date(Date.UTC(2026, 10, 1)).toISOString());
      assert.equal(c?.status, 'active');
    }
    const other = await cred(others[0]?.providerId ?? '');
    assert.equal(other?.owner, undefined, 'an account no person claims gives no owner');
    assert.ok(other?.expiresAt);
    assert.ok(r?.unknownIdentities.includes('5000'), 'and is listed');
  });

  it('a second sync changes nothing and writes nothing', async () => {
    const before = await head();
    const [r] = await ops().syncInventory({}, 'test');
    assert.deepEqual([r?.created, r?.updated, r?.gone], [0, 0, 0], JSON.stringify(r?.diff));
    assert.equal(r?.unchanged, 5);
    assert.equal(await head(), before, 'no audit record');
  });

  it('a token GitLab no longer lists is marked gone', async () => {
    const dropped = others[2];
    assert.ok(dropped);
    fake.tokens.splice(fake.tokens.indexOf(dropped), 1);
    const [r] = await ops().syncInventory({}, 'test');
    assert.equal(r?.gone, 1);
    const c = await cred(dropped.providerId);
    assert.equal(c?.status, 'deleted');
    assert.ok(c?.labels[GONE_LABEL]);
  });

  it('an offboarding right after the sync revokes her tokens no one typed in', async () => {
    await ops().ingest([{ kind: 'offboarding', subject: { person: 'ann@example.com' } }]);
    await runtime.idle();
    for (const t of ann) assert.equal(t.alive, false, 'dead at the fake');
    assert.ok(
      others.every((t) => t.alive),
      "nobody else's token",
    );
  });

  it('no token value in the store, the audit trail or the logs', async () => {
    const where = [
      JSON.stringify(await runtime.deps.store.listCredentials(10_000)),
      JSON.stringify(await runtime.deps.store.listAudit({ limit: 10_000 })),
      log.text(),
    ].join('\n');
    for (const t of [...ann, ...others]) assert.ok(!where.includes(t.value), 'a token value leaked');
    assert.ok(!where.includes(token), 'the admin token leaked');
  });
});
