/**
 * Worker presence (src/pipeline/presence.ts, src/store/workers-sql.ts) on both store adapters: a
 * worker that stopped beating is reaped — its admission slots are freed and its leases end, so
 * another worker claims its task at once and the dead one's writes are fenced out — while a worker
 * that beats keeps what it holds; two reapers at once reap a worker once; a worker that cannot
 * reach its store stops its attempts (self-fencing) and takes new ones once it beats again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { isTourniquetError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { LeaseKeeper } from '../../src/pipeline/lease.js';
import { Presence } from '../../src/pipeline/presence.js';
import type { Store } from '../../src/store/port.js';
import { SqlAdmission } from '../../src/store/admission-sql.js';
import { createStore } from '../../src/store/sql-store.js';
import { storeAdapters, withStore as withStoreOn } from '../support/store-adapters.js';
import { waitFor } from '../support/wait.js';

const AUDIT_KEY = randomBytes(32);
const LEASE_MS = 600_000;
const LIMITS = { perSecond: 100, burst: 10, concurrency: 1 };
const iso = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger('silent');

/** One planned revocation task; returns its id. */
async function plannedTask(s: Store): Promise<string> {
  const at = iso();
  const id = randomBytes(16).toString('hex');
  await s.insertTrigger({
    id: `leak-${id}`,
    kind: 'leak',
    source: 't',
    occurredAt: at,
    receivedAt: at,
    evidence: {},
    subject: { credentialId: 'c1' },
  });
  const task = {
    id,
    action: 'revoke' as const,
    decision: 'auto' as const,
    provider: 'oauth-main',
    credentialId: 'c1',
    credentialKind: 'oauth.access_token',
    reason: 'r',
    flags: [],
    fingerprint: 'b'.repeat(64),
  };
  await s.insertPlan(
    {
      id: `p-${id}`,
      triggerId: `leak-${id}`,
      decision: 'auto',
      status: 'planned',
      holds: [],
      notes: [],
      needsOwner: [],
      tasks: [task],
    },
    new Map(),
    at,
  );
  return id;
}

for (const adapter of storeAdapters) {
  describe(`worker presence on ${adapter.name}`, () => {
    const withStore = (t: TestContext, fn: Parameters<typeof withStoreOn>[3]) =>
      withStoreOn(adapter, t, AUDIT_KEY, fn);

    it('a silent worker is reaped: its slot is free, its lease ends, the new owner fences it out', (t) =>
      withStore(t, async (s, db) => {
        const admission = new SqlAdmission(db);
        const id = await plannedTask(s);
        await s.beatWorker('w-dead');
        const dead = await s.claimTask(id, iso(), LEASE_MS, 'w-dead');
        assert.ok(dead, 'claimed by the worker that will die');
        assert.equal((await admission.tryAcquire('lane', LIMITS, 'w-dead', LEASE_MS)).ok, true);
        const refused = await admission.tryAcquire('lane', LIMITS, 'w-live', LEASE_MS);
        assert.equal(refused.ok ? null : refused.reason, 'concurrency', 'the only slot is held');

        await sleep(1_500);
        await s.beatWorker('w-live');
        const reaped = await s.reapWorkers(1_000, iso());
        assert.deepEqual(reaped, { workers: ['w-dead'], slots: 1, tasks: 1 });

        assert.ok(
          (await s.dueTasks(iso(), 10, 600)).some((d) => d.id === id),
          'due for republishing at once, long before its lease would have ended',
        );
        const taken = await s.claimTask(id, iso(), LEASE_MS, 'w-live');
        assert.ok(taken, 'the live worker claims it');
        assert.equal(taken.interrupted, true, 'counted as an interrupted attempt');
        assert.ok(taken.lease > dead.lease);
        assert.equal(await s.renewLease(id, dead.lease, iso(), iso()), false, 'the dead lease is fenced');
        assert.equal(
          await s.finishTask(id, { status: 'succeeded', outcome: 'revoked' }, iso(), dead.lease),
          null,
          "the dead attempt cannot write the new owner's outcome",
        );
        assert.equal((await admission.tryAcquire('lane', LIMITS, 'w-live', LEASE_MS)).ok, true, 'slot freed');
        assert.deepEqual(await s.reapWorkers(1_000, iso()), { workers: [], slots: 0, tasks: 0 });
      }));

    it('a worker that beats keeps its lease; one that retired is no longer listed', (t) =>
      withStore(t, async (s, db) => {
        const id = await plannedTask(s);
        await s.beatWorker('w1');
        assert.ok(await s.claimTask(id, iso(), LEASE_MS, 'w1'));
        assert.deepEqual(await s.reapWorkers(60_000, iso()), { workers: [], slots: 0, tasks: 0 });
        assert.equal(await s.claimTask(id, iso(), LEASE_MS, 'w2'), null, 'still leased to w1');
        await s.retireWorker('w1');
        assert.deepEqual(await db.query('SELECT id FROM workers'), []);
      }));

    if (adapter.name === 'postgres') {
      it('two reapers at once reap a dead worker once', (t) =>
        withStore(t, async (s, _db, another) => {
          assert.ok(another);
          const other = await another();
          const id = await plannedTask(s);
          await s.beatWorker('w-dead');
          assert.ok(await s.claimTask(id, iso(), LEASE_MS, 'w-dead'));
          await sleep(1_500);
          const [a, b] = await Promise.all([s.reapWorkers(1_000, iso()), other.reapWorkers(1_000, iso())]);
          assert.deepEqual([...a.workers, ...b.workers], ['w-dead']);
          assert.equal(a.tasks + b.tasks, 1);
        }));
    }
  });
}

describe('self-fencing', () => {
  it('a worker that cannot beat stops its attempts, and takes new ones once it beats again', async (t) => {
    const opened = await storeAdapters[0]!.open(t);
    assert.ok(opened);
    const store = await createStore(opened.db, { auditKey: AUDIT_KEY });
    try {
      // The store is real; only its reachability for beats is switched (a partition).
      let down = false;
      const flaky = {
        beatWorker: (w: string) =>
          down ? Promise.reject(new Error('connection refused')) : store.beatWorker(w),
        reapWorkers: store.reapWorkers.bind(store),
        retireWorker: store.retireWorker.bind(store),
      };
      const config = { retry: { workerDeadAfterMs: 1_000, leaseMs: LEASE_MS } };
      const presence = new Presence({ store: flaky, logger, clock: () => new Date(), config });
      await presence.start();
      const keeperDeps = { store, logger, clock: () => new Date(), config, presence };
      const before = new LeaseKeeper(keeperDeps, 't1', 1, LEASE_MS);
      assert.equal(before.lost, false);

      down = true;
      await waitFor('the fence', async () => presence.signal.aborted, Boolean, 30_000);
      assert.equal(before.lost, true, 'an attempt in flight stops');
      const reason: unknown = before.signal.reason;
      assert.ok(isTourniquetError(reason) && reason.code === 'LEASE_LOST');
      const during = new LeaseKeeper(keeperDeps, 't2', 1, LEASE_MS);
      assert.equal(during.lost, true, 'an attempt started while silent stops at once');

      down = false;
      await waitFor('a beat', async () => !presence.signal.aborted, Boolean, 30_000);
      const after = new LeaseKeeper(keeperDeps, 't3', 1, LEASE_MS);
      assert.equal(after.lost, false, 'beating again: new attempts run');
      for (const k of [before, during, after]) await k.stop();

      await presence.stop();
      assert.deepEqual(await opened.db.query('SELECT id FROM workers'), [], 'retired at stop');
    } finally {
      await store.close().catch(() => undefined);
      await opened.cleanup();
    }
  });
});
