/**
 * Contract tests of the declared provider families (src/providers/families/*): the generic adapter
 * (src/providers/http-family.ts) over real HTTP against each family's FAKE (test/fakes/http-family.ts,
 * answering in the provider's documented shapes). Every kind × action a definition declares runs the
 * conformance suite; then 5xx and bad admin credentials are checked per family.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FamilyDefinition, FamilyKind } from '../../schemas/providers/family.js';
import { TourniquetError } from '../../src/errors.js';
import { FAMILIES } from '../../src/providers/families/index.js';
import { createFamilyProvider } from '../../src/providers/http-family.js';
import type { Logger } from 'pino';
import type { ProviderTask } from '../../src/providers/port.js';
import { FakeFamily } from '../fakes/http-family.js';
import { providerConformance } from './provider-suite.js';

let seq = 0;
const signal = () => AbortSignal.timeout(20_000);

async function world(def: FamilyDefinition, opts: { logger?: Logger; wrongSecrets?: boolean } = {}) {
  const secrets = Object.fromEntries(
    Object.keys(def.secrets).map((k) => [k, `cfg-${k}-${randomBytes(12).toString('hex')}`]),
  );
  const vars = Object.fromEntries(
    Object.keys(def.vars).map((k) => [k, `AC${randomBytes(16).toString('hex')}`]),
  );
  const fake = new FakeFamily(def, secrets, vars);
  await fake.start();
  const sent = opts.wrongSecrets
    ? Object.fromEntries(Object.keys(secrets).map((k) => [k, `wrong-${k}-secret`]))
    : secrets;
  const provider = createFamilyProvider(
    fake.instanceConfig(`${def.name}-test`, sent, 2_000),
    opts.logger ? { logger: opts.logger } : {},
  );
  return { fake, provider, secrets };
}

const partsOf = (kind: FamilyKind) =>
  Math.max(1, ...[...(kind.byId?.path ?? '').matchAll(/\{id\.(\d+)\}/g)].map((m) => Number(m[1]) + 1));

function taskFor(fake: FakeFamily, kind: FamilyKind, slot: 'byValue' | 'byId'): ProviderTask {
  const token = fake.mint(partsOf(kind));
  return {
    taskId: `t${++seq}`,
    credentialId: `c${seq}`,
    credentialKind: kind.kind,
    ...(slot === 'byValue'
      ? { action: 'revoke_by_value' as const, secret: token.value }
      : { action: 'revoke' as const, providerId: token.providerId }),
  };
}

const slots = (kind: FamilyKind) =>
  (['byValue', 'byId'] as const).filter(
    (s) => kind[s] !== undefined && kind[s === 'byValue' ? 'verifyByValue' : 'verifyById'],
  );

for (const def of Object.values(FAMILIES)) {
  for (const kind of def.kinds) {
    for (const slot of slots(kind)) {
      providerConformance(`${def.name} ${kind.kind} ${slot}`, async ({ logger }) => {
        const { fake, provider, secrets } = await world(def, { logger });
        const key = fake.revokeKeys.get(`${kind.kind}:${slot}`)!;
        const planted = Object.values(secrets)[0] ?? fake.mint().value;
        return {
          provider,
          makeLiveCredential: async () => taskFor(fake, kind, slot),
          injectRetriable: () => {
            const { reply, announcedMs } = fake.wire.rateLimited(9, Date.now());
            fake.inject(key, { reply: () => reply });
            return announcedMs === undefined ? {} : { retryAfterMs: announcedMs };
          },
          injectPermanent: () => fake.inject(key, { reply: () => fake.wire.rejected }),
          plantedSecret: planted,
          revokeCallCount: () => fake.calls(key),
          close: () => fake.close(),
        };
      });
    }
  }

  describe(`${def.name}: faults the suite does not cover`, () => {
    let w: Awaited<ReturnType<typeof world>>;
    before(async () => (w = await world(def)));
    after(() => w.fake.close());

    for (const kind of def.kinds) {
      for (const slot of slots(kind)) {
        it(`${kind.kind} ${slot}: the provider's "already gone" answer is already_revoked, without a pre-check`, async () => {
          const task = { ...taskFor(w.fake, kind, slot), precheck: false };
          const key = w.fake.revokeKeys.get(`${kind.kind}:${slot}`)!;
          assert.equal((await w.provider.execute(task, signal())).outcome, 'revoked');
          const before = w.fake.calls(key);
          assert.equal((await w.provider.execute(task, signal())).outcome, 'already_revoked');
          assert.equal(w.fake.calls(key), before + 1, 'the second revoke reached the provider');
        });

        it(`${kind.kind} ${slot}: a 5xx is retriable PROVIDER_UNAVAILABLE, and nothing leaks`, async () => {
          const task = taskFor(w.fake, kind, slot);
          w.fake.inject(w.fake.revokeKeys.get(`${kind.kind}:${slot}`)!, {
            reply: () => w.fake.wire.serverError,
          });
          const err = await w.provider.execute(task, signal()).then(
            () => assert.fail('expected a failure'),
            (e: unknown) => e,
          );
          assert.ok(err instanceof TourniquetError);
          assert.equal(err.code, 'PROVIDER_UNAVAILABLE');
          assert.equal(err.retriable, true);
          if (task.secret)
            assert.ok(!JSON.stringify({ m: err.message, d: err.details }).includes(task.secret));
        });
      }
    }

    const adminKinds = def.kinds.filter((k) => k.byId?.auth === 'admin' || k.byValue?.auth === 'admin');
    if (adminKinds.length > 0) {
      it('bad admin credentials are a permanent auth error, and the credential stays alive', async () => {
        const bad = await world(def, { wrongSecrets: true });
        try {
          for (const kind of adminKinds) {
            const slot = kind.byId?.auth === 'admin' ? 'byId' : 'byValue';
            const token = bad.fake.mint(partsOf(kind));
            const task: ProviderTask = {
              taskId: `t${++seq}`,
              credentialId: null,
              credentialKind: kind.kind,
              precheck: false,
              ...(slot === 'byValue'
                ? { action: 'revoke_by_value' as const, secret: token.value }
                : { action: 'revoke' as const, providerId: token.providerId }),
            };
            const err = await bad.provider.execute(task, signal()).then(
              () => assert.fail('expected a failure'),
              (e: unknown) => e,
            );
            assert.ok(err instanceof TourniquetError);
            assert.ok(['PROVIDER_AUTH_FAILED', 'PROVIDER_FORBIDDEN'].includes(err.code), err.code);
            assert.equal(err.retriable, false);
            for (const s of Object.values(bad.secrets)) assert.ok(!err.message.includes(s));
            assert.equal(token.alive, true);
          }
        } finally {
          await bad.fake.close();
        }
      });
    }
  });
}
