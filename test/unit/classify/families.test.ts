/**
 * The declared families' token formats: recognised from a leaked value (with npm's checksum), and
 * planned revoke-by-value at a configured instance of the family, or sent to the owner when no
 * instance is configured or the family revokes that kind only by id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyToken, githubChecksum } from '../../../handlers/classify/index.js';
import { planTrigger } from '../../../handlers/plan.js';
import { Person } from '../../../schemas/credential.js';
import { Policy } from '../../../schemas/policy.js';
import { Trigger } from '../../../schemas/trigger.js';
import { FAMILIES } from '../../../src/providers/families/index.js';
import { capabilitiesOf } from '../../support/capabilities.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LETTERS = ALNUM.slice(0, 52);
const HEX = '0123456789abcdef';
const pick = (alphabet: string, n: number) =>
  [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
// Prefixes are joined at run time so that no live-looking token sits in the source.
const p = (...parts: string[]) => parts.join('');

const npmToken = () => {
  const body = pick(ALNUM, 30);
  return `${p('np', 'm_')}${body}${githubChecksum(body)}`;
};

/** A generator per format, and what the value must classify as. */
const FORMATS: readonly [string, () => string][] = [
  ['huggingface.access_token', () => p('h', 'f_') + pick(LETTERS, 34)],
  ['digitalocean.personal_access_token', () => p('do', 'p_v1_') + pick(HEX, 64)],
  ['digitalocean.oauth_token', () => p('do', 'o_v1_') + pick(HEX, 64)],
  ['doppler.personal_token', () => p('dp', '.pt.') + pick(ALNUM, 43)],
  ['doppler.service_token', () => p('dp', '.st.') + pick(ALNUM, 44)],
  ['doppler.service_token', () => `${p('dp', '.st.')}prd.${pick(ALNUM, 43)}`],
  ['doppler.cli_token', () => p('dp', '.ct.') + pick(ALNUM, 43)],
  ['doppler.service_account_token', () => p('dp', '.sa.') + pick(ALNUM, 43)],
  ['buildkite.api_token', () => p('bk', 'ua_') + pick(HEX, 40)],
  ['heroku.api_key', () => p('HR', 'KU-AA') + pick(ALNUM, 58)],
  ['atlassian.api_token', () => p('ATA', 'TT3') + pick(ALNUM, 186)],
  ['gitlab.personal_access_token', () => p('gl', 'pat-') + pick(ALNUM, 20)],
  ['npm.access_token', npmToken],
  ['sendgrid.api_key', () => `${p('S', 'G.')}${pick(ALNUM, 22)}.${pick(ALNUM, 43)}`],
  ['twilio.api_key', () => p('S', 'K') + pick(HEX, 32)],
];

describe('classifyToken: declared families', () => {
  it('recognises every format, as a type its family knows', () => {
    for (const [type, make] of FORMATS) {
      for (let i = 0; i < 20; i++) {
        const c = classifyToken(make());
        assert.equal(c.tokenType, type);
        const family = FAMILIES[c.providerType ?? ''];
        assert.ok(family, `${type}: the providerType names a family`);
      }
    }
  });

  it('does not take a near miss (wrong length or alphabet) for the format', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: FORMATS.length - 1 }),
        fc.constantFrom('cut', 'grow', 'bad'),
        (i, how) => {
          const [type, make] = FORMATS[i]!;
          const v = make();
          // Cut or grown past every format's length range, or a character outside its alphabet.
          const broken =
            how === 'cut'
              ? v.slice(0, -10)
              : how === 'grow'
                ? `${v}${'a'.repeat(400)}`
                : `${v.slice(0, -1)}!`;
          return classifyToken(broken).tokenType !== type;
        },
      ),
      { numRuns: 300 },
    );
  });

  it("checks npm's checksum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 39 }), (at) => {
        const v = npmToken();
        assert.equal(classifyToken(v).checksumValid, true);
        const c = v[at] === 'A' ? 'B' : 'A';
        const flipped = v.slice(0, at) + c + v.slice(at + 1);
        return classifyToken(flipped).checksumValid === false;
      }),
      { numRuns: 200 },
    );
  });
});

const T = '2026-12-02T10:00:00.000Z';
const leakOf = (value: string) => {
  const c = classifyToken(value);
  return Trigger.parse({
    id: `leak-${c.tokenType}`,
    kind: 'leak',
    source: 't',
    occurredAt: T,
    receivedAt: T,
    subject: {
      secret: {
        fingerprint: 'e'.repeat(64),
        sealed: 'sealed-envelope',
        tokenType: c.tokenType,
        providerType: c.providerType,
      },
    },
  });
};
/** One fully configured instance of every family. */
const ALL = capabilitiesOf(
  Object.values(FAMILIES).map((def) => ({
    type: 'http_family',
    name: `${def.name}-main`,
    family: def.name,
    secrets: Object.fromEntries(Object.keys(def.secrets).map((k) => [k, 'test-admin-secret'])),
    vars: Object.fromEntries(Object.keys(def.vars).map((k) => [k, 'AC0'])),
  })),
);

describe('planning a leaked family token', () => {
  const byValue = FORMATS.filter(([type]) =>
    Object.values(FAMILIES).some((f) => f.kinds.some((k) => k.kind === type && k.byValue)),
  );

  it('revokes it by value at the configured instance of its family', () => {
    assert.ok(byValue.length >= 10);
    for (const [type, make] of byValue) {
      const plan = planTrigger(
        leakOf(make()),
        { credentials: [], people: [], workloads: [] },
        { policy: Policy.parse({}), capabilities: ALL },
      );
      assert.equal(plan.tasks.length, 1, type);
      assert.equal(plan.tasks[0]?.action, 'revoke_by_value', type);
      assert.equal(plan.tasks[0]?.provider, `${type.split('.')[0]}-main`, type);
      assert.equal(plan.needsOwner.length, 0, type);
    }
  });

  it('needs its owner, with a manual step, where no instance of the family is configured', () => {
    for (const [type, make] of byValue) {
      const plan = planTrigger(
        leakOf(make()),
        { credentials: [], people: [], workloads: [] },
        { policy: Policy.parse({}), capabilities: withoutFamily(type) },
      );
      assert.equal(plan.tasks.length, 0, type);
      assert.equal(plan.needsOwner[0]?.reason, 'provider_not_configured', type);
      assert.ok((plan.needsOwner[0]?.step.length ?? 0) > 20, type);
    }
  });

  it('needs its owner where the family revokes that kind only by id (Heroku, Atlassian)', () => {
    for (const [type, make] of FORMATS.filter(
      ([t]) => t === 'heroku.api_key' || t === 'atlassian.api_token',
    )) {
      const plan = planTrigger(
        leakOf(make()),
        { credentials: [], people: [], workloads: [] },
        { policy: Policy.parse({}), capabilities: ALL },
      );
      assert.equal(plan.tasks.length, 0, type);
      assert.equal(plan.needsOwner.length, 1, type);
    }
  });
});

function withoutFamily(type: string) {
  const family = type.split('.')[0];
  return Object.fromEntries(Object.entries(ALL).filter(([, v]) => v.type !== family));
}

describe('offboarding with an identity at a declared family', () => {
  it("revokes her PagerDuty sessions from her PagerDuty user id (the family's declared identity kind)", () => {
    const t = Trigger.parse({
      id: 'off-1',
      kind: 'offboarding',
      source: 't',
      occurredAt: T,
      receivedAt: T,
      subject: { person: 'jane@example.com' },
    });
    const people = [Person.parse({ id: 'jane@example.com', identities: { 'pagerduty-main': 'PJANE01' } })];
    const plan = planTrigger(
      t,
      { credentials: [], people, workloads: [] },
      { policy: Policy.parse({}), capabilities: ALL },
    );
    const task = plan.tasks.find((x) => x.credentialKind === 'pagerduty.user_sessions');
    assert.ok(task, JSON.stringify(plan.notes));
    assert.equal(task.provider, 'pagerduty-main');
    assert.equal(task.action, 'revoke');
    assert.equal(task.providerId, 'PJANE01');
  });
});
