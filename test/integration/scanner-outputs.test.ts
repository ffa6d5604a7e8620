/**
 * Issue 14's acceptance for scanners: the real outputs of Gitleaks 8.30.1 (JSON, SARIF), Kingfisher
 * 2.14.0 (JSON, JSON Lines, SARIF) and detect-secrets 1.5.0 (audit report) for one planted
 * repository (test/fixtures/sources/scanners/README.md) are all accepted on the embedded runtime,
 * each finding typed to its provider, one trigger per planted secret across all of them, and no
 * planted value in any answer, log line, stored trigger, audit record or file of the data dir.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { FAKE, FIXTURE_TOKENS, fixture, fixtureText } from '../unit/sources/fixtures.js';

const OUTPUTS: ReadonlyArray<readonly [source: string, file: string]> = [
  ['gitleaks', 'gitleaks-8.30.1.json'],
  ['sarif', 'gitleaks-8.30.1.sarif'],
  ['kingfisher', 'kingfisher-2.14.0.json'],
  ['kingfisher', 'kingfisher-2.14.0.jsonl'],
  ['sarif', 'kingfisher-2.14.0.sarif'],
  ['detect-secrets', 'detect-secrets-1.5.0.audit-report.json'],
];

const GH = FIXTURE_TOKENS['GITHUB_TOKEN_1'] as string;

function plantedKey(): string {
  const report = fixture('scanners/gitleaks-8.30.1.json') as Array<Record<string, unknown>>;
  return String(report.find((f) => f['RuleID'] === 'private-key')?.['Secret']);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('real scanner outputs of one planted repository', () => {
  it('are all accepted, one trigger per secret across the tools, no planted value anywhere', async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    const log = captureLogger('debug');
    const runtime = await createRuntime(testConfig({ dataDir: join(dir.path, 'data'), providers: [] }), {
      logger: log.logger,
    });
    let rt: Runtime | undefined = runtime;
    t.after(() => rt?.stop());
    const ops = localOps(runtime.deps);

    const answers: unknown[] = [];
    const ids = new Set<string>();
    for (const [source, file] of OUTPUTS) {
      const res = await ops.ingestSource(source, Buffer.from(fixtureText(`scanners/${file}`)));
      answers.push(res);
      assert.ok(res.accepted.length >= 3, `${file}: accepted`);
      assert.equal(res.skipped, undefined, `${file}: nothing malformed`);
      for (const a of res.accepted) ids.add(a.id);
    }
    await runtime.startWorkers();
    await runtime.idle();

    // Four planted secrets: the GitHub PAT, the Slack bot token, the AWS key pair, the private key.
    assert.equal(ids.size, 4, 'one trigger per secret across all the tools');
    const triggers = (await runtime.deps.store.listTriggers({ limit: 100 })).filter((x) => x.kind === 'leak');
    assert.deepEqual(triggers.map((x) => x.id).sort(), [...ids].sort());
    const types = triggers
      .map((x) => (x.kind === 'leak' ? (x.subject.secret?.providerType ?? '') : ''))
      .map((p, i) => {
        const x = triggers[i];
        return x?.kind === 'leak' && x.subject.providerKeyId ? `aws:${x.subject.providerKeyId}` : p;
      })
      .sort();
    assert.deepEqual(types, [`aws:${FAKE.scannerAwsKeyId}`, 'crypto', 'github', 'slack']);
    for (const x of triggers) {
      assert.equal(
        x.occurredAt.slice(0, 10) <= '2026-11-20',
        true,
        'the commit time, not the time of ingest',
      );
    }
    const audit = await ops.listAudit({ limit: 10_000 });
    assert.ok(
      audit.some((r) => r.type === 'trigger.duplicate'),
      'the other reports were duplicates',
    );

    await runtime.stop();
    rt = undefined;
    const seen = [JSON.stringify(answers), JSON.stringify(triggers), JSON.stringify(audit), log.text()].join(
      '\n',
    );
    const keyBody = plantedKey().split('\n')[1] ?? '';
    assert.ok(keyBody.length > 20);
    for (const secret of [GH, FAKE.scannerSlack, FAKE.scannerAwsSecret, keyBody]) {
      assert.ok(!seen.includes(secret), 'a planted value was echoed');
      for (const f of await filesUnder(dir.path))
        assert.ok(!(await readFile(f)).includes(secret), `a planted value is in ${f}`);
    }
  });

  it('over the operator API: a SARIF log is accepted; an unknown source answers 404 with the valid names', async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    const log = captureLogger('debug');
    const runtime = await createRuntime(testConfig({ dataDir: join(dir.path, 'data'), providers: [] }), {
      logger: log.logger,
    });
    t.after(() => runtime.stop());
    const app = buildApp({
      ops: localOps(runtime.deps),
      logger: log.logger,
      bodyLimitBytes: 1024 * 1024,
      adminToken: 'admin-token',
      health: () => runtime.deps.bus.health(),
    });
    t.after(() => app.close());
    const headers = { authorization: 'Bearer admin-token', 'content-type': 'application/octet-stream' };
    const payload = Buffer.from(fixtureText('scanners/gitleaks-8.30.1.sarif'));
    const ok = await app.inject({ method: 'POST', url: '/v1/sources/sarif/events', headers, payload });
    assert.equal(ok.statusCode, 202);
    assert.equal((ok.json() as { accepted: unknown[] }).accepted.length, 4);
    const bad = await app.inject({ method: 'POST', url: '/v1/sources/sarif-2/events', headers, payload });
    assert.equal(bad.statusCode, 404);
    const body = bad.json() as { error: string; issues?: { validSources?: string[] } };
    assert.equal(body.error, 'UNKNOWN_SOURCE');
    assert.ok(body.issues?.validSources?.includes('sarif'));
    assert.ok(body.issues?.validSources?.includes('gitlab.secret_detection'));
    for (const secret of [GH, FAKE.scannerSlack, FAKE.scannerAwsSecret])
      assert.ok(![ok.body, bad.body, log.text()].join('').includes(secret));
  });
});
