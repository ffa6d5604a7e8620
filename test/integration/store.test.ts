/**
 * The store port, run against both adapters with the same SQL and migrations: PGlite (embedded)
 * and a real PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Credential } from '../../schemas/credential.js';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.js';
import { verifyAudit } from '../../src/audit/verify.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/port.js';
import { createStore } from '../../src/store/sql-store.js';
import { freshDatabase } from '../support/postgres.js';
import { tempDir } from '../support/runtime.js';

const T0 = '2026-11-23T10:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

const adapters: {
  name: string;
  open(t: TestContext): Promise<{ db: Db; cleanup(): Promise<void> } | null>;
}[] = [
  {
    name: 'pglite',
    async open() {
      const dir = await tempDir();
      const db = await openPglite(dir.path);
      return {
        db,
        cleanup: async () => {
          await db.close();
          await dir.remove();
        },
      };
    },
  },
  {
    name: 'postgres',
    async open(t) {
      const url = await freshDatabase(t);
      if (!url) return null;
      const db = await openPostgres(url);
      return { db, cleanup: () => db.close() };
    },
  },
];

const cred = (id: string, extra: Partial<Credential> = {}) =>
  Credential.parse({ id, provider: 'oauth-main', kind: 'oauth.access_token', ...extra });

for (const adapter of adapters) {
  describe(`store on ${adapter.name}`, () => {
    async function withStore(t: TestContext, fn: (s: Store, db: Db) => Promise<void>) {
      const opened = await adapter.open(t);
      if (!opened) return;
      try {
        await fn(await createStore(opened.db), opened.db);
      } finally {
        await opened.cleanup();
      }
    }

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
        const trigger = {
          id: 'leak-1',
          kind: 'leak' as const,
          source: 't',
          occurredAt: T0,
          receivedAt: T0,
          evidence: {},
          subject: { credentialId: 'c1' },
        };
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
          tasks: [task],
        };
        await s.insertPlan(plan, new Map([[task.id, 'v1.sealed']]), T0);
        await s.insertPlan(plan, new Map(), T0); // idempotent
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
        await s.finishTask(task.id, { status: 'planned', nextAttemptAt: later(120_000) }, later(62_000));
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
        await s.finishTask(
          task.id,
          { status: 'succeeded', outcome: 'revoked', verifiedAt: later(123_000) },
          later(123_000),
        );
        const done = await s.getTask(task.id);
        assert.equal(done?.task.status, 'succeeded');
        assert.equal(done?.sealedSecret, null, 'the sealed secret is dropped once the task is final');
        assert.equal(await s.claimTask(task.id, later(200_000), 60_000), null);
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
        assert.equal(recs[1]?.hash, chainHash(recs[0]!.hash, recs[1]!));
        const listed = await s.listAudit({ triggerId: 'x' });
        assert.equal(listed[0]?.hash, recs[1]?.hash, 'round-trips through the database unchanged');
        assert.equal((await verifyAudit(s)).ok, true);
        await db.query('DELETE FROM audit WHERE seq = 2');
        const v = await verifyAudit(s);
        assert.equal(v.ok, false);
        assert.deepEqual(
          v.problems.map((p) => p.problem),
          ['head_mismatch'],
        );
      }));
  });
}
