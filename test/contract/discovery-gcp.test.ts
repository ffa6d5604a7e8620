/**
 * The GCP IAM discoverer against the FAKE Google token endpoint and IAM API (test/fakes/google.ts)
 * over real HTTP: the shared conformance suite, then what a listing finds (user-managed keys only,
 * validity, disabled keys and accounts), service accounts over several pages, refusals naming the
 * IAM permission, and that each discovered providerId is one the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GcpIamProviderConfig, type GcpIamProviderConfigInput } from '../../schemas/providers/google.js';
import { createGcpIamDiscoverer } from '../../src/discovery/gcp.js';
import type { Discoverer } from '../../src/discovery/port.js';
import { buildDiscoverer } from '../../src/discovery/registry.js';
import { createGcpIamProvider } from '../../src/providers/gcp-iam.js';
import { FakeGoogle, GOOGLE, googleFaults } from '../fakes/google.js';
import { rejected } from '../support/asserts.js';
import { taskFor } from '../support/provider-task.js';
import {
  collect,
  directCall,
  discoveryConformance,
  credentials,
  completed,
  refusals,
} from './discovery-suite.js';

const PROJECT = 'acme-prod';
const KIND = 'gcp.service_account_key';
const signal = () => AbortSignal.timeout(20_000);

async function estate() {
  const fake = new FakeGoogle();
  await fake.start();
  const admin = fake.addServiceAccount('acme-security', false);
  const ci = `ci@${PROJECT}.iam.gserviceaccount.com`;
  const old = `old@${PROJECT}.iam.gserviceaccount.com`;
  const ciKey = fake.addKey(PROJECT, ci, {
    validAfterTime: '2024-03-01T10:00:00Z',
    validBeforeTime: '2025-03-01T10:00:00Z',
  });
  const ciForever = fake.addKey(PROJECT, ci);
  const ciOff = fake.addKey(PROJECT, ci, { disabled: true });
  const system = fake.addKey(PROJECT, ci, { keyType: 'SYSTEM_MANAGED' });
  fake.addListedAccount(PROJECT, old, { disabled: true, displayName: 'Old batch' });
  const oldKey = fake.addKey(PROJECT, old);
  // Another project's key: not configured, not listed.
  const elsewhere = fake.addKey('acme-dev', `dev@acme-dev.iam.gserviceaccount.com`);
  const cfg = (o: Partial<GcpIamProviderConfigInput> = {}): GcpIamProviderConfigInput => ({
    type: 'gcp_iam',
    name: 'gcp-test',
    serviceAccountKey: admin.keyJson,
    tokenUrl: fake.tokenUrl,
    iamUrl: fake.iamUrl,
    projects: [PROJECT],
    timeoutMs: 5_000,
    propagationMs: 0,
    ...o,
  });
  const discoverer = (o: Partial<GcpIamProviderConfigInput> = {}): Discoverer => {
    const d = createGcpIamDiscoverer(cfg(o));
    assert.ok(d, 'an instance with projects has a discoverer');
    return d;
  };
  const privateKey = (JSON.parse(admin.keyJson) as { private_key: string }).private_key;
  const name = (email: string, keyId: string) => `projects/${PROJECT}/serviceAccounts/${email}/keys/${keyId}`;
  return {
    fake,
    admin,
    cfg,
    discoverer,
    privateKey,
    ci,
    old,
    keys: { ciKey, ciForever, ciOff, system, oldKey, elsewhere },
    name,
  };
}

discoveryConformance('gcp_iam', async () => {
  const e = await estate();
  // A second caller in the same fake that may not list service accounts.
  const denied = e.fake.addServiceAccount('acme-security', false);
  e.fake.deny(denied.email, 'iam.serviceAccounts.list');
  return {
    type: 'gcp_iam',
    discoverer: e.discoverer(),
    refused: e.discoverer({ serviceAccountKey: denied.keyJson }),
    // A line of each caller's private key (the only secrets the estate holds).
    secrets: [e.privateKey.split('\n')[1] ?? '', denied.keyJson.split('\\n')[1] ?? ''],
    close: () => e.fake.close(),
  };
});

describe('gcp iam discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists each user-managed key as gcp.service_account_key by its resource name', async () => {
    const counter = { calls: 0 };
    const events = await collect(e.discoverer(), directCall(counter));
    assert.deepEqual(refusals(events), []);
    assert.deepEqual(completed(events), [KIND]);
    const found = credentials(events);
    assert.ok(found.every((c) => c.kind === KIND));
    assert.deepEqual(
      found.map((c) => c.providerId).sort(),
      [
        e.name(e.ci, e.keys.ciKey),
        e.name(e.ci, e.keys.ciForever),
        e.name(e.ci, e.keys.ciOff),
        e.name(e.old, e.keys.oldKey),
      ].sort(),
      'user-managed keys of the configured project only: no system-managed key, no other project',
    );
    const by = (keyId: string) => found.find((c) => c.providerId.endsWith(`/keys/${keyId}`));
    const ci = by(e.keys.ciKey);
    assert.equal(ci?.workload, e.ci);
    assert.equal(ci?.ownerIdentity, undefined, 'a service account is no person');
    assert.equal(ci?.issuedAt, '2024-03-01T10:00:00.000Z');
    assert.equal(ci?.expiresAt, '2025-03-01T10:00:00.000Z');
    assert.equal(ci?.status, 'active');
    assert.equal(ci?.labels?.keyAlgorithm, 'KEY_ALG_RSA_2048');
    // 9999-12-31 is Google's "never expires".
    assert.equal(by(e.keys.ciForever)?.expiresAt, undefined);
    assert.equal(by(e.keys.ciForever)?.issuedAt, '2024-01-02T03:04:05.000Z');
    assert.equal(by(e.keys.ciOff)?.status, 'disabled');
    // An enabled key of a disabled account cannot authenticate: disabled too.
    assert.equal(by(e.keys.oldKey)?.status, 'disabled');
    assert.equal(by(e.keys.oldKey)?.labels?.serviceAccountName, 'Old batch');
    // One accounts page, then one keys call per account (ci, old; the caller's own account is in
    // another project). The token is minted inside the first call, under the same budget.
    assert.equal(counter.calls, 3);
  });

  it('pages service accounts (100 a page) and completes only after the last page', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 230; i++)
        big.fake.addKey(PROJECT, `bulk-${String(i).padStart(3, '0')}@${PROJECT}.iam.gserviceaccount.com`);
      const before = big.fake.calls(GOOGLE.listAccounts);
      const events = await collect(big.discoverer(), directCall({ calls: 0 }));
      // 232 accounts (230 + ci + old): pages of 100, 100, 32.
      assert.equal(big.fake.calls(GOOGLE.listAccounts) - before, 3);
      const found = credentials(events);
      assert.equal(found.length, 230 + 4);
      assert.equal(new Set(found.map((c) => c.providerId)).size, found.length, 'no key twice');
      const done = events.findIndex((x) => x.type === 'complete');
      assert.equal(done, events.length - 1, 'complete is the last event');
      assert.ok(found.some((c) => c.workload === `bulk-229@${PROJECT}.iam.gserviceaccount.com`));
    } finally {
      await big.fake.close();
    }
  });

  it('a 403 on serviceAccounts.list is refused naming iam.serviceAccounts.list, and completes nothing', async () => {
    const caller = e.fake.addServiceAccount('acme-security', false);
    e.fake.deny(caller.email, 'iam.serviceAccounts.list');
    const events = await collect(
      e.discoverer({ serviceAccountKey: caller.keyJson }),
      directCall({ calls: 0 }),
    );
    assert.deepEqual(
      refusals(events).map((r) => [r.permission, r.code]),
      [['iam.serviceAccounts.list', 'PROVIDER_FORBIDDEN']],
    );
    assert.deepEqual(completed(events), []);
    assert.deepEqual(credentials(events), []);
  });

  it('a 403 on keys.list is refused once naming iam.serviceAccountKeys.list, and completes nothing', async () => {
    const caller = e.fake.addServiceAccount('acme-security', false);
    e.fake.deny(caller.email, 'iam.serviceAccountKeys.list');
    const events = await collect(
      e.discoverer({ serviceAccountKey: caller.keyJson }),
      directCall({ calls: 0 }),
    );
    assert.deepEqual(
      refusals(events).map((r) => r.permission),
      ['iam.serviceAccountKeys.list'],
    );
    assert.deepEqual(completed(events), []);
  });

  it('one refused project leaves the kind incomplete while the other is still listed', async () => {
    e.fake.inject(GOOGLE.listAccounts, googleFaults.error(403, 'forbidden'));
    const events = await collect(e.discoverer({ projects: ['acme-dev', PROJECT] }), directCall({ calls: 0 }));
    assert.equal(refusals(events).length, 1);
    assert.match(refusals(events)[0]?.what ?? '', /acme-dev/);
    assert.ok(credentials(events).some((c) => c.providerId === e.name(e.ci, e.keys.ciKey)));
    assert.deepEqual(completed(events), []);
  });

  it('a 5xx or a rate limit is thrown retriable for the sync, not reported as refused', async () => {
    e.fake.inject(GOOGLE.listKeys, googleFaults.serverError(503));
    const err = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(err.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(err.retriable, true);
    e.fake.inject(GOOGLE.listAccounts, googleFaults.userRateLimited());
    const limited = await rejected(collect(e.discoverer(), directCall({ calls: 0 })));
    assert.equal(limited.code, 'PROVIDER_RATE_LIMITED');
  });

  it('a key it cannot read leaves the kind incomplete', async () => {
    e.fake.inject(GOOGLE.listKeys, {
      reply: () => ({ status: 200, body: { keys: [{ name: 'not a key name', keyType: 'USER_MANAGED' }] } }),
    });
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), []);
    assert.ok(credentials(events).length > 0, 'the other accounts are still listed');
  });

  it('has nothing to list without projects, and is registered for gcp_iam', () => {
    assert.equal(createGcpIamDiscoverer(e.cfg({ projects: [] })), null);
    assert.deepEqual(buildDiscoverer(GcpIamProviderConfig.parse(e.cfg()))?.kinds, [KIND]);
  });

  it('every discovered providerId is one the adapter disables and deletes', async () => {
    const w = await estate();
    try {
      const provider = createGcpIamProvider(w.cfg());
      const found = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      for (const c of found) assert.ok(provider.capabilities.actions[c.kind]?.includes('disable'));
      const target = found.find((c) => c.providerId === w.name(w.ci, w.keys.ciKey));
      assert.ok(target);
      const task = (action: 'disable' | 'delete') => taskFor(target, action);
      assert.equal((await provider.execute(task('disable'), signal())).outcome, 'revoked');
      assert.equal(w.fake.key(w.ci, w.keys.ciKey)?.disabled, true);
      const again = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      assert.equal(again.find((c) => c.providerId === target.providerId)?.status, 'disabled');
      assert.equal((await provider.execute(task('delete'), signal())).outcome, 'revoked');
      const after = credentials(await collect(w.discoverer(), directCall({ calls: 0 })));
      assert.equal(
        after.find((c) => c.providerId === target.providerId),
        undefined,
        'gone',
      );
    } finally {
      await w.fake.close();
    }
  });
});
