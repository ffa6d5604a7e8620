/** What a declared family's listed item becomes (src/discovery/family-items.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FamilyList } from '../../../schemas/providers/family.js';
import { isoOf, listedItem } from '../../../src/discovery/family-items.js';

const list = (over: Record<string, unknown> = {}) =>
  FamilyList.parse({ path: '/x', providerId: '{id}', permission: 'read', ...over });

describe('family listed items', () => {
  it('reads Unix seconds, Unix milliseconds and ISO text as the same instant', () => {
    const at = '2026-06-01T00:00:00.000Z';
    const ms = Date.parse(at);
    assert.equal(isoOf(ms / 1000), at);
    assert.equal(isoOf(ms), at);
    assert.equal(isoOf(at), at);
    assert.equal(isoOf('not a date'), undefined);
    assert.equal(isoOf(null), undefined);
  });

  it('a composite providerId from several fields; a part holding ":" or missing is unreadable', () => {
    const l = list({ providerId: '{project.id}:{id}' });
    const ok = listedItem('k.k', l, { id: 9, project: { id: 'p1' } });
    assert.ok('credential' in ok);
    assert.equal(ok.credential.providerId, 'p1:9');
    assert.ok('unreadable' in listedItem('k.k', l, { id: 9, project: { id: 'a:b' } }));
    assert.ok('unreadable' in listedItem('k.k', l, { id: 9 }));
    assert.ok('unreadable' in listedItem('k.k', l, [1, 2]));
  });

  it('scopes from an array or a separated string; status from activeWhen; only named fields kept', () => {
    const l = list({
      scopes: 'scope',
      activeWhen: { field: 'state', equals: 'on' },
      labels: { name: 'name' },
    });
    const a = listedItem('k.k', l, {
      id: 'x',
      scope: 'read write,admin',
      state: 'off',
      name: 'ci',
      token: 'SECRET',
    });
    assert.ok('credential' in a);
    assert.deepEqual(a.credential.scopes, ['read', 'write', 'admin']);
    assert.equal(a.credential.status, 'disabled');
    assert.deepEqual(a.credential.labels, { name: 'ci' });
    assert.ok(!JSON.stringify(a).includes('SECRET'), 'a field the definition does not name is not read');
    const b = listedItem('k.k', l, { id: 'x', scope: ['read', 3], state: 'on' });
    assert.ok('credential' in b);
    assert.deepEqual(b.credential.scopes, ['read']);
    assert.equal(b.credential.status, 'active');
  });

  it('an item that is an account also gives its identity', () => {
    const l = list({ identity: { identity: 'id', email: 'email' } });
    const r = listedItem('k.k', l, { id: 'PU1', email: 'ann@acme.test' });
    assert.ok('credential' in r);
    assert.deepEqual(r.identity, { identity: 'PU1', email: 'ann@acme.test', role: 'user' });
  });
});
