/**
 * `plan --source NAME FILE` for every source: the real payload of each producer (the fixtures)
 * gives a dry-run plan, and nothing is stored or executed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SOURCE_NAMES } from '../../handlers/sources/registry.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { fixtureText } from '../unit/sources/fixtures.js';

const FIXTURE_OF: Record<string, string> = {
  'github.secret_scanning_alert': 'github-secret-scanning-alert.created.json',
  'github.partner': 'github-partner.batch.json',
  gitguardian: 'gitguardian.incident-triggered.json',
  trufflehog: 'trufflehog.jsonl',
  gitleaks: 'gitleaks.report.json',
  'aws.health': 'aws-health.credentials-exposed.json',
  okta: 'okta.event-hook.json',
  scim: 'scim.patch-deactivate.json',
  bamboohr: 'bamboohr.event-deleted.json',
  hris: 'hris.terminated.json',
  'kubernetes.audit': 'kubernetes-audit.event-list.json',
  'aws.cloudtrail': 'cloudtrail.delete-role.json',
  terraform: 'terraform.destroy-applied.json',
  'generic.decommission': 'decommission.json',
  ssf: 'ssf.account-disabled.json',
  sarif: 'scanners/gitleaks-8.30.1.sarif',
  kingfisher: 'scanners/kingfisher-2.14.0.jsonl',
  betterleaks: 'betterleaks.report.json',
  'detect-secrets': 'scanners/detect-secrets-1.5.0.audit-report.json',
  'gitlab.secret_detection': 'gitlab-secret-detection.report.json',
};

let dir: Awaited<ReturnType<typeof tempDir>>;
let runtime: Runtime;
before(async () => {
  dir = await tempDir();
  runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger('warn').logger });
});
after(async () => {
  await runtime.stop();
  await dir.remove();
});

it('every source has a fixture here', () => {
  assert.deepEqual(Object.keys(FIXTURE_OF).sort(), [...SOURCE_NAMES].sort());
});

for (const source of SOURCE_NAMES) {
  it(`plan --source ${source}: a dry-run plan of the real payload, nothing stored`, async () => {
    const raw = Buffer.from(fixtureText(FIXTURE_OF[source]!));
    const res = await localOps(runtime.deps).planSource(source, raw);
    assert.ok(res.plans.length >= 1, `${source}: at least one plan`);
    for (const p of res.plans) assert.ok(p.triggerId.length > 0);
    assert.deepEqual(await runtime.deps.store.listTriggers({ limit: 10 }), [], 'nothing stored');
  });
}
