import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBambooHr } from '../../../handlers/sources/bamboohr.js';
import { normalizeHris } from '../../../handlers/sources/hris.js';
import { normalizeOkta } from '../../../handlers/sources/okta.js';
import { normalizeScim } from '../../../handlers/sources/scim.js';
import type { TriggerInput } from '../../../schemas/trigger.js';
import { fixture, fixtureObject, issuePaths, okResult, rejection } from './fixtures.js';

type Offboarding = Extract<TriggerInput, { kind: 'offboarding' }>;

function only(triggers: TriggerInput[]): Offboarding {
  assert.equal(triggers.length, 1);
  const t = triggers[0] as TriggerInput;
  assert.equal(t.kind, 'offboarding');
  return t as Offboarding;
}

function oktaEvents(e: Record<string, unknown>): Array<Record<string, unknown>> {
  return (e['data'] as { events: Array<Record<string, unknown>> }).events;
}

describe('okta', () => {
  it('offboards the deactivated user by login, ignoring unrelated events in the same delivery', () => {
    const r = okResult(normalizeOkta(fixture('okta.event-hook.json')));
    const t = only(r.triggers);
    assert.equal(t.id, 'okta:f4b1a1e6-fa33-11ef-9a5c-6f2f1a9b8c11');
    assert.deepEqual(t.subject, { person: 'ada@acme.example', aliases: ['00u1ada0000000000042'] });
    assert.equal(t.occurredAt, '2025-03-04T17:05:41.776Z');
    assert.equal(t.evidence['actor'], 'it-admin@acme.example');
    assert.ok(r.ignored);
  });

  it('acts on suspend, and ignores failed lifecycle changes', () => {
    const e = fixtureObject('okta.event-hook.json');
    const [first] = oktaEvents(e);
    (first as Record<string, unknown>)['eventType'] = 'user.lifecycle.suspend';
    assert.equal(okResult(normalizeOkta(e)).triggers.length, 1);
    (first as Record<string, unknown>)['outcome'] = { result: 'FAILURE' };
    assert.equal(okResult(normalizeOkta(e)).triggers.length, 0);
  });

  it('rejects a wrong envelope type and events without uuid or User target', () => {
    const e = fixtureObject('okta.event-hook.json');
    e['eventType'] = 'com.okta.other';
    assert.deepEqual(issuePaths(normalizeOkta(e)), ['$.eventType']);
    const m = fixtureObject('okta.event-hook.json');
    const [first] = oktaEvents(m);
    (first as Record<string, unknown>)['target'] = [{ id: 'app1', type: 'AppInstance' }];
    const r = okResult(normalizeOkta(m));
    assert.deepEqual(
      r.skipped?.map((i) => i.path),
      ['$.data.events[0].target'],
    );
    delete (first as Record<string, unknown>)['uuid'];
    assert.deepEqual(issuePaths(normalizeOkta({ ...m, data: { events: [first] } })), [
      '$.data.events[0].uuid',
    ]);
  });
});

describe('scim', () => {
  const patch = (op: Record<string, unknown>): Record<string, unknown> => ({
    method: 'PATCH',
    path: '/scim/v2/Users/u-1',
    body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] },
  });

  it('offboards on PATCH active=false (fixture)', () => {
    const t = only(okResult(normalizeScim(fixture('scim.patch-deactivate.json'))).triggers);
    assert.equal(t.subject.person, '2819c223-7f76-453a-919d-413861904646');
  });

  it('accepts every deactivation spelling: Replace, "False", value object, PUT, DELETE', () => {
    const spellings: unknown[] = [
      patch({ op: 'Replace', path: 'active', value: 'False' }),
      patch({ op: 'replace', value: { active: false } }),
      patch({ op: 'add', value: { Active: 'false' } }),
      { method: 'PUT', userId: 'u-1', body: { userName: 'ada@acme.example', active: false } },
      { method: 'delete', userId: 'u-1' },
      { method: 'DELETE', path: '/Users/u-1' },
    ];
    for (const s of spellings) {
      const t = only(okResult(normalizeScim(s)).triggers);
      assert.ok(t.subject.person === 'u-1' || t.subject.person === 'ada@acme.example');
    }
    const put = only(okResult(normalizeScim(spellings[3])).triggers);
    assert.deepEqual(put.subject, { person: 'ada@acme.example', aliases: ['u-1'] });
  });

  it('ignores PATCHes that do not deactivate, reactivation, group requests and reads', () => {
    for (const s of [
      patch({ op: 'replace', path: 'displayName', value: 'Ada' }),
      patch({ op: 'replace', path: 'active', value: true }),
      { method: 'DELETE', path: '/scim/v2/Groups/g-1' },
      { method: 'GET', userId: 'u-1' },
    ]) {
      const r = okResult(normalizeScim(s));
      assert.equal(r.triggers.length, 0);
      assert.ok(r.ignored);
    }
  });

  it('rejects a missing user id, a PATCH without Operations and an unknown method', () => {
    assert.deepEqual(issuePaths(normalizeScim({ method: 'DELETE' })), ['$.userId']);
    assert.deepEqual(issuePaths(normalizeScim({ method: 'PATCH', userId: 'u', body: {} })), [
      '$.body.Operations',
    ]);
    assert.equal(rejection(normalizeScim({ method: 'TRACE', userId: 'u' })).code, 'UNSUPPORTED_EVENT');
    assert.deepEqual(issuePaths(normalizeScim({ method: 5, userId: 'u' })), ['$.method']);
  });
});

describe('bamboohr', () => {
  it('field-based: offboards on Status Inactive / Employment Status Terminated, by work email', () => {
    const r = okResult(normalizeBambooHr(fixture('bamboohr.field-based.json')));
    const t = only(r.triggers);
    assert.deepEqual(t.subject, { person: 'ada@acme.example', aliases: ['40123', 'E-1042'] });
    assert.equal(t.occurredAt, '2025-03-04T18:42:00.000Z');
    assert.equal(t.evidence['employmentStatus'], 'Terminated');
    assert.ok(r.ignored);
  });

  it('field-based: {value} objects, aliased field names and Deleted also count', () => {
    const body = {
      employees: [
        { id: 7, action: 'Updated', fields: { employmentStatus: { value: 'terminated' } } },
        { id: '8', action: 'Deleted', fields: {} },
        { id: '9', action: 'Created', fields: { status: 'Active' } },
      ],
    };
    const r = okResult(normalizeBambooHr(body));
    assert.deepEqual(
      r.triggers.map((t) => (t as Offboarding).subject.person),
      ['7', '8'],
    );
  });

  it('event-based: employee.deleted offboards; a status update is ignored with the reason', () => {
    const t = only(okResult(normalizeBambooHr(fixture('bamboohr.event-deleted.json'))).triggers);
    assert.deepEqual(t.subject, { person: '40123', aliases: [] });
    const updated = {
      type: 'employee.updated',
      timestamp: '2025-03-04T18:42:00+0000',
      data: { companyId: '1', employeeId: '2', changedFields: ['employmentStatus'] },
    };
    const r = okResult(normalizeBambooHr(updated));
    assert.equal(r.triggers.length, 0);
    assert.match(r.ignored ?? '', /field-based/);
  });

  it('rejects a missing employee id and an employees field that is not an array', () => {
    assert.deepEqual(issuePaths(normalizeBambooHr({ type: 'employee.deleted', data: {} })), [
      '$.data.employeeId',
    ]);
    assert.deepEqual(issuePaths(normalizeBambooHr({ employees: {} })), ['$.employees']);
    const r = normalizeBambooHr({ employees: [{ action: 'Deleted' }] });
    assert.deepEqual(issuePaths(r), ['$.employees[0].id']);
  });
});

describe('hris', () => {
  it('offboards a terminated employee, email first, with a stable id', () => {
    const t = only(okResult(normalizeHris(fixture('hris.terminated.json'))).triggers);
    assert.equal(t.id, 'hris:hr-2025-000123');
    assert.deepEqual(t.subject, { person: 'ada@acme.example', aliases: ['ada', 'E-1042', 'alovelace'] });
    assert.equal(t.occurredAt, '2025-03-31T17:00:00.000Z');
  });

  it('handles batches and ignores statuses other than terminated/offboarded', () => {
    const base = fixtureObject('hris.terminated.json');
    const r = okResult(
      normalizeHris([
        { ...base, status: 'Offboarded', eventId: 'a' },
        { ...base, status: 'leave', eventId: 'b' },
      ]),
    );
    assert.deepEqual(
      r.triggers.map((t) => t.id),
      ['hris:a'],
    );
    assert.ok(r.ignored);
  });

  it('rejects a missing employeeId, an unparseable effectiveAt and an id with odd characters', () => {
    const base = fixtureObject('hris.terminated.json');
    const { employeeId: _drop, ...noId } = base;
    assert.deepEqual(issuePaths(normalizeHris(noId)), ['$.employeeId']);
    assert.deepEqual(issuePaths(normalizeHris({ ...base, effectiveAt: 'next tuesday' })), ['$.effectiveAt']);
    assert.deepEqual(issuePaths(normalizeHris({ ...base, eventId: 'a b' })), ['$.eventId']);
  });
});
