/** The sync's merge rule (src/discovery/sync-merge.ts): who set a field, ids, gone and back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Id } from '../../schemas/common.js';
import { Credential } from '../../schemas/credential.js';
import {
  GONE_LABEL,
  SYNC_FIELDS_LABEL,
  mergeDiscovered,
  syncCredentialId,
} from '../../src/discovery/sync-merge.js';

const found = (over: Partial<Parameters<typeof mergeDiscovered>[1]> = {}) => ({
  credential: { kind: 'aws.access_key', providerId: 'AKIA1', issuedAt: '2026-01-01T00:00:00Z' },
  readers: [],
  ...over,
});
const typed = (over: Partial<Credential> = {}): Credential =>
  Credential.parse({
    id: 'typed',
    provider: 'aws-iam',
    kind: 'aws.access_key',
    providerId: 'AKIA1',
    ...over,
  });

describe('sync merge', () => {
  it('a new credential gets the deterministic id and records the fields sync set', () => {
    const { next, changes } = mergeDiscovered(
      undefined,
      found({ owner: 'ann@example.com' }),
      'aws-iam:AKIA1',
      'aws-iam',
      false,
    );
    assert.equal(next.id, 'aws-iam:AKIA1');
    assert.equal(next.owner, 'ann@example.com');
    assert.equal(next.labels[SYNC_FIELDS_LABEL], 'owner');
    assert.deepEqual(
      changes.map((c) => c.field),
      ['created'],
    );
  });

  it('an operator-set owner survives; the flag lets the provider win', () => {
    const cur = typed({ owner: 'carol@example.com' });
    const kept = mergeDiscovered(cur, found({ owner: 'dave@example.com' }), 'typed', 'aws-iam', false);
    assert.equal(kept.next.owner, 'carol@example.com');
    assert.ok(!kept.changes.some((c) => c.field === 'owner'));
    const over = mergeDiscovered(cur, found({ owner: 'dave@example.com' }), 'typed', 'aws-iam', true);
    assert.equal(over.next.owner, 'dave@example.com');
  });

  it('an owner sync set follows the provider, and the same answer twice is no change', () => {
    const first = mergeDiscovered(undefined, found({ owner: 'ann@example.com' }), 'x', 'aws-iam', false).next;
    const moved = mergeDiscovered(first, found({ owner: 'bob@example.com' }), 'x', 'aws-iam', false);
    assert.equal(moved.next.owner, 'bob@example.com');
    const again = mergeDiscovered(moved.next, found({ owner: 'bob@example.com' }), 'x', 'aws-iam', false);
    assert.deepEqual(again.changes, []);
  });

  it('a revoked credential stays revoked; a gone one that is listed again comes back', () => {
    const revoked = typed({ status: 'revoked' });
    assert.equal(mergeDiscovered(revoked, found(), 'typed', 'aws-iam', false).next.status, 'revoked');
    const gone = typed({ status: 'deleted', labels: { [GONE_LABEL]: '2026-01-01T00:00:00Z' } });
    const back = mergeDiscovered(gone, found(), 'typed', 'aws-iam', false).next;
    assert.equal(back.status, 'active');
    assert.equal(back.labels[GONE_LABEL], undefined);
  });

  it('ids are valid for the Id schema and distinct when characters had to change', () => {
    const a = syncCredentialId('gh', 'org/repo key#1');
    const b = syncCredentialId('gh', 'org/repo key#2');
    assert.ok(Id.safeParse(a).success, a);
    assert.notEqual(a, b);
    assert.ok(Id.safeParse(syncCredentialId('bao', 'x'.repeat(400))).success);
  });
});
