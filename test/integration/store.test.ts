/**
 * The store port, run against both adapters with the same SQL and migrations: PGlite (embedded)
 * and a real PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { Credential } from '../../schemas/credential.js';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { anchorKeyFromSeed } from '../../src/crypto/keys.js';
import { credentialPages } from '../../src/store/credential-pages.js';
import { migrate } from '../../src/store/migrations.js';
import { storeAdapters, withStore as withStoreOn } from '../support/store-adapters.js';

const T0 = '2026-11-23T10:00:00.000Z';
const AUDIT_KEY = randomBytes(32);
/** No anchors here: the chain on its own (anchors: test/integration/audit-anchor.test.ts). */
const INTEGRITY = { key: AUDIT_KEY, anchorKey: anchorKeyFromSeed(randomBytes(32)), anchors: [] };
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
/** A stored leak trigger of credential c1. */
const leakTrigger = (id: string) => ({
  id,
  kind: 'leak' as const,
  source: 't',
  occurredAt: T0,
  receivedAt: T0,
  evidence: {},
  subject: { credentialId: 'c1' },
});

const cred = (id: string, extra: Partial<Credential> = {}) =>
  Credential.parse({ id, provider: 'oauth-main', kind: 'oauth.access_token', ...extra });

for (const adapter of storeAdapters) {
  describe(`store on ${adapter.name}`, () => {
    const withStore = (t: TestContext, fn: Parameters<typeof withStoreOn>[3]) =>
      withStoreOn(adapter, t, AUDIT_KEY, fn);

    it('the inventory pages by id to the end, updates mid-scan included', (t) =>
      withStore(t, async (s) => {
        const ids = Array.from({ length: 25 }, (_, i) => `pg-${String(i).padStart(2, '0')}`);
        await s.upsertCredentials([...ids].reverse().map((id) => cred(id)));
        const sizes: number[] = [];
        const seen: string[] = [];
        for await (const page of credentialPages(s, 10)) {
          sizes.push(page.length);
          seen.push(...page.map((c) => c.id));
          // What a sync does while it scans: rewrite the rows it just read.
          await s.upsertCredentials(page.map((c) => ({ ...c, labels: { scanned: 'yes' } })));
        }
        assert.deepEqual(sizes, [10, 10, 5]);
        assert.deepEqual(seen, ids);
        assert.ok((await s.listCredentials(100)).every((c) => c.labels.scanned === 'yes'));
      }));

    it('migrations are idempotent', (t) =>
      withStore(t, async (_s, db) => {
        assert.deepEqual(await migrate(db), [], 'second run applies nothing');
      }));

    it('inventory: upsert, find by fingerprint / provider id / owner (case-insensitive) / workload, flags', (t) =>
      withStore(t, async (s) => {
        const fp = 'a'.repeat(64);
        await s.upsertCredentials([
          cred('c1', { fingerprint: fp, owner: 'Alice@Example.com' }),
          cred('c2', { providerId: 'AKIAEXAMPLE', workload: 'billing' }),
          cred('c3', { owner: 'bob@example.com' }),
        ]);
        assert.deepEqual(
          (await s.findCredentials({ fingerprints: [fp] })).map((c) => c.id),
          ['c1'],
        );
        assert.deepEqual(
          (await s.findCredentials({ providerIds: ['AKIAEXAMPLE'] })).map((c) => c.id),
          ['c2'],
        );
        assert.deepEqual(
          (await s.findCredentials({ owners: ['alice@example.com'] })).map((c) => c.id),
          ['c1'],
        );
        assert.deepEqual(
          (await s.findCredentials({ workloads: ['billing'] })).map((c) => c.id),
          ['c2'],
        );
        await s.updateCredential('c1', { addFlags: ['owner_left'] });
        await s.updateCredential('c1', { addFlags: ['owner_left'], status: 'revoked' });
        const [c1] = await s.findCredentials({ ids: ['c1'] });
        assert.deepEqual(c1?.flags, ['owner_left']);
        assert.equal(c1?.status, 'revoked');
        // A re-import without the secret keeps the fingerprint it had.
        await s.upsertCredentials([cred('c1', { owner: 'Alice@Example.com' })]);
        assert.equal((await s.findCredentials({ ids: ['c1'] }))[0]?.fingerprint, fp);
      }));

    it('triggers dedup by id; tasks claim under a lease and keep their sealed secret until final', (t) =>
      withStore(t, async (s) => {
        const trigger = leakTrigger('leak-1');
        assert.equal(await s.insertTrigger(trigger), true);
        assert.equal(await s.insertTrigger(trigger), false);
        const task = {
          id: '0'.repeat(32),
          action: 'revoke' as const,
          decision: 'auto' as const,
          provider: 'oauth-main',
          credentialId: 'c1',
          credentialKind: 'oauth.access_token',
          reason: 'r',
          flags: [],
          fingerprint: 'b'.repeat(64),
        };
        const plan = {
          id: 'p1',
          triggerId: 'leak-1',
          decision: 'auto' as const,
          status: 'planned' as const,
          holds: [],
          notes: [],
          needsOwner: [],
          tasks: [task],
        };
        const runnable = await s.insertPlan(plan, new Map([[task.id, 'v1.sealed']]), T0);
        assert.deepEqual(
          runnable.map((x) => x.id),
          [task.id],
        );
        assert.deepEqual(await s.insertPlan(plan, new Map(), T0), [], 'idempotent: nothing new to run');
        const first = await s.claimTask(task.id, T0, 60_000);
        assert.equal(first?.interrupted, false);
        assert.equal(first?.claimed.sealedSecret, 'v1.sealed');
        assert.equal(first?.claimed.task.attempts, 1);
        assert.equal(
          await s.claimTask(task.id, later(1000), 60_000),
          null,
          'leased: a duplicate message cannot claim it',
        );
        const recovered = await s.claimTask(task.id, later(61_000), 60_000);
        assert.equal(recovered?.interrupted, true, 'an expired lease is recovered as interrupted');
        assert.ok(
          recovered && first && recovered.lease > first.lease,
          'each claim is a new lease generation',
        );
        await s.finishTask(
          task.id,
          { status: 'planned', nextAttemptAt: later(120_000) },
          later(62_000),
          recovered.lease,
        );
        assert.equal(
          await s.claimTask(task.id, later(63_000), 60_000),
          null,
          'a delayed retry is not claimed early',
        );
        assert.deepEqual(
          (await s.dueTasks(later(121_000), 10, 300)).map((x) => x.id),
          [task.id],
        );
        await s.markRepublished([task.id], later(121_000), 300);
        assert.deepEqual(await s.dueTasks(later(122_000), 10, 300), []);
        const retried = await s.claimTask(task.id, later(122_500), 60_000);
        assert.ok(retried);
        await s.finishTask(
          task.id,
          { status: 'succeeded', outcome: 'revoked', verifiedAt: later(123_000) },
          later(123_000),
          retried.lease,
        );
        const done = await s.getTask(task.id);
        assert.equal(done?.task.status, 'succeeded');
        assert.equal(done?.sealedSecret, null, 'the sealed secret is dropped once the task is final');
        assert.equal(await s.claimTask(task.id, later(200_000), 60_000), null);
      }));

    it('idsLike: the exact id first, then ids that start with it; LIKE wildcards are literal', (t) =>
      withStore(t, async (s) => {
        for (const id of ['leak-ab', 'leak-abc1', 'leak-abd2', 'leak_x'])
          await s.insertTrigger(leakTrigger(id));
        assert.deepEqual(await s.idsLike('trigger', 'leak-abc', 5), ['leak-abc1']);
        assert.deepEqual(await s.idsLike('trigger', 'leak-ab', 5), ['leak-ab', 'leak-abc1', 'leak-abd2']);
        assert.deepEqual(await s.idsLike('trigger', 'leak-a', 2), ['leak-ab', 'leak-abc1']);
        assert.deepEqual(await s.idsLike('trigger', 'leak_', 5), ['leak_x'], '_ is not a wildcard');
        assert.deepEqual(await s.idsLike('trigger', '%', 5), [], '% is not a wildcard');
        assert.deepEqual(await s.idsLike('plan', 'leak', 5), []);
      }));

    it('fencing: a stale lease can neither finish, defer nor renew; the current one can', (t) =>
      withStore(t, async (s) => {
        await s.upsertCredentials([cred('c1')]);
        const trigger = leakTrigger('leak-f');
        await s.insertTrigger(trigger);
        const task = {
          id: 'f'.repeat(32),
          action: 'revoke' as const,
          decision: 'auto' as const,
          provider: 'oauth-main',
          credentialId: 'c1',
          credentialKind: 'oauth.access_token',
          reason: 'r',
          flags: [],
        };
        await s.insertPlan(
          {
            id: 'pf',
            triggerId: 'leak-f',
            decision: 'auto',
            status: 'planned',
            holds: [],
            notes: [],
            needsOwner: [],
            tasks: [task],
          },
          new Map(),
          T0,
        );
        const stale = await s.claimTask(task.id, T0, 60_000);
        assert.ok(stale);
        assert.equal(
          await s.renewLease(task.id, stale.lease, later(90_000), later(30_000)),
          true,
          'the owner renews',
        );
        assert.equal(await s.claimTask(task.id, later(89_000), 60_000), null, 'renewed: still leased');
        const current = await s.claimTask(task.id, later(91_000), 60_000);
        assert.ok(current && current.lease !== stale.lease, 'recovered under a new generation');

        assert.equal(
          await s.finishTask(
            task.id,
            { status: 'dead_lettered', lastError: null },
            later(92_000),
            stale.lease,
          ),
          null,
          'the stale finish is refused',
        );
        assert.equal(await s.deferTask(task.id, later(99_000), later(92_000), stale.lease), false);
        assert.equal(await s.renewLease(task.id, stale.lease, later(200_000), later(92_000)), false);
        const row = await s.getTask(task.id);
        assert.equal(row?.task.status, 'running', 'nothing of the stale attempt was written');
        assert.equal(row?.task.attempts, 2);

        const done = await s.finishTask(
          task.id,
          { status: 'succeeded', outcome: 'revoked' },
          later(93_000),
          current.lease,
        );
        assert.equal(done?.task.status, 'succeeded');
        assert.equal(
          await s.finishTask(task.id, { status: 'failed' }, later(94_000), current.lease),
          null,
          'a finished task is no longer leased: a second finish is refused',
        );
        assert.equal((await s.getTask(task.id))?.task.status, 'succeeded');
      }));

    it('findCredentials combines only the arms given; an empty query matches nothing', (t) =>
      withStore(t, async (s) => {
        const fp = 'c'.repeat(64);
        await s.upsertCredentials([
          cred('c1', { fingerprint: fp }),
          cred('c2', { providerId: 'AKIA2' }),
          cred('c3', { owner: 'Bob@Example.com', workload: 'w1' }),
          cred('c4'),
        ]);
        assert.deepEqual(await s.findCredentials({}), []);
        assert.deepEqual(await s.findCredentials({ ids: [], fingerprints: [], owners: [] }), []);
        assert.deepEqual(
          (
            await s.findCredentials({
              ids: ['c4'],
              fingerprints: [fp],
              providerIds: ['AKIA2'],
              owners: ['BOB@example.com'],
            })
          ).map((c) => c.id),
          ['c1', 'c2', 'c3', 'c4'],
        );
        assert.deepEqual(
          (await s.findCredentials({ fingerprints: [fp], workloads: ['w1'] })).map((c) => c.id),
          ['c1', 'c3'],
        );
      }));

    it('upsertCredentials: one batch with repeated ids ends as consecutive upserts would', (t) =>
      withStore(t, async (s) => {
        const fp = 'd'.repeat(64);
        const many = Array.from({ length: 3000 }, (_, i) => cred(`m${i}`, { labels: { q: `"'\\{x},` } }));
        const written = await s.upsertCredentials([
          ...many,
          cred('dup', { fingerprint: fp, owner: 'first' }),
          cred('dup', { owner: 'second', protected: true }),
        ]);
        assert.deepEqual([written.created.length, written.updated, written.unchanged], [3001, [], 0]);
        const [dup] = await s.findCredentials({ ids: ['dup'] });
        assert.equal(dup?.owner, 'second');
        assert.equal(dup?.protected, true);
        assert.equal(dup?.fingerprint, fp, 'a later entry without the secret keeps the fingerprint');
        assert.equal((await s.listCredentials(10_000)).length, 3001);
        const [m7] = await s.findCredentials({ ids: ['m7'] });
        assert.deepEqual(m7?.labels, { q: `"'\\{x},` });
        assert.deepEqual(await s.upsertCredentials([]), { created: [], updated: [], unchanged: 0 });
      }));

    it('upsertCredentials writes no row that already holds what it would leave, and says which it wrote', (t) =>
      withStore(t, async (s, db) => {
        const versions = async () =>
          Object.fromEntries(
            (
              await db.query<{ id: string; v: string; at: unknown }>(
                'SELECT id, xmin::text AS v, updated_at AS at FROM credentials ORDER BY id',
              )
            ).map((r) => [r.id, `${r.v}@${String(r.at)}`]),
          );
        const c1 = cred('c1', {
          fingerprint: 'f'.repeat(64),
          issuedAt: T0,
          lastUsedAt: later(1000),
          labels: { b: '2', a: '1' },
          readers: ['Bob@Example.com'],
        });
        const c2 = cred('c2', { owner: 'ada@example.com' });
        assert.deepEqual(await s.upsertCredentials([c1, c2]), {
          created: ['c1', 'c2'],
          updated: [],
          unchanged: 0,
        });
        await s.updateCredential('c1', { addFlags: ['owner_left'] });
        const first = await versions();
        assert.deepEqual(await s.upsertCredentials([c1, c2]), { created: [], updated: [], unchanged: 2 });
        // What the upsert keeps when the input does not say (fingerprint, dates, an older last use),
        // labels in another order, the pipeline's flags: all the same row.
        const { fingerprint: _f, issuedAt: _i, ...bare } = c1;
        const same = Credential.parse({ ...bare, lastUsedAt: T0, labels: { a: '1', b: '2' }, flags: [] });
        assert.deepEqual(await s.upsertCredentials([same]), { created: [], updated: [], unchanged: 1 });
        assert.deepEqual(await versions(), first, 'no row version and no updated_at changed');
        const moved = await s.upsertCredentials([c1, { ...c2, owner: 'bob@example.com' }]);
        assert.deepEqual(moved, { created: [], updated: ['c2'], unchanged: 1 });
        const after = await versions();
        assert.equal(after.c1, first.c1);
        assert.notEqual(after.c2, first.c2);
        const [stored] = await s.findCredentials({ ids: ['c1'] });
        assert.deepEqual(stored?.flags, ['owner_left']);
        assert.equal((await s.findCredentials({ ids: ['c2'] }))[0]?.owner, 'bob@example.com');
      }));

    it('upsertPeople and upsertWorkloads write only what changed', (t) =>
      withStore(t, async (s) => {
        const ada = { id: 'ada@example.com', aliases: ['ada'], identities: { gh: 'ada-gh' } };
        assert.equal(await s.upsertPeople([ada, { id: 'bob@example.com', aliases: [], identities: {} }]), 2);
        assert.equal(await s.upsertPeople([ada]), 0);
        assert.equal(await s.upsertPeople([{ ...ada, identities: { gh: 'ada2' } }]), 1);
        assert.equal(await s.upsertWorkloads([{ name: 'pay', aliases: ['sa:pay'] }]), 1);
        assert.equal(await s.upsertWorkloads([{ name: 'pay', aliases: ['sa:pay'] }]), 0);
        assert.equal(await s.upsertWorkloads([{ name: 'pay', aliases: [] }]), 1);
      }));

    it('a large plan is stored whole; finishing tasks returns what observers need and closes the plan', (t) =>
      withStore(t, async (s) => {
        const T1 = later(5);
        await s.insertTrigger({
          id: 'off-1',
          kind: 'offboarding',
          source: 't',
          occurredAt: T0,
          receivedAt: T1,
          evidence: {},
          subject: { person: 'p@example.com', aliases: [] },
        });
        await s.upsertCredentials([cred('c0', { fingerprint: 'e'.repeat(64) })]);
        const task = (i: number) => ({
          id: i.toString(16).padStart(32, '0'),
          action: 'revoke' as const,
          decision: i === 2 ? ('shadow' as const) : ('auto' as const),
          provider: i === 3 ? null : 'oauth-main',
          credentialId: `c${i}`,
          credentialKind: 'oauth.access_token',
          reason: `r${i}`,
          flags: i === 0 ? ['owner_left'] : [],
          ...(i === 0 ? { fingerprint: 'e'.repeat(64) } : {}),
        });
        const tasks = Array.from({ length: 2500 }, (_, i) => task(i));
        const plan = {
          id: 'p-big',
          triggerId: 'off-1',
          decision: 'auto' as const,
          status: 'planned' as const,
          holds: [],
          notes: [],
          needsOwner: [],
          tasks,
        };
        const runnable = await s.insertPlan(plan, new Map([[tasks[0]!.id, 'v1.sealed-0']]), T0);
        await s.insertPlan(plan, new Map(), later(1)); // idempotent: nothing changes
        const planned = await s.listTasks({ planId: 'p-big', statuses: ['planned'] });
        assert.deepEqual(runnable.map((x) => x.id).sort(), planned.map((x) => x.id).sort());
        assert.equal((await s.getPlan('p-big'))?.taskCount, 2500);
        const stored = await s.listTasks({ planId: 'p-big' });
        assert.equal(stored.length, 2500);
        assert.deepEqual(
          stored.slice(0, 4).map((x) => [x.status, x.outcome]),
          [
            ['planned', null],
            ['planned', null],
            ['skipped', 'shadow'],
            ['skipped', 'shadow'],
          ],
        );
        assert.deepEqual(stored[0]?.flags, ['owner_left']);
        assert.equal(stored[0]?.fingerprint, 'e'.repeat(64));
        assert.equal(stored[0]?.createdAt, T0);
        assert.equal((await s.getTask(tasks[0]!.id))?.sealedSecret, 'v1.sealed-0');
        assert.equal((await s.getTask(tasks[1]!.id))?.sealedSecret, null);

        assert.equal(await s.completePlanIfDone('p-big', later(2)), false, 'planned tasks are open');
        const c0 = await s.claimTask(tasks[0]!.id, later(3), 60_000);
        const c1 = await s.claimTask(tasks[1]!.id, later(3), 60_000);
        assert.ok(c0 && c1);
        const finished = await s.transaction(async (tx) => {
          await tx.updateCredential('c0', { status: 'revoked' });
          return tx.finishTask(tasks[0]!.id, { status: 'succeeded', outcome: 'revoked' }, later(3), c0.lease);
        });
        assert.equal(finished?.task.status, 'succeeded');
        assert.equal(finished?.task.outcome, 'revoked');
        assert.deepEqual(finished?.trigger, { id: 'off-1', kind: 'offboarding', receivedAt: T1 });
        assert.equal(finished?.credential?.id, 'c0');
        assert.equal(finished?.credential?.status, 'revoked', 'as the finishing transaction left it');
        const noCred = await s.finishTask(tasks[1]!.id, { status: 'failed' }, later(3), c1.lease);
        assert.equal(noCred?.credential, null, 'c1 is not in the inventory');
        assert.equal(await s.finishTask('no-such-task', { status: 'failed' }, later(3), 1), null);

        await s.setTaskStatus(
          tasks.slice(4, -1).map((x) => x.id),
          'planned',
          'dead_lettered',
          later(4),
        );
        assert.equal(await s.completePlanIfDone('p-big', later(5)), false, 'one task is still planned');
        assert.equal((await s.getPlan('p-big'))?.status, 'planned');
        const last = await s.claimTask(tasks[2499]!.id, later(6), 60_000);
        assert.equal(last?.claimed.task.status, 'running');
        assert.equal(await s.completePlanIfDone('p-big', later(7)), false, 'a running task is open');
        assert.deepEqual(await s.completeFinishedPlans(later(7), later(7), 10), [], 'the sweep agrees');
        await s.finishTask(tasks[2499]!.id, { status: 'succeeded' }, later(8), last!.lease);
        // The sweep (the backstop when concurrent finishes each saw the other open) leaves plans
        // touched recently alone, and closes the others.
        assert.deepEqual(await s.completeFinishedPlans(later(9), T0, 10), []);
        assert.deepEqual(await s.completeFinishedPlans(later(9), later(9), 10), ['p-big']);
        assert.deepEqual(
          await s.completeFinishedPlans(later(9), later(9), 10),
          [],
          'done plans are not swept',
        );
        assert.equal(await s.completePlanIfDone('p-big', later(9)), true);
        const done = await s.getPlan('p-big');
        assert.equal(done?.status, 'done');
        assert.equal(done?.updatedAt, later(9));
      }));

    it('a large audit append chains exactly as one-by-one hashing does, across appends', (t) =>
      withStore(t, async (s) => {
        const first = await s.transaction((tx) =>
          tx.appendAudit([{ type: 'inventory.imported', actor: 'a', data: { count: 1 } }], T0),
        );
        const entries = Array.from({ length: 3000 }, (_, i) => ({
          type: 'task.shadow' as const,
          actor: i % 2 ? 'pipeline' : 'op:alice',
          triggerId: 'tr',
          planId: i % 3 ? 'pl' : null,
          taskId: `t${i}`,
          credentialId: i % 5 ? `c${i}` : null,
          data: { i, text: `"quoted" \\ {brace}, ü ${i}`, nested: { list: [i, null, true] } },
        }));
        const recs = await s.transaction((tx) => tx.appendAudit(entries, later(1)));
        assert.equal(recs.length, 3000);
        let prev = first[0]!.hash;
        for (const [i, r] of recs.entries()) {
          assert.equal(r.seq, i + 2);
          assert.equal(r.prevHash, prev);
          assert.equal(r.hash, chainHash(AUDIT_KEY, prev, r));
          prev = r.hash;
        }
        assert.deepEqual(await s.auditHead(), { seq: 3001, hash: prev, legacySeq: 0 });
        const listed = await s.listAudit({ triggerId: 'tr', limit: 5000 });
        assert.deepEqual(listed, recs, 'round-trips through the database unchanged');
        // Small appends go as a VALUES list, large ones through arrays: both sides of the switch.
        for (const n of [16, 17]) {
          const more = await s.transaction((tx) => tx.appendAudit(entries.slice(0, n), later(2)));
          assert.deepEqual(await s.listAudit({ afterSeq: more[0]!.seq - 1, limit: 100 }), more);
        }
        const v = await verifyAudit(s, INTEGRITY);
        assert.equal(v.ok, true);
      }));

    it('the remembered chain head is only a hint: rollbacks and other writers never break the chain', (t) =>
      withStore(t, async (s, db, another) => {
        const entry = (i: number) => ({ type: 'inventory.imported' as const, actor: 'a', data: { i } });
        await s.appendAudit([entry(1)], T0);
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.appendAudit([entry(2), entry(3)], T0);
            throw new Error('roll back');
          }),
        );
        const after = await s.transaction((tx) => tx.appendAudit([entry(4)], T0));
        assert.equal(after[0]?.seq, 2, 'chained onto the committed head, not the rolled-back one');
        // A writer that does not go through this store (another process) moves the head.
        await db.query(
          `INSERT INTO audit (seq, at, type, actor, data, prev_hash, hash) VALUES (3, $1, 'inventory.imported', 'x', '{}', $2, $3)`,
          [T0, after[0]!.hash, 'f'.repeat(64)],
        );
        await db.query(`UPDATE audit_head SET seq = 3, hash = $1`, ['f'.repeat(64)]);
        const next = await s.transaction((tx) => tx.appendAudit([entry(5)], T0));
        assert.deepEqual([next[0]?.seq, next[0]?.prevHash], [4, 'f'.repeat(64)]);
        await db.query('DELETE FROM audit WHERE seq >= 3');
        await db.query('UPDATE audit_head SET seq = 2, hash = $1', [after[0]!.hash]);
        await s.appendAudit([entry(6)], T0); // re-learns the head
        if (!another) return;
        // Two stores (two processes' pools) appending concurrently, in and outside transactions.
        const s2 = await another();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            i % 3 === 0
              ? (i % 2 ? s : s2).appendAudit([entry(100 + i)], T0)
              : (i % 2 ? s : s2).transaction(async (tx) => {
                  await tx.appendAudit([entry(100 + i)], T0);
                  return tx.appendAudit([entry(200 + i), entry(300 + i)], T0);
                }),
          ),
        );
        const v = await verifyAudit(s, INTEGRITY);
        assert.equal(v.ok, true);
        assert.equal((await s.auditHead()).seq, 3 + 14 + 26 * 3);
      }));

    it('audit appends form a hash chain that verify accepts, and detects a deleted tail', (t) =>
      withStore(t, async (s, db) => {
        const recs = await s.transaction((tx) =>
          tx.appendAudit(
            [
              { type: 'inventory.imported', actor: 'a', data: { count: 1 } },
              { type: 'trigger.accepted', actor: 'a', triggerId: 'x', data: { nested: { k: [1, 'two'] } } },
            ],
            T0,
          ),
        );
        assert.equal(recs[0]?.prevHash, GENESIS_HASH);
        assert.equal(recs[1]?.prevHash, recs[0]?.hash);
        assert.equal(recs[1]?.hash, chainHash(AUDIT_KEY, recs[0]!.hash, recs[1]!));
        const listed = await s.listAudit({ triggerId: 'x' });
        assert.equal(listed[0]?.hash, recs[1]?.hash, 'round-trips through the database unchanged');
        assert.equal((await verifyAudit(s, INTEGRITY)).ok, true);
        await db.query('DELETE FROM audit WHERE seq = 2');
        const v = await verifyAudit(s, INTEGRITY);
        assert.equal(v.ok, false);
        assert.deepEqual(
          v.problems.map((p) => p.problem),
          ['head_mismatch'],
        );
      }));
  });
}
