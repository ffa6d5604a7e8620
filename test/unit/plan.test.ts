/** The pure planner: resolve + policy + blast-radius guard, with plain values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTrigger, type PlanContext } from '../../handlers/plan.js';
import { Credential } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { Trigger } from '../../schemas/trigger.js';

const T = '2026-11-23T10:00:00.000Z';
const cred = (id: string, extra: Record<string, unknown> = {}) =>
  Credential.parse({ id, provider: 'oauth-main', kind: 'oauth.access_token', ...extra });
const ctx = (policy: unknown = {}): PlanContext => ({
  policy: Policy.parse(policy),
  providers: new Set(['oauth-main', 'github-main']),
  byValueProvider: { github: 'github-main' },
});
const leak = (subject: Record<string, unknown>) =>
  Trigger.parse({ id: 'leak-1', kind: 'leak', source: 't', occurredAt: T, receivedAt: T, subject });
const fp = 'f'.repeat(64);

describe('planTrigger', () => {
  it('offboarding: personal credentials are revoked; workload credentials rotated and flagged owner_left', () => {
    const t = Trigger.parse({
      id: 'o-1',
      kind: 'offboarding',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: { person: 'Alice@example.com', aliases: ['alice'] },
    });
    const inv = [
      cred('personal', { owner: 'alice@example.com' }),
      cred('by-alias', { owner: 'alice' }),
      cred('workload', { owner: 'alice@example.com', workload: 'billing' }),
      cred('bobs', { owner: 'bob@example.com' }),
      cred('already-dead', { owner: 'alice@example.com', status: 'revoked' }),
    ];
    const plan = planTrigger(t, inv, ctx());
    const byId = Object.fromEntries(plan.tasks.map((x) => [x.credentialId, x]));
    assert.deepEqual(Object.keys(byId).sort(), ['by-alias', 'personal', 'workload']);
    assert.equal(byId.personal?.action, 'revoke');
    assert.equal(byId.workload?.action, 'rotate');
    assert.deepEqual(byId.workload?.flags, ['owner_left']);
    assert.equal(plan.status, 'planned');
  });

  it('leak: matches by fingerprint, provider key id or credential id', () => {
    const inv = [cred('a', { fingerprint: fp }), cred('b', { providerId: 'AKIAX' }), cred('c'), cred('d')];
    assert.deepEqual(
      planTrigger(leak({ secret: { fingerprint: fp } }), inv, ctx()).tasks.map((x) => x.credentialId),
      ['a'],
    );
    assert.deepEqual(
      planTrigger(leak({ providerKeyId: 'AKIAX' }), inv, ctx()).tasks.map((x) => x.credentialId),
      ['b'],
    );
    assert.deepEqual(
      planTrigger(leak({ credentialId: 'c' }), inv, ctx()).tasks.map((x) => x.credentialId),
      ['c'],
    );
  });

  it('leak: an unmatched token whose format names its provider becomes revoke-by-value; an unknown one is noted', () => {
    const gh = planTrigger(
      leak({ secret: { fingerprint: fp, tokenType: 'github.pat_classic', providerType: 'github' } }),
      [],
      ctx(),
    );
    assert.equal(gh.tasks.length, 1);
    assert.equal(gh.tasks[0]?.action, 'revoke_by_value');
    assert.equal(gh.tasks[0]?.provider, 'github-main');
    assert.equal(gh.tasks[0]?.fingerprint, fp);
    const unknown = planTrigger(leak({ secret: { fingerprint: fp, tokenType: 'unknown' } }), [], ctx());
    assert.equal(unknown.tasks.length, 0);
    assert.equal(unknown.notes.length, 1, 'recorded, never silently dropped');
  });

  it('a credential whose provider is not configured is planned as shadow', () => {
    const plan = planTrigger(leak({ credentialId: 'x' }), [cred('x', { provider: 'nowhere' })], ctx());
    assert.equal(plan.tasks[0]?.provider, null);
    assert.equal(plan.tasks[0]?.decision, 'shadow');
    assert.equal(plan.decision, 'shadow');
    assert.equal(plan.status, 'done');
  });

  it('decommission: credentials bound to the workload; stored secrets are deleted', () => {
    const t = Trigger.parse({
      id: 'd-1',
      kind: 'decommission',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: { workload: 'billing' },
    });
    const plan = planTrigger(
      t,
      [
        cred('tok', { workload: 'billing' }),
        cred('sec', { workload: 'billing', kind: 'aws.secret' }),
        cred('other', { workload: 'x' }),
      ],
      ctx(),
    );
    assert.deepEqual(
      plan.tasks.map((x) => [x.credentialId, x.action]),
      [
        ['tok', 'revoke'],
        ['sec', 'delete'],
      ],
    );
  });

  it('blast radius: more than the limit, or a protected credential, holds the plan for approval', () => {
    const t = Trigger.parse({
      id: 'o-2',
      kind: 'offboarding',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: { person: 'p' },
    });
    const many = Array.from({ length: 4 }, (_, i) => cred(`c${i}`, { owner: 'p' }));
    assert.equal(planTrigger(t, many, ctx({ blastRadius: { maxCredentials: 4 } })).status, 'planned');
    const over = planTrigger(t, many, ctx({ blastRadius: { maxCredentials: 3 } }));
    assert.equal(over.status, 'awaiting_approval');
    assert.match(over.holds[0] ?? '', /^blast_radius/);
    const prot = planTrigger(t, [cred('vip', { owner: 'p', protected: true })], ctx());
    assert.equal(prot.status, 'awaiting_approval');
    assert.deepEqual(prot.holds, ['protected: vip']);
  });

  it('policy: first matching rule wins, by trigger kind and credential kind prefix', () => {
    const policy = {
      rules: [
        { trigger: 'leak', credentialKind: 'oauth.*', decision: 'approval' },
        { credentialKind: '*', decision: 'shadow' },
      ],
    };
    const plan = planTrigger(leak({ credentialId: 'x' }), [cred('x')], ctx(policy));
    assert.equal(plan.tasks[0]?.decision, 'approval');
    assert.equal(plan.status, 'awaiting_approval');
    const t = Trigger.parse({
      id: 'o-3',
      kind: 'offboarding',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: { person: 'p' },
    });
    assert.equal(planTrigger(t, [cred('y', { owner: 'p' })], ctx(policy)).tasks[0]?.decision, 'shadow');
  });

  it('task ids are deterministic idempotency keys', () => {
    const inv = [cred('a', { fingerprint: fp })];
    const a = planTrigger(leak({ secret: { fingerprint: fp } }), inv, ctx());
    const b = planTrigger(leak({ secret: { fingerprint: fp } }), inv, ctx());
    assert.equal(a.tasks[0]?.id, b.tasks[0]?.id);
    assert.equal(a.id, b.id);
    const other = planTrigger(
      Trigger.parse({ ...leak({ secret: { fingerprint: fp } }), id: 'leak-2' }),
      inv,
      ctx(),
    );
    assert.notEqual(other.tasks[0]?.id, a.tasks[0]?.id);
  });
});
