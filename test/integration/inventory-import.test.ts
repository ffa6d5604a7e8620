/**
 * Inventory import from a file, streamed (issue 16 item 5): a JSON inventory larger than one write
 * batch goes in whole or not at all; its sections may come in any order (a reader named before
 * the `people` section is resolved at the end); every problem is named at once by path, even when
 * batches before it were written (they are rolled back); a protection change is refused unless
 * allowed; a malformed file names its line and quotes none of its content. Secrets are
 * fingerprinted: a planted value is in no file of the data dir and no error.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { governanceReport } from '../../handlers/report.js';
import { isTourniquetError } from '../../src/errors.js';
import { buildApp } from '../../src/http/app.js';
import { MAX_DOCUMENTS } from '../../src/http/operator-api.js';
import { remoteOps } from '../../src/ops/remote.js';
import { planContext } from '../../src/pipeline/triggers.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { credentialPages } from '../../src/store/credential-pages.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

/** More records than one write batch (src/ops/inventory-import.ts), so rollback spans batches. */
const N = 1_200;
const PLANTED = 'ghp_plantedImportSecret0000000000000000001';

function credential(i: number): Record<string, unknown> {
  return {
    id: `imp-${String(i).padStart(5, '0')}`,
    provider: 'github-main',
    kind: 'github.pat_classic',
    owner: 'ada@acme.example',
    readers: i % 100 === 0 ? ['bob@acme.example'] : [],
    ...(i === 7 ? { secret: PLANTED } : {}),
  };
}

/** People last: the readers above are not known when their credentials are read. */
const inventory = (creds: Record<string, unknown>[]) => ({
  credentials: creds,
  workloads: [{ name: 'payments' }],
  people: [{ id: 'ada@acme.example' }, { id: 'bob@acme.example', aliases: ['robert@acme.example'] }],
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('inventory import from a file', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const ops = () => localOps(runtime.deps);
  const file = (name: string) => join(dir.path, name);
  const count = async () => {
    let n = 0;
    for await (const page of credentialPages(runtime.deps.store)) n += page.length;
    return n;
  };
  const refused =
    (code: string, check: (e: { details?: unknown; message: string }) => void) => (e: unknown) => {
      assert.ok(isTourniquetError(e), String(e));
      assert.equal(e.code, code);
      assert.ok(!e.message.includes(PLANTED) && !JSON.stringify(e.details).includes(PLANTED));
      check(e);
      return true;
    };

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: join(dir.path, 'data') }), {
      logger: captureLogger('error').logger,
    });
  });
  after(async () => {
    await runtime.stop();
    await dir.remove();
  });

  it('streams a JSON file whose people come last, and fingerprints the planted secret', async () => {
    await writeFile(
      file('big.json'),
      JSON.stringify(inventory(Array.from({ length: N }, (_, i) => credential(i)))),
    );
    const r = await ops().importInventoryFile(file('big.json'), 'test');
    assert.deepEqual(r, { imported: N, created: N, updated: 0, unchanged: 0, people: 2, workloads: 1 });
    assert.equal(await count(), N);
    const [planted] = await runtime.deps.store.findCredentials({ ids: ['imp-00007'] });
    assert.equal(planted?.fingerprint, runtime.deps.fingerprint(PLANTED));
    const [withReader] = await runtime.deps.store.findCredentials({ ids: ['imp-01100'] });
    assert.deepEqual(withReader?.readers, ['bob@acme.example']);
    for (const f of await filesUnder(join(dir.path, 'data'))) {
      assert.ok(!(await readFile(f)).includes(PLANTED), `${f} holds the planted secret`);
    }
  });

  it('a second identical import writes nothing and audits nothing; a changed field is still written', async () => {
    const audits = async () =>
      (await runtime.deps.store.listAudit({ limit: 10_000 })).filter((a) => a.type === 'inventory.imported');
    // That no row version changes is the store's to prove (test/integration/store.test.ts); here:
    // what the import reports and audits.
    const before = { audits: (await audits()).length };
    const again = await ops().importInventoryFile(file('big.json'), 'test');
    assert.deepEqual(again, { imported: N, created: 0, updated: 0, unchanged: N, people: 2, workloads: 1 });
    assert.equal((await audits()).length, before.audits, 'no audit record for an unchanged import');

    const creds = Array.from({ length: N }, (_, i) => credential(i));
    creds[5] = { ...creds[5], owner: 'bob@acme.example' };
    await writeFile(file('one-changed.json'), JSON.stringify(inventory(creds)));
    const changed = await ops().importInventoryFile(file('one-changed.json'), 'test');
    assert.deepEqual(changed, {
      imported: N,
      created: 0,
      updated: 1,
      unchanged: N - 1,
      people: 2,
      workloads: 1,
    });
    assert.equal(
      (await runtime.deps.store.findCredentials({ ids: ['imp-00005'] }))[0]?.owner,
      'bob@acme.example',
    );
    const [rec, ...more] = (await audits()).slice(before.audits);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [rec?.data.created, rec?.data.updated, rec?.data.unchanged, rec?.data.ids],
      [0, 1, N - 1, ['imp-00005']],
    );
    // Back as it was, for the tests below.
    assert.equal((await ops().importInventoryFile(file('big.json'), 'test')).updated, 1);
  });

  it('names every problem at once, late ones included, and keeps nothing of the file', async () => {
    const creds: Record<string, unknown>[] = Array.from({ length: N }, (_, i) => ({
      ...credential(i),
      id: `bad-${i}`,
    }));
    creds[3] = { ...creds[3], kind: 'github.no_such_kind' };
    creds[N - 5] = { ...creds[N - 5], readers: ['mallory@acme.example'] };
    creds[N - 4] = { ...creds[N - 4], workload: 'no-such-workload' };
    creds[N - 3] = { ...creds[N - 3], scopes: 'repo' };
    await writeFile(file('bad.json'), JSON.stringify(inventory(creds)));
    await assert.rejects(
      ops().importInventoryFile(file('bad.json'), 'test'),
      refused('INVALID_INPUT', (e) => {
        const paths = (e.details as { path: string }[]).map((i) => i.path).sort();
        assert.deepEqual(
          paths,
          [
            `credentials.${N - 3}.scopes`,
            `credentials.${N - 4}.workload`,
            `credentials.${N - 5}.readers.0`,
            'credentials.3.kind',
          ].sort(),
        );
      }),
    );
    assert.equal(await count(), N, 'the batches written before the problems were found are rolled back');
  });

  it('refuses a change of protected unless it is allowed, then audits the change', async () => {
    const creds = [credential(0), { ...credential(1), protected: true }];
    await writeFile(file('protect.json'), JSON.stringify(creds));
    await assert.rejects(
      ops().importInventoryFile(file('protect.json'), 'test'),
      refused('CONFLICT', (e) => {
        assert.deepEqual(
          (e.details as { changes: { id: string }[] }).changes.map((c) => c.id),
          ['imp-00001'],
        );
      }),
    );
    assert.equal((await runtime.deps.store.findCredentials({ ids: ['imp-00001'] }))[0]?.protected, false);
    const r = await ops().importInventoryFile(file('protect.json'), 'test', { allowProtectionChange: true });
    assert.equal(r.imported, 2);
    assert.equal((await runtime.deps.store.findCredentials({ ids: ['imp-00001'] }))[0]?.protected, true);
    const [rec] = (await runtime.deps.store.listAudit({ limit: 10_000 }))
      .filter((a) => a.type === 'inventory.imported')
      .slice(-1);
    assert.deepEqual(rec?.data.protectionChanges, [{ id: 'imp-00001', protected: 'false → true' }]);
  });

  it('names the line of a malformed file and an unknown section, quoting neither', async () => {
    const good = JSON.stringify(credential(7));
    await writeFile(file('broken.json'), `[\n${good},\n${good},\n{"id": "x" "secret": "${PLANTED}"}\n]`);
    await assert.rejects(
      ops().importInventoryFile(file('broken.json'), 'test'),
      refused('INVALID_INPUT', (e) => assert.equal((e.details as { line: number }).line, 4)),
    );
    await writeFile(file('section.json'), JSON.stringify({ credential: [credential(7)] }));
    await assert.rejects(
      ops().importInventoryFile(file('section.json'), 'test'),
      refused('INVALID_INPUT', (e) =>
        assert.deepEqual((e.details as { path: string }[])[0]?.path, 'credential'),
      ),
    );
    assert.equal(await count(), N);
  });

  it('reports on every page of the inventory, as the report of the whole list would', async () => {
    const { report } = await ops().report({ rows: false });
    const whole = governanceReport(
      await runtime.deps.store.listCredentials(10 * N),
      await runtime.deps.store.listPeople(),
      planContext(runtime.deps),
      runtime.deps.config.policy.report,
      new Date(report.generatedAt),
    ).report;
    assert.equal(report.credentials, N);
    assert.deepEqual(report, whole);
    assert.equal(
      (await ops().checkInventory()).length,
      N,
      'no provider is configured: every credential is a gap',
    );
  });

  it('reads a YAML file the same way', async () => {
    const r = await ops().importInventoryFile('examples/inventory.yaml', 'test');
    assert.ok(r.imported > 0);
    assert.equal(await count(), N + r.imported);
  });
});

describe('inventory import through a running service, streamed', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let app: ReturnType<typeof buildApp>;
  let url = '';
  const TOKEN = 'test-admin-token-stream';
  /** More credentials than one JSON request may carry (MAX_DOCUMENTS): only the stream takes them. */
  const MANY = MAX_DOCUMENTS + 500;

  before(async () => {
    dir = await tempDir();
    const { logger } = captureLogger('error');
    runtime = await createRuntime(testConfig({ dataDir: join(dir.path, 'data') }), { logger });
    app = buildApp({
      ops: localOps(runtime.deps),
      logger,
      bodyLimitBytes: 64 * 1024,
      inventoryMaxBytes: 4 * 1024 * 1024,
      adminToken: TOKEN,
      health: () => runtime.deps.bus.health(),
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await runtime.stop();
    await dir.remove();
  });

  it('imports a file larger than one request may carry, and refuses one over the byte limit (413), keeping nothing', async () => {
    const remote = remoteOps(url, TOKEN);
    const file = join(dir.path, 'many.json');
    await writeFile(file, JSON.stringify(inventory(Array.from({ length: MANY }, (_, i) => credential(i)))));
    assert.deepEqual(await remote.importInventoryFile(file, 'test'), {
      imported: MANY,
      created: MANY,
      updated: 0,
      unchanged: 0,
      people: 2,
      workloads: 1,
    });
    const [planted] = await runtime.deps.store.findCredentials({ ids: ['imp-00007'] });
    assert.equal(planted?.fingerprint, runtime.deps.fingerprint(PLANTED));

    const huge = join(dir.path, 'huge.json');
    const padded = Array.from({ length: MANY }, (_, i) => ({
      ...credential(i),
      id: `huge-${i}`,
      labels: { pad: 'x'.repeat(400) },
    }));
    await writeFile(huge, JSON.stringify(padded));
    await assert.rejects(remote.importInventoryFile(huge, 'test'), (e: unknown) => {
      assert.ok(isTourniquetError(e), String(e));
      assert.equal(e.code, 'PAYLOAD_TOO_LARGE');
      return true;
    });
    assert.equal((await runtime.deps.store.findCredentials({ ids: ['huge-0'] })).length, 0);
  });

  it('answers an analyst 403 and a malformed stream 400 with its line', async () => {
    const post = (body: string, token = TOKEN) =>
      fetch(new URL('/v1/inventory/stream', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const { token: analyst } = await localOps(runtime.deps).addOperator('ana', 'analyst');
    assert.equal((await post('[]', analyst)).status, 403);
    const bad = await post(`[\n{"id": "a" "secret": "${PLANTED}"}]`);
    assert.equal(bad.status, 400);
    const text = await bad.text();
    assert.ok(!text.includes(PLANTED));
    assert.equal((JSON.parse(text) as { error: string }).error, 'INVALID_INPUT');
    assert.match(text, /line 2/);
  });
});
