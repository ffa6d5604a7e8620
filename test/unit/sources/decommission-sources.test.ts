import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCloudTrail } from '../../../handlers/sources/cloudtrail.js';
import { normalizeDecommission } from '../../../handlers/sources/decommission.js';
import { normalizeKubernetesAudit } from '../../../handlers/sources/kubernetes-audit.js';
import { normalizeTerraform } from '../../../handlers/sources/terraform.js';
import type { TriggerInput } from '../../../schemas/trigger.js';
import { FAKE, fixture, fixtureObject, issuePaths, okResult, rejection } from './fixtures.js';

function workloads(triggers: TriggerInput[]): string[] {
  return triggers.map((t) => {
    assert.equal(t.kind, 'decommission');
    return (t as Extract<TriggerInput, { kind: 'decommission' }>).subject.workload;
  });
}

function auditEvent(overrides: Record<string, unknown>): Record<string, unknown> {
  const list = fixtureObject('kubernetes-audit.event-list.json');
  const complete = (list['items'] as Array<Record<string, unknown>>)[1] as Record<string, unknown>;
  return { ...complete, ...overrides };
}

describe('kubernetes.audit', () => {
  it('acts only on the ResponseComplete delete in an EventList', () => {
    const r = okResult(normalizeKubernetesAudit(fixture('kubernetes-audit.event-list.json')));
    assert.deepEqual(workloads(r.triggers), ['k8s:serviceaccount:payments/payments-api']);
    assert.equal(r.triggers[0]?.id, 'k8s-audit:5c3cf2b3-6c4e-4a38-9c0e-2e0f1f6f6a11');
    assert.equal(r.triggers[0]?.occurredAt, '2025-03-04T19:00:01.123Z');
    assert.match(r.ignored ?? '', /×2/);
  });

  it('names namespaces and secrets, one event at a time', () => {
    const ns = auditEvent({ objectRef: { resource: 'namespaces', name: 'payments', namespace: 'payments' } });
    const secret = auditEvent({
      objectRef: { resource: 'secrets', name: 'db-password', namespace: 'payments' },
    });
    assert.deepEqual(workloads(okResult(normalizeKubernetesAudit(ns)).triggers), ['k8s:namespace:payments']);
    assert.deepEqual(workloads(okResult(normalizeKubernetesAudit(secret)).triggers), [
      'k8s:secret:payments/db-password',
    ]);
  });

  it('ignores failed deletes, other resources, other API groups and subresources', () => {
    for (const e of [
      auditEvent({ responseStatus: { code: 404 } }),
      auditEvent({ objectRef: { resource: 'configmaps', namespace: 'p', name: 'c' } }),
      auditEvent({ objectRef: { resource: 'secrets', namespace: 'p', name: 'c', apiGroup: 'example.com' } }),
      auditEvent({
        objectRef: { resource: 'serviceaccounts', namespace: 'p', name: 'c', subresource: 'token' },
      }),
      auditEvent({ stage: 'Panic' }),
    ]) {
      assert.equal(okResult(normalizeKubernetesAudit(e)).triggers.length, 0);
    }
  });

  it('rejects a missing auditID and a non-numeric response code', () => {
    const { auditID: _drop, ...noId } = auditEvent({});
    assert.deepEqual(issuePaths(normalizeKubernetesAudit(noId)), ['$.auditID']);
    const r = normalizeKubernetesAudit({
      kind: 'EventList',
      items: [auditEvent({ responseStatus: { code: '200' } })],
    });
    assert.deepEqual(issuePaths(r), ['$.items[0].responseStatus.code']);
  });
});

describe('aws.cloudtrail', () => {
  it('DeleteRole → the role ARN, keyed by eventID', () => {
    const r = okResult(normalizeCloudTrail(fixture('cloudtrail.delete-role.json')));
    assert.deepEqual(workloads(r.triggers), ['arn:aws:iam::123456789012:role/payments-api-prod']);
    assert.equal(r.triggers[0]?.id, 'cloudtrail:c7a1d2e3-f4b5-4c6d-8e9f-0a1b2c3d4e5f');
  });

  it('TerminateInstances → one trigger per instance', () => {
    const r = okResult(normalizeCloudTrail(fixture('cloudtrail.terminate-instances.json')));
    assert.deepEqual(workloads(r.triggers), [
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890',
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0',
    ]);
    assert.equal(new Set(r.triggers.map((t) => t.id)).size, 2);
  });

  it('DeleteUser and DeleteAccessKey', () => {
    const e = fixtureObject('cloudtrail.delete-role.json');
    const d = e['detail'] as Record<string, unknown>;
    d['eventName'] = 'DeleteUser';
    d['requestParameters'] = { userName: 'ci-bot' };
    assert.deepEqual(workloads(okResult(normalizeCloudTrail(e)).triggers), [
      'arn:aws:iam::123456789012:user/ci-bot',
    ]);
    d['eventName'] = 'DeleteAccessKey';
    d['requestParameters'] = { accessKeyId: FAKE.awsKeyId, userName: 'ci-bot' };
    assert.deepEqual(workloads(okResult(normalizeCloudTrail(e)).triggers), [
      `aws:access_key:${FAKE.awsKeyId}`,
    ]);
  });

  it('ignores failed calls and other API calls', () => {
    const failed = fixtureObject('cloudtrail.delete-role.json');
    (failed['detail'] as Record<string, unknown>)['errorCode'] = 'AccessDenied';
    assert.match(okResult(normalizeCloudTrail(failed)).ignored ?? '', /errorCode/);
    const other = fixtureObject('cloudtrail.delete-role.json');
    (other['detail'] as Record<string, unknown>)['eventName'] = 'CreateRole';
    assert.equal(okResult(normalizeCloudTrail(other)).triggers.length, 0);
  });

  it('rejects a missing roleName and a malformed eventID', () => {
    const e = fixtureObject('cloudtrail.delete-role.json');
    (e['detail'] as Record<string, unknown>)['requestParameters'] = {};
    assert.deepEqual(issuePaths(normalizeCloudTrail(e)), ['$.detail.requestParameters.roleName']);
    const w = fixtureObject('cloudtrail.delete-role.json');
    (w['detail'] as Record<string, unknown>)['eventID'] = 17;
    assert.deepEqual(issuePaths(normalizeCloudTrail(w)), ['$.detail.eventID']);
  });
});

describe('terraform', () => {
  it('an applied destroy run decommissions the workspace', () => {
    const r = okResult(normalizeTerraform(fixture('terraform.destroy-applied.json')));
    assert.deepEqual(workloads(r.triggers), ['terraform:acme/payments-prod']);
    assert.equal(r.triggers[0]?.id, 'terraform-run:run-FwnENkvDnrpyFC7M');
  });

  it('the [decommission] marker counts; plain applies, errored runs and verifications do not', () => {
    const marked = fixtureObject('terraform.destroy-applied.json');
    marked['run_message'] = 'terraform destroy via pipeline [decommission]';
    assert.equal(okResult(normalizeTerraform(marked)).triggers.length, 1);
    const plain = fixtureObject('terraform.destroy-applied.json');
    plain['run_message'] = 'Triggered via CLI';
    assert.equal(okResult(normalizeTerraform(plain)).triggers.length, 0);
    const errored = fixtureObject('terraform.destroy-applied.json');
    errored['notifications'] = [{ trigger: 'run:errored', run_status: 'errored' }];
    assert.equal(okResult(normalizeTerraform(errored)).triggers.length, 0);
    const verification = { payload_version: 1, run_id: null, notifications: [{ trigger: 'verification' }] };
    assert.match(okResult(normalizeTerraform(verification)).ignored ?? '', /verification/);
  });

  it('rejects an unknown payload version, a missing notifications list and a missing workspace', () => {
    const v2 = fixtureObject('terraform.destroy-applied.json');
    v2['payload_version'] = 2;
    assert.equal(rejection(normalizeTerraform(v2)).code, 'UNSUPPORTED_EVENT');
    const n = fixtureObject('terraform.destroy-applied.json');
    delete n['notifications'];
    assert.deepEqual(issuePaths(normalizeTerraform(n)), ['$.notifications']);
    const w = fixtureObject('terraform.destroy-applied.json');
    delete w['workspace_name'];
    assert.deepEqual(issuePaths(normalizeTerraform(w)), ['$.workspace_name']);
  });
});

describe('generic.decommission', () => {
  it('emits one trigger per workload, with an id only when an eventId is given', () => {
    const r = okResult(normalizeDecommission(fixture('decommission.json')));
    assert.deepEqual(workloads(r.triggers), ['payments-api@prod', 'legacy-batch@prod']);
    assert.deepEqual(
      r.triggers.map((t) => t.id),
      ['decommission:chg-2025-0042', undefined],
    );
  });

  it('rejects a missing workload, a numeric workload and a bad time', () => {
    assert.deepEqual(issuePaths(normalizeDecommission({ reason: 'x' })), ['$.workload']);
    assert.deepEqual(issuePaths(normalizeDecommission([{ workload: 1 }])), ['$[0].workload']);
    assert.deepEqual(issuePaths(normalizeDecommission({ workload: 'w', occurredAt: 'soon' })), [
      '$.occurredAt',
    ]);
    assert.equal(rejection(normalizeDecommission('"w"')).code, 'INVALID_SHAPE');
  });
});
