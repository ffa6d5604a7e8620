/**
 * The declared-family adapter's configuration and capabilities, without a network: what an instance
 * declares depends on what is configured, so the planner plans only what it can run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TourniquetError } from '../../src/errors.js';
import { capabilityView } from '../../src/providers/capabilities.js';
import { createFamilyProvider } from '../../src/providers/http-family.js';

const base = { type: 'http_family', name: 'x' } as const;
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TourniquetError);
    return err.code;
  }
  return assert.fail('expected a failure');
};

describe('createFamilyProvider', () => {
  it('refuses an unknown family (prototype names included), an unknown secret, a missing var', () => {
    assert.equal(
      code(() => createFamilyProvider({ ...base, family: 'nope' })),
      'INVALID_CONFIG',
    );
    assert.equal(
      code(() => createFamilyProvider({ ...base, family: 'constructor' })),
      'INVALID_CONFIG',
    );
    assert.equal(
      code(() => createFamilyProvider({ ...base, family: 'gitlab', secrets: { toString: 's' } })),
      'INVALID_CONFIG',
    );
    assert.equal(
      code(() => createFamilyProvider({ ...base, family: 'twilio' })),
      'INVALID_CONFIG',
    );
    assert.equal(
      code(() => createFamilyProvider({ ...base, family: 'gitlab', credentialKinds: ['gitlab.nope'] })),
      'INVALID_CONFIG',
    );
    assert.equal(
      code(() =>
        createFamilyProvider({ ...base, family: 'npm', secrets: { token: { env: 'UNSET_X' } } }, { env: {} }),
      ),
      'INVALID_CONFIG',
    );
  });

  it('without its admin secret, declares only what the leaked token can do by itself', () => {
    const bare = capabilityView(createFamilyProvider({ ...base, family: 'gitlab' }));
    assert.equal(bare.type, 'gitlab');
    assert.deepEqual(
      bare.kinds['gitlab.personal_access_token']?.map((a) => [a.action, a.needs]),
      [['revoke_by_value', ['secret']]],
    );
    assert.equal(bare.kinds['gitlab.deploy_token'], undefined, 'deploy tokens need the admin token API');
    const full = capabilityView(createFamilyProvider({ ...base, family: 'gitlab', secrets: { token: 't' } }));
    assert.deepEqual(
      full.kinds['gitlab.personal_access_token']?.map((a) => a.action),
      ['revoke_by_value', 'revoke'],
    );
    assert.deepEqual(
      full.kinds['gitlab.deploy_token']?.map((a) => a.action),
      ['revoke_by_value', 'revoke'],
    );
  });

  it('with half of a two-key auth (Datadog), declares nothing it cannot run', () => {
    const half = capabilityView(
      createFamilyProvider({ ...base, family: 'datadog', secrets: { apiKey: 'a' } }),
    );
    assert.deepEqual(half.kinds, {});
  });

  it('refuses a value no header can carry, before any call', async () => {
    const p = createFamilyProvider({ ...base, family: 'buildkite', baseUrls: { api: 'http://127.0.0.1:9' } });
    const err = await p
      .execute(
        {
          taskId: 't',
          credentialId: null,
          credentialKind: 'buildkite.api_token',
          action: 'revoke_by_value',
          secret: 'bkua_x\nInjected: 1',
          precheck: false,
        },
        AbortSignal.timeout(5_000),
      )
      .then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof TourniquetError);
    assert.equal(err.code, 'PROVIDER_REJECTED');
    assert.equal(err.retriable, false);
  });
});
