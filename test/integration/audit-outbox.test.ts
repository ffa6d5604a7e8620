/**
 * The hot path's trail (`recordAudit`), chained inline and after commit through the outbox, on both
 * adapters: what commits is chained exactly once and heard of once, in chain order; what rolls back
 * leaves nothing; rows a crashed process left are chained by the next store; two processes
 * recording at once keep one valid chain.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { AuditRecord } from '../../schemas/audit.js';
import { chainHash } from '../../src/audit/chain.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { anchorKeyFromSeed } from '../../src/crypto/keys.js';
import type { Db } from '../../src/store/db.js';
import { createStore } from '../../src/store/sql-store.js';
import { storeAdapters, type OpenedDb } from '../support/store-adapters.js';

const T0 = '2026-12-03T10:00:00.000Z';
const AUDIT_KEY = randomBytes(32);
const INTEGRITY = { key: AUDIT_KEY, anchorKey: anchorKeyFromSeed(randomBytes(32)), anchors: [] };
const entry = (i: number, taskId = `t${i}`) => ({
  type: 'task.attempt' as const,
  actor: 'pipeline',
  triggerId: 'tr',
  taskId,
  data: { i },
});

/** A store whose listener collects what it hears; errors after commit fail the test. */
async function open(db: Db, chainAfterCommit: boolean) {
  const heard: AuditRecord[] = [];
  const errors: unknown[] = [];
  const store = await createStore(
    db,
    { auditKey: AUDIT_KEY },
    { chainAfterCommit, onAuditError: (e) => errors.push(e) },
  );
  store.onAudit(async (records) => {
    heard.push(...records);
  });
  return { store, heard, errors };
}

function assertChain(records: readonly AuditRecord[]) {
  for (const [i, r] of records.entries()) {
    if (i > 0) {
      assert.equal(r.seq, records[i - 1]!.seq + 1);
      assert.equal(r.prevHash, records[i - 1]!.hash);
    }
    assert.equal(r.hash, chainHash(AUDIT_KEY, r.prevHash, r));
  }
}

for (const adapter of storeAdapters) {
  for (const afterCommit of [false, true]) {
    describe(`recordAudit on ${adapter.name}, chained ${afterCommit ? 'after commit' : 'inline'}`, () => {
      async function withDb(t: TestContext, fn: (o: OpenedDb) => Promise<void>) {
        const o = await adapter.open(t);
        if (!o) return;
        try {
          await fn(o);
        } finally {
          await o.cleanup();
        }
      }

      it('what commits is chained once, heard of once in chain order; a rollback leaves nothing', (t) =>
        withDb(t, async ({ db }) => {
          const { store, heard, errors } = await open(db, afterCommit);
          await store.transaction((tx) => tx.recordAudit([entry(1), entry(2)], T0));
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.recordAudit([entry(9999)], T0);
              throw new Error('roll back');
            }),
          );
          // Mixed with an inline append outside the outbox: one chain.
          await store.appendAudit([{ type: 'inventory.imported', actor: 'a', data: { count: 1 } }], T0);
          await store.recordAudit([entry(3)], T0);
          for (let i = 4; i < 700; i++) await store.transaction((tx) => tx.recordAudit([entry(i)], T0));
          await store.flushAudit();
          const listed = await store.listAudit({ limit: 5000 });
          assert.equal(listed.length, 700);
          assertChain(listed);
          assert.deepEqual(
            listed.filter((r) => r.type === 'task.attempt').map((r) => r.data.i),
            Array.from({ length: 699 }, (_, k) => k + 1),
            'every committed entry once, in commit order; the rolled-back one never',
          );
          assert.deepEqual(
            heard.map((r) => r.seq),
            listed.filter((r) => r.type === 'task.attempt').map((r) => r.seq),
            'heard of in chain order, each once',
          );
          assert.deepEqual(
            heard,
            listed.filter((r) => r.type === 'task.attempt'),
          );
          assert.equal((await verifyAudit(store, INTEGRITY)).ok, true);
          assert.deepEqual(errors, []);
          await store.close();
        }));

      it('a reader sees every record committed before it asked', (t) =>
        withDb(t, async ({ db }) => {
          const { store } = await open(db, afterCommit);
          await store.transaction((tx) => tx.recordAudit([entry(1, 'task-a')], T0));
          // No flush: listAudit and auditHead chain what waits first.
          const [r] = await store.listAudit({ taskId: 'task-a' });
          assert.equal(r?.data.i, 1);
          assert.equal((await store.auditHead()).seq, r?.seq);
          await store.close();
        }));

      if (!afterCommit) return;

      it('rows a crashed process left in the outbox are chained by the next store, and by the sweep', (t) =>
        withDb(t, async ({ db }) => {
          const first = await open(db, true);
          await first.store.recordAudit([entry(1)], T0);
          await first.store.flushAudit();
          // A process that committed its state change and died before its chainer ran.
          const strand = (i: number) =>
            db.query(
              `INSERT INTO audit_outbox (at, type, actor, trigger_id, task_id, data)
               VALUES ($1, 'task.attempt', 'pipeline', 'tr', $2, $3::jsonb)`,
              [T0, `t${i}`, JSON.stringify({ i })],
            );
          await strand(2);
          const next = await open(db, true);
          assert.deepEqual(
            (await db.query('SELECT count(*)::int AS n FROM audit_outbox'))[0],
            { n: 0 },
            'chained when the store opened',
          );
          await strand(3);
          // Nobody kicks: a sweep (either store's) finds it (the test's own timeout is the only bound).
          const heard = () => [...first.heard, ...next.heard];
          while (!heard().some((r) => r.data.i === 3)) await new Promise((r) => setTimeout(r, 50));
          assert.equal(heard().filter((r) => r.data.i === 3).length, 1, 'heard of once');
          const listed = await next.store.listAudit({ limit: 10 });
          assert.deepEqual(
            listed.map((r) => r.data.i),
            [1, 2, 3],
          );
          assertChain(listed);
          assert.deepEqual([...first.errors, ...next.errors], []);
          // Both share one connection: closing one closes it for both.
          await next.store.close();
        }));

      it('two processes recording at once keep one chain, each record chained and heard once', (t) =>
        withDb(t, async ({ db, another }) => {
          if (!another) return; // one process on PGlite: nothing to race
          const a = await open(db, true);
          const b = await open(await another(), true);
          await Promise.all(
            Array.from({ length: 120 }, (_, i) =>
              i % 7 === 0
                ? (i % 2 ? a : b).store.appendAudit(
                    [{ type: 'inventory.imported', actor: 'a', data: { i } }],
                    T0,
                  )
                : (i % 2 ? a : b).store.transaction(async (tx) => {
                    await tx.recordAudit([entry(i)], T0);
                    await tx.recordAudit([entry(1000 + i)], T0);
                  }),
            ),
          );
          await a.store.flushAudit();
          await b.store.flushAudit();
          const listed = await a.store.listAudit({ limit: 1000 });
          const recorded = listed.filter((r) => r.type === 'task.attempt');
          assert.equal(listed.length, 18 + 102 * 2);
          assertChain(listed);
          const heard = [...a.heard, ...b.heard].sort((x, y) => x.seq - y.seq);
          assert.deepEqual(heard, recorded, 'the two chainers heard of disjoint batches covering all');
          // One transaction's two records are chained in the order it wrote them.
          for (const r of recorded.filter((x) => Number(x.data.i) < 1000)) {
            const second = recorded.find((x) => x.data.i === Number(r.data.i) + 1000);
            assert.ok(second && second.seq > r.seq);
          }
          assert.equal((await verifyAudit(a.store, INTEGRITY)).ok, true);
          assert.deepEqual([...a.errors, ...b.errors], []);
          await a.store.close();
          await b.store.close();
        }));
    });
  }
}
