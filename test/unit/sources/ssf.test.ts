import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeSsf } from '../../../handlers/sources/ssf.js';
import { SSF_EVENT_TYPES } from '../../../schemas/sources/ssf.js';
import type { TriggerInput } from '../../../schemas/trigger.js';
import { fixture, fixtureObject, issuePaths, okResult, rejection } from './fixtures.js';

function set(
  events: Record<string, unknown>,
  subId: unknown = { format: 'email', email: 'ada@acme.example' },
) {
  return { iss: 'https://idp.acme.example/', jti: 'j-1', iat: 1741111200, sub_id: subId, events };
}

function person(t: TriggerInput | undefined): { person: string; aliases: string[] } {
  assert.equal(t?.kind, 'offboarding');
  return (t as Extract<TriggerInput, { kind: 'offboarding' }>).subject;
}

describe('ssf', () => {
  it('RISC account-disabled offboards the subject (fixture)', () => {
    const r = okResult(normalizeSsf(fixture('ssf.account-disabled.json')));
    assert.equal(r.triggers.length, 1);
    const t = r.triggers[0];
    assert.deepEqual(person(t), { person: 'ada@acme.example', aliases: [] });
    assert.match(t?.id ?? '', /^ssf:[0-9a-f]{64}$/);
    assert.equal(t?.occurredAt, '2025-03-04T17:59:50.000Z');
    assert.equal(t?.evidence['ssfEvent'], 'account-disabled');
    assert.equal(t?.evidence['reason'], 'hijacking');
  });

  it('account-purged and credential-compromise offboard too', () => {
    for (const uri of [SSF_EVENT_TYPES.accountPurged, SSF_EVENT_TYPES.credentialCompromise]) {
      const r = okResult(normalizeSsf(set({ [uri]: { credential_type: 'password' } })));
      assert.equal(person(r.triggers[0]).person, 'ada@acme.example');
    }
  });

  it('reads every RFC 9493 subject format, preferring an email as the person', () => {
    const cases: Array<[unknown, string, string[]]> = [
      [{ format: 'iss_sub', iss: 'https://idp/', sub: '248289761001' }, '248289761001', []],
      [{ format: 'opaque', id: 'u-7' }, 'u-7', []],
      [{ format: 'account', uri: 'acct:ada@acme.example' }, 'ada@acme.example', ['acct:ada@acme.example']],
      [{ format: 'phone_number', phone_number: '+12065550100' }, '+12065550100', []],
      [
        {
          format: 'aliases',
          identifiers: [
            { format: 'opaque', id: 'u-7' },
            { format: 'email', email: 'ada@acme.example' },
          ],
        },
        'ada@acme.example',
        ['u-7'],
      ],
      [
        {
          format: 'complex',
          user: { format: 'email', email: 'ada@acme.example' },
          session: { format: 'opaque', id: 's' },
        },
        'ada@acme.example',
        [],
      ],
      // Google's RISC transmitter: subject inside the event, `subject_type` with a hyphen.
      [undefined, '7375626A656374', []],
    ];
    for (const [subId, expected, aliases] of cases) {
      const event =
        subId === undefined
          ? {
              subject: {
                subject_type: 'iss-sub',
                iss: 'https://accounts.google.com/',
                sub: '7375626A656374',
              },
            }
          : {};
      const r = okResult(normalizeSsf(set({ [SSF_EVENT_TYPES.accountDisabled]: event }, subId)));
      assert.deepEqual(person(r.triggers[0]), { person: expected, aliases });
    }
  });

  it('CAEP credential-change revoke of an x509 cert is a leak by serial; other changes are ignored', () => {
    const revoke = {
      credential_type: 'x509',
      change_type: 'revoke',
      x509_issuer: 'CN=Acme Issuing CA',
      x509_serial: '0e:4f:2a',
    };
    const r = okResult(normalizeSsf(set({ [SSF_EVENT_TYPES.credentialChange]: revoke })));
    assert.equal(r.triggers[0]?.kind, 'leak');
    assert.deepEqual((r.triggers[0] as Extract<TriggerInput, { kind: 'leak' }>).subject, {
      providerKeyId: 'x509:0e:4f:2a',
    });
    for (const change of [
      { credential_type: 'fido2-roaming', change_type: 'delete' },
      { credential_type: 'x509', change_type: 'create', x509_serial: '01' },
    ]) {
      const ignored = okResult(normalizeSsf(set({ [SSF_EVENT_TYPES.credentialChange]: change })));
      assert.equal(ignored.triggers.length, 0);
      assert.ok(ignored.ignored);
    }
  });

  it('ignores session-revoked, verification and unknown event types', () => {
    const r = okResult(
      normalizeSsf(
        set({
          [SSF_EVENT_TYPES.sessionRevoked]: { initiating_entity: 'admin' },
          [SSF_EVENT_TYPES.verification]: { state: 'abc' },
          'https://example.com/event/unknown': {},
        }),
      ),
    );
    assert.equal(r.triggers.length, 0);
    assert.match(r.ignored ?? '', /session-revoked/);
  });

  it('rejects missing events, bad subjects and unsupported subject formats', () => {
    const noEvents = fixtureObject('ssf.account-disabled.json');
    delete noEvents['events'];
    assert.deepEqual(issuePaths(normalizeSsf(noEvents)), ['$.events']);
    const badEmail = set({ [SSF_EVENT_TYPES.accountDisabled]: {} }, { format: 'email', email: 7 });
    assert.deepEqual(issuePaths(normalizeSsf(badEmail)), ['$.sub_id.email']);
    const jwtId = set({ [SSF_EVENT_TYPES.accountDisabled]: {} }, { format: 'jwt_id', iss: 'x', jti: 'y' });
    assert.equal(rejection(normalizeSsf(jwtId)).code, 'UNSUPPORTED_EVENT');
    const badChange = set({
      [SSF_EVENT_TYPES.credentialChange]: { credential_type: 'x509', change_type: 'burn' },
    });
    assert.deepEqual(issuePaths(normalizeSsf(badChange)), ['$.events.credential-change.change_type']);
  });

  it('refuses a compact token: only verified claims are normalized', () => {
    const r = rejection(normalizeSsf('eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln'));
    assert.equal(r.code, 'UNSUPPORTED_EVENT');
  });
});
