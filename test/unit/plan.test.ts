/**
 * The pure planner: resolve + capabilities + policy + holds, with plain values and the capability
 * declarations of real adapters (test/support/capabilities.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTrigger, type PlanContext } from '../../handlers/plan.js';
import { Credential, Person, Workload, type InventoryView } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { Trigger } from '../../schemas/trigger.js';
import { capabilitiesOf, FULL_CONFIGS } from '../support/capabilities.js';

const T = '2026-11-23T10:00:00.000Z';
const FULL = capabilitiesOf(FULL_CONFIGS);
const cred = (id: string, extra: Record<string, unknown> = {}) =>
  Credential.parse({ id, provider: 'oauth-main', kind: 'oauth.access_token', ...extra });
const ctx = (policy: unknown = {}, capabilities = FULL): PlanContext => ({
  policy: Policy.parse(policy),
  capabilities,
});
const inv = (
  credentials: Credential[],
  people: unknown[] = [],
  workloads: unknown[] = [],
): InventoryView => ({
  credentials,
  people: people.map((p) => Person.parse(p)),
  workloads: workloads.map((w) => Workload.parse(w)),
});
const trigger = (kind: string, subject: Record<string, unknown>, id = `${kind}-1`) =>
  Trigger.parse({ id, kind, source: 't', occurredAt: T, receivedAt: T, subject });
const leak = (subject: Record<string, unknown>, id = 'leak-1') => trigger('leak', subject, id);
const fp = 'f'.repeat(64);
const sealed = 'sealed-envelope';

describe('planTrigger: capabilities decide', () => {
  it('offboarding: strongest runnable action per credential; what cannot run needs its owner', () => {
    const t = trigger('offboarding', { person: 'Jane.Doe@example.com' });
    const jane = {
      id: 'jane.doe@example.com',
      aliases: ['jdoe@example.com'],
      identities: { 'github-main': 'janedoe', 'slack-main': 'U0JANE', 'aws-iam': 'jane.doe' },
    };
    const plan = planTrigger(
      t,
      inv(
        [
          cred('pat', { provider: 'github-main', kind: 'github.pat_classic', owner: 'jane.doe@example.com' }),
          cred('fg', {
            provider: 'github-main',
            kind: 'github.fine_grained_pat',
            providerId: 'acme:42',
            owner: 'jdoe@example.com',
          }),
          cred('slack-tok', {
            provider: 'slack-main',
            kind: 'slack.user_token',
            owner: 'jane.doe@example.com',
          }),
          cred('iam-key', {
            provider: 'aws-iam',
            kind: 'aws.access_key',
            providerId: 'AKIAJANE',
            owner: 'jdoe@example.com',
          }),
          cred('wl-key', {
            provider: 'aws-iam',
            kind: 'aws.access_key',
            providerId: 'AKIAWORK',
            createdBy: 'jane.doe@example.com',
            workload: 'payments-worker',
          }),
          cred('db', {
            provider: 'aws-sm',
            kind: 'aws.secret',
            providerId: 'arn:db',
            readers: ['jane.doe@example.com'],
          }),
          cred('vault-tok', {
            provider: 'vault-main',
            kind: 'vault.token',
            providerId: 'acc1',
            owner: 'jane.doe@example.com',
          }),
          cred('bob', {
            provider: 'vault-main',
            kind: 'vault.token',
            providerId: 'acc2',
            owner: 'bob@example.com',
          }),
        ],
        [jane],
      ),
      ctx(),
    );
    const tasks = plan.tasks.map((x) => `${x.credentialId ?? x.providerId}:${x.credentialKind}:${x.action}`);
    assert.deepEqual(tasks.sort(), [
      'U0JANE:slack.user:revoke',
      'U0JANE:slack.user_session:revoke',
      'db:aws.secret:rotate',
      'fg:github.fine_grained_pat:revoke',
      'iam-key:aws.access_key:revoke',
      'jane.doe:aws.iam_user:revoke',
      'janedoe:github.org_member:revoke',
      'janedoe:github.saml_authorizations:revoke',
      'vault-tok:vault.token:revoke',
    ]);
    const needs = Object.fromEntries(plan.needsOwner.map((n) => [n.credentialId ?? n.credentialKind, n]));
    assert.equal(needs.pat?.reason, 'needs_secret', 'a classic PAT is revoked only by value');
    assert.equal(needs['slack-tok']?.reason, 'needs_secret');
    assert.equal(
      needs['wl-key']?.reason,
      'needs_destination',
      'a rotation needs somewhere to put the new key',
    );
    assert.equal(needs['wl-key']?.wanted, 'rotate');
    for (const n of plan.needsOwner) assert.ok(n.step.length > 20, `a manual step for ${n.credentialKind}`);
    assert.equal(plan.status, 'planned');
  });

  it('leak: an inventoried token with its value is revoked by value, plus its id-based actions', () => {
    const classic = planTrigger(
      leak({ secret: { fingerprint: fp, sealed, tokenType: 'github.pat_classic', providerType: 'github' } }),
      inv([cred('pat', { provider: 'github-main', kind: 'github.pat_classic', fingerprint: fp })]),
      ctx(),
    );
    assert.deepEqual(
      classic.tasks.map((x) => [x.credentialId, x.action]),
      [['pat', 'revoke_by_value']],
    );
    const fine = planTrigger(
      leak({ secret: { fingerprint: fp, sealed } }),
      inv([
        cred('fg', {
          provider: 'github-main',
          kind: 'github.fine_grained_pat',
          providerId: 'acme:7',
          fingerprint: fp,
        }),
      ]),
      ctx(),
    );
    assert.deepEqual(
      fine.tasks.map((x) => x.action),
      ['revoke_by_value', 'revoke'],
    );
    assert.equal(fine.needsOwner.length, 0);
  });

  it('leak: a token no API can revoke needs its owner, with the step; no task', () => {
    const plan = planTrigger(
      leak({
        secret: { fingerprint: fp, sealed, tokenType: 'slack.incoming_webhook_url', providerType: 'slack' },
      }),
      inv([]),
      ctx(),
    );
    assert.equal(plan.tasks.length, 0);
    assert.equal(plan.needsOwner[0]?.reason, 'no_api');
    assert.match(plan.needsOwner[0]?.step ?? '', /webhook/);
    const unknown = planTrigger(
      leak({ secret: { fingerprint: fp, sealed, tokenType: 'unknown' } }),
      inv([]),
      ctx(),
    );
    assert.equal(unknown.tasks.length, 0);
    assert.equal(unknown.needsOwner[0]?.reason, 'unrecognised');
  });

  it('leak: an AWS key that is not in the inventory is deactivated by its key id', () => {
    const plan = planTrigger(leak({ providerKeyId: 'AKIAIOSFODNN7EXAMPLE' }), inv([]), ctx());
    assert.deepEqual(
      plan.tasks.map((x) => [x.provider, x.credentialKind, x.action, x.providerId]),
      [
        ['aws-iam', 'aws.access_key', 'disable', 'AKIAIOSFODNN7EXAMPLE'],
        ['aws-iam', 'aws.access_key', 'delete', 'AKIAIOSFODNN7EXAMPLE'],
      ],
    );
    const [disable, del] = plan.tasks;
    assert.equal(disable?.notBefore, undefined, 'deactivated at once');
    assert.equal(del?.after, disable?.id, 'deleted only after it was deactivated');
    assert.equal(del?.notBefore, new Date(Date.parse(T) + 60 * 60_000).toISOString());
  });

  it('a workload key whose owner left is rotated into its destination; the old key goes after the grace', () => {
    const plan = planTrigger(
      trigger('offboarding', { person: 'jane@example.com' }),
      inv([
        cred('wl-key', {
          provider: 'aws-iam',
          kind: 'aws.access_key',
          providerId: 'AKIAWORK',
          owner: 'jane@example.com',
          workload: 'payments-worker',
          rotateTo: { provider: 'aws-sm', providerId: 'arn:aws:secretsmanager:us-east-1:1:secret:ci' },
        }),
      ]),
      ctx({ grace: { graceMinutes: 30 } }),
    );
    const [rotate, disable, del] = plan.tasks;
    assert.deepEqual(
      plan.tasks.map((x) => x.action),
      ['rotate', 'disable', 'delete'],
    );
    assert.deepEqual(rotate?.rotateTo, {
      provider: 'aws-sm',
      providerId: 'arn:aws:secretsmanager:us-east-1:1:secret:ci',
    });
    assert.deepEqual(rotate?.flags, ['owner_left']);
    assert.equal(disable?.after, rotate?.id);
    assert.equal(disable?.notBefore, new Date(Date.parse(T) + 30 * 60_000).toISOString());
    assert.equal(del?.after, disable?.id);
    assert.equal(del?.notBefore, new Date(Date.parse(T) + 60 * 60_000).toISOString());
    assert.deepEqual(
      [disable?.waitMs, del?.waitMs],
      [30 * 60_000, 30 * 60_000],
      'each waits from its predecessor',
    );
    assert.equal(plan.needsOwner.length, 0);
  });

  it('a by-value token goes to an instance that can revoke it by value', () => {
    const plan = planTrigger(
      leak({ secret: { fingerprint: fp, sealed, tokenType: 'vault.service_token', providerType: 'vault' } }),
      inv([]),
      ctx(),
    );
    assert.equal(plan.tasks[0]?.provider, 'vault-main');
    assert.equal(plan.tasks[0]?.action, 'revoke_by_value');
  });

  it('an unconfigured provider needs its owner; with no provider at all, the plan is shadow', () => {
    const plan = planTrigger(leak({ credentialId: 'x' }), inv([cred('x', { provider: 'nowhere' })]), ctx());
    assert.equal(plan.tasks.length, 0);
    assert.equal(plan.needsOwner[0]?.reason, 'provider_not_configured');
    const shadow = planTrigger(
      leak({ credentialId: 'x' }),
      inv([cred('x', { provider: 'nowhere' })]),
      ctx({}, {}),
    );
    assert.equal(shadow.tasks[0]?.provider, null);
    assert.equal(shadow.tasks[0]?.decision, 'shadow');
    assert.equal(shadow.decision, 'shadow');
    assert.equal(shadow.status, 'done');
  });
});

describe('planTrigger: holds are per task', () => {
  const off = trigger('offboarding', { person: 'p' });
  const tok = (id: string, extra: Record<string, unknown> = {}) =>
    cred(id, { provider: 'vault-main', kind: 'vault.token', providerId: `acc-${id}`, ...extra });

  it('a protected credential holds only its own tasks; the rest run now', () => {
    const plan = planTrigger(
      off,
      inv([tok('vip', { owner: 'p', protected: true }), tok('normal', { owner: 'p' })]),
      ctx(),
    );
    const held = Object.fromEntries(plan.tasks.map((x) => [x.credentialId, x.hold]));
    assert.equal(held.vip, 'protected: vip');
    assert.equal(held.normal, undefined);
    assert.equal(plan.status, 'awaiting_approval');
    assert.deepEqual(plan.holds, ['protected: vip']);
  });

  it('the blast-radius guard holds the whole plan', () => {
    const many = Array.from({ length: 4 }, (_, i) => tok(`c${i}`, { owner: 'p' }));
    assert.equal(planTrigger(off, inv(many), ctx({ blastRadius: { maxCredentials: 4 } })).status, 'planned');
    const over = planTrigger(off, inv(many), ctx({ blastRadius: { maxCredentials: 3 } }));
    assert.equal(over.status, 'awaiting_approval');
    assert.ok(over.tasks.every((x) => x.hold?.startsWith('blast_radius')));
  });

  it('policy: first matching rule wins; an approval rule holds only the tasks it matches', () => {
    const policy = {
      rules: [
        { trigger: 'leak', credentialKind: 'oauth.*', decision: 'approval' },
        { credentialKind: '*', decision: 'shadow' },
      ],
    };
    const plan = planTrigger(leak({ credentialId: 'x' }), inv([cred('x')]), ctx(policy));
    assert.equal(plan.tasks.length, 0, 'an OAuth token is revoked only with its value');
    const withValue = planTrigger(
      leak({ secret: { fingerprint: fp, sealed } }),
      inv([cred('x', { fingerprint: fp })]),
      ctx(policy),
    );
    assert.equal(withValue.tasks[0]?.decision, 'approval');
    assert.equal(withValue.tasks[0]?.hold, 'policy: approval required');
    assert.equal(planTrigger(off, inv([tok('y', { owner: 'p' })]), ctx(policy)).tasks[0]?.decision, 'shadow');
  });
});

describe('planTrigger: workloads', () => {
  const workloads = [
    {
      name: 'payments-worker',
      aliases: [
        'k8s:serviceaccount:payments/payments-worker',
        'arn:aws:iam::123456789012:role/payments-worker',
      ],
    },
  ];
  const creds = [
    cred('tok', {
      provider: 'vault-main',
      kind: 'vault.token',
      providerId: 'a',
      workload: 'payments-worker',
    }),
    cred('sec', {
      provider: 'aws-sm',
      kind: 'aws.secret',
      providerId: 'arn:s',
      workload: 'k8s:serviceaccount:payments/payments-worker',
    }),
    cred('other', { provider: 'vault-main', kind: 'vault.token', providerId: 'b', workload: 'x' }),
  ];

  it('any alias matches; two events for one workload make one set of tasks', () => {
    const k8s = planTrigger(
      trigger('decommission', { workload: 'k8s:serviceaccount:payments/payments-worker' }, 'd-k8s'),
      inv(creds, [], workloads),
      ctx(),
    );
    const iam = planTrigger(
      trigger('decommission', { workload: 'arn:aws:iam::123456789012:role/payments-worker' }, 'd-iam'),
      inv(creds, [], workloads),
      ctx(),
    );
    assert.deepEqual(
      k8s.tasks.map((x) => [x.credentialId, x.action]),
      [
        ['tok', 'revoke'],
        ['sec', 'delete'],
      ],
    );
    assert.deepEqual(
      iam.tasks.map((x) => x.id),
      k8s.tasks.map((x) => x.id),
    );
    assert.ok(k8s.notes.some((n) => n.includes('alias')));
  });

  it('nothing matched: the note names every identifier tried', () => {
    const plan = planTrigger(
      trigger('decommission', { workload: 'payments-worker' }),
      inv([], [], workloads),
      ctx(),
    );
    const note = plan.notes.join(' ');
    for (const name of [workloads[0]!.name, ...workloads[0]!.aliases]) assert.ok(note.includes(name), name);
  });
});

describe('planTrigger: ids', () => {
  it('task ids are deterministic idempotency keys', () => {
    const i = inv([cred('a', { fingerprint: fp })]);
    const a = planTrigger(leak({ secret: { fingerprint: fp, sealed } }), i, ctx());
    const b = planTrigger(leak({ secret: { fingerprint: fp, sealed } }), i, ctx());
    assert.equal(a.tasks[0]?.id, b.tasks[0]?.id);
    assert.equal(a.id, b.id);
    const other = planTrigger(leak({ secret: { fingerprint: fp, sealed } }, 'leak-2'), i, ctx());
    assert.notEqual(other.tasks[0]?.id, a.tasks[0]?.id);
  });
});

describe('planTrigger: one call per value', () => {
  it('an OAuth token with its value is revoked once, under its own revoke (the same RFC 7009 call)', () => {
    const plan = planTrigger(
      leak({ secret: { fingerprint: fp, sealed } }),
      inv([cred('o', { fingerprint: fp })]),
      ctx(),
    );
    assert.deepEqual(
      plan.tasks.map((x) => x.action),
      ['revoke'],
    );
  });
});
