/**
 * Property: over generated inventories × provider configurations × triggers, no plan ever holds a
 * task that its provider's declared capabilities cannot run with what the plan knows. Capabilities
 * come from real adapters built from the generated configurations.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { planTrigger } from '../../handlers/plan.js';
import type { CapabilityView } from '../../schemas/capability.js';
import { Credential, Person, Workload } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { Trigger } from '../../schemas/trigger.js';
import { KINDS_BY_TYPE } from '../../src/providers/kinds.js';
import { capabilitiesOf, FULL_CONFIGS } from '../support/capabilities.js';

const T = '2026-11-23T10:00:00.000Z';
const TOKEN = 'test-admin-token-not-a-secret';
type Cfg = Record<string, unknown> & { name: string; type: string };

/** A configuration: a subset of the instances, each with some of its admin settings left out. */
const configs = fc
  .tuple(
    fc.subarray(FULL_CONFIGS as Cfg[], { minLength: 0 }),
    fc.record({ noApp: fc.boolean(), noAdmin: fc.boolean(), noOrg: fc.boolean(), noTeam: fc.boolean() }),
  )
  .map(([chosen, drop]) =>
    chosen.map((c) => {
      if (c.type === 'github') {
        return {
          ...c,
          ...(drop.noOrg ? { org: undefined } : {}),
          auth: { ...(drop.noAdmin ? {} : { token: TOKEN }), ...(drop.noApp ? {} : { appToken: TOKEN }) },
        };
      }
      if (c.type === 'slack') {
        return {
          ...c,
          ...(drop.noAdmin ? { adminToken: undefined } : {}),
          ...(drop.noTeam ? { teamId: undefined } : {}),
        };
      }
      return c;
    }),
  );

const names = ['github-main', 'slack-main', 'aws-iam', 'aws-sm', 'vault-main', 'oauth-main', 'nowhere'];
const allKinds = Object.values(KINDS_BY_TYPE).flat();
const people = ['ada@example.com', 'bob@example.com'];

const credential = fc
  .record({
    id: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `c${i}`)),
    provider: fc.constantFrom(...names),
    kind: fc.constantFrom(...allKinds),
    providerId: fc.option(fc.constantFrom('acme:1', 'AKIAAAAAAAAAAAAAAAAA', 'U0ADA', 'acc'), {
      nil: undefined,
    }),
    owner: fc.option(fc.constantFrom(...people, 'team'), { nil: undefined }),
    createdBy: fc.option(fc.constantFrom(...people), { nil: undefined }),
    workload: fc.option(fc.constantFrom('w1', 'w1-alias', 'w2'), { nil: undefined }),
    readers: fc.subarray(people),
    protected: fc.boolean(),
    fingerprint: fc.option(fc.constant('f'.repeat(64)), { nil: undefined }),
    rotateTo: fc.option(
      fc.record({
        provider: fc.constantFrom('aws-sm', 'vault-main', 'nowhere'),
        providerId: fc.constant('arn:dest'),
      }),
      { nil: undefined },
    ),
  })
  .map((c) => Credential.parse(Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined))));

const trigger = fc.oneof(
  fc.constantFrom(...people).map((person) => ({ kind: 'offboarding', subject: { person } })),
  fc.constantFrom('w1', 'w1-alias', 'w2', 'k8s:serviceaccount:a/w1').map((workload) => ({
    kind: 'decommission',
    subject: { workload },
  })),
  fc
    .record({
      sealed: fc.boolean(),
      tokenType: fc.constantFrom(
        'github.pat_classic',
        'slack.user_token',
        'vault.service_token',
        'slack.incoming_webhook_url',
        'unknown',
      ),
      providerKeyId: fc.option(fc.constantFrom('AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE', 'x509:01ab'), {
        nil: undefined,
      }),
    })
    .map(({ sealed, tokenType, providerKeyId }) => ({
      kind: 'leak',
      subject: {
        secret: {
          fingerprint: 'f'.repeat(64),
          ...(sealed ? { sealed: 'envelope' } : {}),
          tokenType,
          ...(tokenType !== 'unknown' ? { providerType: tokenType.split('.')[0] } : {}),
        },
        ...(providerKeyId ? { providerKeyId } : {}),
      },
    })),
);

/** Independently of the resolver: the live credentials a trigger puts at risk. */
function atRisk(t: Trigger, creds: readonly Credential[]): Credential[] {
  const live = creds.filter((c) => ['active', 'disabled', 'rotated'].includes(c.status));
  if (t.kind === 'offboarding') {
    const p = t.subject.person;
    return live.filter((c) => c.owner === p || c.createdBy === p || c.readers.includes(p));
  }
  if (t.kind === 'decommission') {
    const names = t.subject.workload === 'w2' ? ['w2'] : ['w1', 'w1-alias', 'k8s:serviceaccount:a/w1'];
    return live.filter((c) => c.workload !== undefined && names.includes(c.workload));
  }
  const s = t.subject;
  return live.filter(
    (c) =>
      (s.secret !== undefined && c.fingerprint === s.secret.fingerprint) ||
      (s.providerKeyId !== undefined && c.providerId === s.providerKeyId),
  );
}

function assertRunnable(
  task: ReturnType<typeof planTrigger>['tasks'][number],
  caps: Record<string, CapabilityView>,
  sealed: boolean,
): void {
  if (task.provider === null || task.decision === 'shadow') return;
  const view = caps[task.provider];
  assert.ok(view, `task at unconfigured provider ${task.provider}`);
  const cap = view.kinds[task.credentialKind]?.find((c) => c.action === task.action);
  assert.ok(cap, `${task.provider} cannot ${task.action} ${task.credentialKind}`);
  if (cap.needs.includes('secret')) assert.ok(sealed && task.fingerprint, `${task.id} needs the value`);
  if (cap.needs.includes('providerId')) assert.ok(task.providerId, `${task.id} needs a providerId`);
  if (cap.needs.includes('destination')) {
    assert.ok(task.rotateTo && caps[task.rotateTo.provider]?.writesValues, `${task.id} needs a destination`);
  }
  // A task on no credential and no value acts on a person's account, or on a leaked AWS key id.
  const identityDriven = task.credentialId === null && task.fingerprint === undefined;
  if (identityDriven && !task.providerId?.startsWith('AKIA')) {
    assert.ok(cap.acceptsIdentity, `${task.provider} takes no identity for ${task.credentialKind}`);
  }
}

it('no plan holds a task its provider cannot run', () => {
  fc.assert(
    fc.property(
      configs,
      fc.array(credential, { maxLength: 12 }),
      trigger,
      fc.boolean(),
      (cfgs, creds, t, idents) => {
        const caps = capabilitiesOf(cfgs);
        const inventory = {
          credentials: creds,
          people: [
            Person.parse({
              id: 'ada@example.com',
              identities: idents
                ? { 'github-main': 'ada-gh', 'slack-main': 'U0ADA', 'aws-iam': 'ada', nowhere: 'x' }
                : {},
            }),
          ],
          workloads: [Workload.parse({ name: 'w1', aliases: ['w1-alias', 'k8s:serviceaccount:a/w1'] })],
        };
        const trig = Trigger.parse({ id: 'trig-1', source: 'prop', occurredAt: T, receivedAt: T, ...t });
        const plan = planTrigger(trig, inventory, { policy: Policy.parse({}), capabilities: caps });
        const sealed = trig.kind === 'leak' && trig.subject.secret?.sealed !== undefined;
        for (const task of plan.tasks) assertRunnable(task, caps, sealed);
        // Every follow-up waits for a task of the same plan.
        const ids = new Set(plan.tasks.map((x) => x.id));
        for (const task of plan.tasks) if (task.after) assert.ok(ids.has(task.after));
        // Nothing is silently dropped: every credential at risk is a task or needs its owner, ...
        const handled = new Set([
          ...plan.tasks.map((x) => x.credentialId),
          ...plan.needsOwner.map((n) => n.credentialId),
        ]);
        for (const c of atRisk(trig, creds))
          assert.ok(handled.has(c.id), `${c.id} (${c.kind} at ${c.provider}) was dropped`);
        // ... a leak that matched nothing is a task, needs its owner, or is noted,
        if (trig.kind === 'leak' && atRisk(trig, creds).length === 0) {
          assert.ok(plan.tasks.length + plan.needsOwner.length + plan.notes.length > 0, 'a leak vanished');
        }
        // ... and every needs_owner item says why and what to do.
        for (const n of plan.needsOwner) assert.ok(n.step.length > 10 && n.detail.length > 5);
      },
    ),
    { numRuns: Number(process.env.PLAN_PROPERTY_RUNS ?? 300) },
  );
});
