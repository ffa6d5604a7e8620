/**
 * `audit export --format ocsf`: a leak revoked at a real OAuth server and an offboarding that needs
 * its owner, exported as OCSF events, each validated against the published OCSF schema
 * (test/support/ocsf-schema.ts). The events say who owned the credential, which workload used it
 * and where it leaked, and never carry the secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { FakeFamily } from '../fakes/http-family.js';
import { OcsfSchema, ocsfSchemaPath } from '../support/ocsf-schema.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';
import { unavailable } from '../support/services.js';

const CLASSES: Record<number, string> = {
  3001: 'account_change',
  3004: 'entity_management',
  7001: 'remediation_activity',
};

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OCSF export', () => {
  let oauth: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let token: string;
  let gitlabToken: string;
  const events: Event[] = [];
  let text = '';
  const schemaPath = ocsfSchemaPath();

  before(async () => {
    oauth = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [{ ...oauthProviderConfig(oauth), propagationMs: 0 }] }),
      { logger: captureLogger().logger },
    );
    await runtime.startWorkers();
    token = await oauth.mint();
    gitlabToken = new FakeFamily(FAMILIES.gitlab!, { token: 'x' }, {}).mint().value;
    const ops = localOps(runtime.deps);
    await ops.importInventory(
      [
        {
          id: 'billing-token',
          provider: 'oauth-main',
          kind: 'oauth.access_token',
          owner: 'ann@example.com',
          workload: 'billing-api',
          secret: token,
        },
      ],
      'test',
    );
    await ops.ingest([
      {
        kind: 'leak',
        source: 'gitleaks',
        occurredAt: '2026-11-30T08:00:00Z',
        subject: { token },
        evidence: { repo: 'acme/billing', file: 'deploy/.env', commit: 'a1b2c3d', line: `TOKEN=${token}` },
      },
      { kind: 'offboarding', source: 'hris', subject: { person: 'bob@example.com' } },
      // A GitLab token, and no GitLab configured: only its owner can revoke it.
      { kind: 'leak', source: 'gitleaks', subject: { token: gitlabToken } },
    ]);
    await runtime.idle();
    for await (const e of ops.exportAuditOcsf()) events.push(e as Event);
    text = events.map((e) => JSON.stringify(e)).join('\n');
  });
  after(async () => {
    await runtime?.stop();
    await oauth?.close();
    await dir?.remove();
  });

  it('every event is valid for its OCSF class', (t) => {
    if (!schemaPath) return unavailable(t, 'OCSF schema not fetched (run infra/ocsf/install.sh)');
    const schema = new OcsfSchema(schemaPath);
    assert.ok(events.length > 5, `events exported: ${events.length}`);
    for (const e of events) {
      const cls = CLASSES[e.class_uid as number];
      assert.ok(cls, `class ${String(e.class_uid)} is one of ours`);
      assert.deepEqual(schema.validateEvent(cls, e), [], `${e.metadata?.event_code}: ${JSON.stringify(e)}`);
      assert.equal(e.metadata.version, '1.8.0');
    }
    assert.deepEqual(
      [...new Set(events.map((e) => e.class_uid as number))].sort(),
      [3001, 3004, 7001],
      'each of the three classes is used',
    );
  });

  it('the validator rejects what OCSF does not allow (it can fail)', (t) => {
    if (!schemaPath) return unavailable(t, 'OCSF schema not fetched (run infra/ocsf/install.sh)');
    const schema = new OcsfSchema(schemaPath);
    const good = events.find((e) => e.class_uid === 3001)!;
    const broken = structuredClone(good);
    delete broken.user;
    broken.activity_id = 42;
    broken.time = 'yesterday';
    broken.user_name = 'x';
    const problems = schema.validateEvent('account_change', broken).join('\n');
    for (const p of [
      'user: required',
      'activity_id: 42',
      'time: expected an integer',
      'user_name: not an attribute',
    ])
      assert.ok(problems.includes(p), `${p} in:\n${problems}`);
  });

  it("a revocation says whose credential, which workload and where it leaked; a leaver's gap needs its owner", () => {
    const revoked = events.find((e) => e.metadata.event_code === 'task.revoked');
    assert.ok(revoked, 'the revocation is exported');
    assert.equal(revoked.class_uid, 3001);
    assert.equal(revoked.status_id, 1);
    assert.equal(revoked.activity_id, 5, 'Disable: a revoked token is disabled, not deleted');
    assert.equal(revoked.user.uid, 'ann@example.com');
    assert.deepEqual(revoked.user.programmatic_credentials, [
      { uid: 'billing-token', type: 'oauth.access_token' },
    ]);
    const more = revoked.unmapped.tourniquet;
    assert.equal(more.credential.workload, 'billing-api');
    assert.equal(more.trigger.evidence.repo, 'acme/billing');
    assert.equal(more.trigger.evidence.commit, 'a1b2c3d');
    assert.equal(
      Date.parse(revoked.metadata.original_time),
      Date.parse('2026-11-30T08:00:00Z'),
      'when it leaked',
    );
    assert.ok(events.some((e) => e.metadata.event_code === 'task.verified' && e.status_id === 1));

    const needs = events.find((e) => e.metadata.event_code === 'plan.needs_owner');
    assert.ok(needs, 'the gap is exported');
    assert.equal(needs.class_uid, 7001);
    assert.equal(needs.status_id, 5, 'Remediation "Unsupported"');
    assert.equal(needs.unmapped.tourniquet.trigger.kind, 'leak');
    const left = events.find(
      (e) =>
        e.metadata.event_code === 'trigger.accepted' && e.unmapped.tourniquet.trigger.kind === 'offboarding',
    );
    assert.equal(left?.unmapped.tourniquet.trigger.person, 'bob@example.com', 'who left');
  });

  it('the audit records themselves name the leaver and where it leaked (evidence redacted)', async () => {
    const accepted = (await runtime.deps.store.listAudit({})).filter((r) => r.type === 'trigger.accepted');
    const leak = accepted.find(
      (r) => r.data.kind === 'leak' && r.data.source === 'gitleaks' && r.data.evidence,
    );
    const evidence = leak?.data.evidence as Record<string, string> | undefined;
    assert.equal(evidence?.repo, 'acme/billing');
    assert.equal(evidence?.commit, 'a1b2c3d');
    assert.equal(evidence?.line, undefined, 'free text stays with the trigger, out of the audit');
    const stored = await runtime.deps.store.getTrigger(String(leak?.triggerId));
    assert.match(String(stored?.evidence.line), /^TOKEN=\[redacted [0-9a-f]{8}\]$/);
    assert.equal(accepted.find((r) => r.data.kind === 'offboarding')?.data.person, 'bob@example.com');
  });

  it('no event carries the secret', () => {
    assert.ok(text.length > 0);
    assert.ok(!text.includes(token), 'the token is in the export');
    assert.ok(!text.includes(gitlabToken), 'the unconfigured family token is in the export');
  });
});
