/**
 * The audit trail proves its own completeness: every tamper that kept today's unkeyed chain
 * "intact" (truncation with the head moved, a forged append with a recomputed hash, an edit with the
 * rest rehashed, a full wipe) makes `audit verify` fail naming the kind of damage, against the
 * anchor file (embedded PGlite and PostgreSQL) and against the Kafka audit topic.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { AuditRecord } from '../../schemas/audit.js';
import type { Config } from '../../schemas/config.js';
import { checkpointSignedBy, parseCheckpoint } from '../../src/audit/anchor.js';
import { chainHash, GENESIS_HASH, legacyChainHash, type AuditContent } from '../../src/audit/chain.js';
import type { AuditDamage } from '../../src/audit/verify.js';
import { createTopics } from '../../src/bus/kafka.js';
import { isTourniquetError } from '../../src/errors.js';
import { anchorKeyFromSeed, decodeKey } from '../../src/crypto/keys.js';
import { anchorFilePath, createRuntime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { getKafka, kafkaTopics } from '../support/kafka.js';
import { freshDatabase } from '../support/postgres.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { childEnv } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const BIN = join(import.meta.dirname, '../../bin/tourniquet.js');
const RECORDS = 12;
const EVERY = 5;

type Sql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

interface Backend {
  config: Config;
  /** Runs SQL against the store while no runtime holds it (PGlite belongs to one process). */
  withSql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** The audit key a forger who stole it would use (embedded: keys.json). */
  auditKey(): Promise<Buffer>;
}

const key32 = () => randomBytes(32).toString('base64');

async function embedded(t: TestContext, extra: Record<string, unknown> = {}): Promise<Backend> {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const dataDir = join(dir.path, 'data');
  return {
    config: testConfig({ dataDir, audit: { checkpointEveryRecords: EVERY }, ...extra }),
    async withSql(fn) {
      const db = await PGlite.create(join(dataDir, 'pgdata'));
      try {
        return await fn(async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows);
      } finally {
        await db.close();
      }
    },
    async auditKey() {
      const keys = JSON.parse(await readFile(join(dataDir, 'keys.json'), 'utf8')) as { audit: string };
      return decodeKey(keys.audit, 'audit key');
    },
  };
}

async function postgres(t: TestContext): Promise<Backend | undefined> {
  const url = await freshDatabase(t);
  if (!url) return undefined;
  const dir = await tempDir();
  t.after(() => dir.remove());
  const audit = key32();
  return {
    config: testConfig({
      dataDir: join(dir.path, 'data'),
      databaseUrl: url,
      keys: { fingerprint: key32(), seal: key32(), audit, anchor: key32() },
      audit: { checkpointEveryRecords: EVERY, anchorFile: join(dir.path, 'anchors', 'audit.jsonl') },
    }),
    async withSql(fn) {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        return await fn(
          async (text, params) => (await pool.query<Record<string, unknown>>(text, params)).rows,
        );
      } finally {
        await pool.end();
      }
    },
    auditKey: () => Promise.resolve(decodeKey(audit, 'audit key')),
  };
}

async function kafka(t: TestContext): Promise<Backend | undefined> {
  const k = await getKafka(t);
  if (!k) return undefined;
  const topics = kafkaTopics(k.topicPrefix);
  await createTopics({ brokers: k.brokers, clientId: 'audit-anchor-test' }, Object.values(topics), 1);
  const audit = key32();
  const base = await embedded(t, {
    kafka: { brokers: k.brokers, topics, groupId: `${k.topicPrefix}.group`, partitions: 1 },
    keys: { fingerprint: key32(), seal: key32(), audit, anchor: key32() },
    // The topic is the only anchor: what is checked is the Kafka anchor alone.
    audit: { checkpointEveryRecords: EVERY, anchorFile: false },
  });
  return { ...base, auditKey: () => Promise.resolve(decodeKey(audit, 'audit key')) };
}

/** Appends RECORDS audit records the way every pipeline stage does (append, then onAudit). */
async function writeTrail(b: Backend, afterEach?: (seq: number) => Promise<void>): Promise<void> {
  const runtime = await createRuntime(b.config, { logger: captureLogger('warn').logger });
  try {
    for (let i = 1; i <= RECORDS; i++) {
      if (i > 1) await afterEach?.(i - 1);
      const recs = await runtime.deps.store.appendAudit(
        [{ type: 'inventory.imported', actor: 'test', data: { count: i } }],
        new Date().toISOString(),
      );
      await runtime.deps.onAudit?.(recs);
    }
    const v = await localOps(runtime.deps).verifyAudit();
    assert.equal(v.ok, true, JSON.stringify(v));
  } finally {
    await runtime.stop();
  }
}

async function verify(b: Backend) {
  const log = captureLogger('warn');
  const runtime = await createRuntime(b.config, { logger: log.logger });
  try {
    return { v: await localOps(runtime.deps).verifyAudit(), log };
  } finally {
    await runtime.stop();
  }
}

/** Runs the service (workers and checkpoints) once, start to stop; returns what it logged. */
async function serve(b: Backend): Promise<string> {
  const log = captureLogger('warn');
  const runtime = await createRuntime(b.config, { logger: log.logger });
  try {
    await runtime.startWorkers();
  } finally {
    await runtime.stop();
  }
  return log.text();
}

const row = (r: Record<string, unknown>): AuditRecord => ({
  seq: Number(r.seq),
  at: new Date(r.at as string).toISOString(),
  type: r.type as AuditRecord['type'],
  actor: r.actor as string,
  triggerId: (r.trigger_id as string | null) ?? null,
  planId: (r.plan_id as string | null) ?? null,
  taskId: (r.task_id as string | null) ?? null,
  credentialId: (r.credential_id as string | null) ?? null,
  data: r.data as AuditRecord['data'],
  prevHash: r.prev_hash as string,
  hash: r.hash as string,
});

/** Recomputes every hash from `fromSeq` on with `hash` (what a forger can do) and moves the head. */
async function rehashFrom(sql: Sql, fromSeq: number, hash: (prev: string, c: AuditContent) => string) {
  const rows = (await sql('SELECT * FROM audit ORDER BY seq')).map(row);
  let prev = rows.find((r) => r.seq === fromSeq - 1)?.hash ?? GENESIS_HASH;
  for (const r of rows.filter((x) => x.seq >= fromSeq)) {
    const h = hash(prev, r);
    await sql('UPDATE audit SET prev_hash = $1, hash = $2 WHERE seq = $3', [prev, h, r.seq]);
    prev = h;
  }
  await sql('UPDATE audit_head SET seq = $1, hash = $2', [rows.at(-1)?.seq ?? 0, prev]);
}

const TAMPERS: { name: string; expect: AuditDamage; tamper(sql: Sql, b: Backend): Promise<void> }[] = [
  {
    name: 'truncation with the head moved back',
    expect: 'truncated',
    async tamper(sql) {
      await sql('DELETE FROM audit WHERE seq > 7');
      await sql('UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit WHERE seq = 7)');
    },
  },
  {
    name: 'a forged appended record with a recomputed hash',
    expect: 'forged',
    async tamper(sql) {
      const [last] = (await sql('SELECT * FROM audit ORDER BY seq DESC LIMIT 1')).map(row);
      const forged = { ...last!, seq: last!.seq + 1, actor: 'intruder', data: { count: 0 } };
      const hash = legacyChainHash(last!.hash, forged);
      await sql(
        `INSERT INTO audit (seq, at, type, actor, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
        [forged.seq, forged.at, forged.type, forged.actor, JSON.stringify(forged.data), last!.hash, hash],
      );
      await sql('UPDATE audit_head SET seq = $1, hash = $2', [forged.seq, hash]);
    },
  },
  {
    name: 'an edit with every later record rehashed',
    expect: 'rehashed',
    async tamper(sql) {
      await sql(`UPDATE audit SET data = '{"count": 999}'::jsonb WHERE seq = 3`);
      await rehashFrom(sql, 3, legacyChainHash);
    },
  },
  {
    name: 'an edit rehashed with the stolen audit key',
    expect: 'rehashed',
    async tamper(sql, b) {
      const key = await b.auditKey();
      await sql(`UPDATE audit SET data = '{"count": 999}'::jsonb WHERE seq = 3`);
      await rehashFrom(sql, 3, (prev, c) => chainHash(key, prev, c));
    },
  },
  {
    name: 'a full wipe',
    expect: 'wiped',
    async tamper(sql) {
      await sql('DELETE FROM audit');
      await sql('UPDATE audit_head SET seq = 0, hash = $1', [GENESIS_HASH]);
    },
  },
];

const BACKENDS: { name: string; make(t: TestContext): Promise<Backend | undefined> }[] = [
  { name: 'embedded PGlite, anchor file', make: (t) => embedded(t) },
  { name: 'PostgreSQL, anchor file', make: postgres },
  { name: 'Kafka audit topic', make: kafka },
];

for (const backend of BACKENDS) {
  describe(`audit verify against the anchor: ${backend.name}`, () => {
    for (const tamper of TAMPERS) {
      it(`${tamper.name} is reported as ${tamper.expect}`, async (t) => {
        const b = await backend.make(t);
        if (!b) return;
        await writeTrail(b);
        await b.withSql((sql) => tamper.tamper(sql, b));
        const { v } = await verify(b);
        assert.equal(v.ok, false);
        assert.deepEqual(v.damage, [tamper.expect], JSON.stringify(v));
        // The service notices too, and does not anchor the damaged head.
        assert.match(await serve(b), /does not extend the last checkpoint/);
        const again = await verify(b);
        assert.deepEqual(again.v.damage, [tamper.expect], 'still reported after another start and stop');
      });
    }
  });
}

describe('audit anchors (embedded)', () => {
  it('the anchor file sits next to the data dir, holds signed checkpoints every N records and on stop', async (t) => {
    const b = await embedded(t);
    const path = anchorFilePath(b.config)!;
    assert.ok(!path.startsWith(join(b.config.dataDir, '/')), path);
    const checkpoints = async () =>
      (await readFile(path, 'utf8').catch(() => '')).split('\n').flatMap((l) => parseCheckpoint(l) ?? []);
    // Checkpoints are written in the background: the test waits for the first before going on.
    await writeTrail(b, async (seq) => {
      if (seq === EVERY) await waitFor('the first checkpoint', checkpoints, (cs) => cs.length > 0);
    });
    const written = await checkpoints();
    assert.equal(written[0]?.seq, EVERY, 'after the first N records');
    assert.equal(written.at(-1)?.seq, RECORDS, 'the tail, on stop');
    assert.ok(written.length >= 2);
    const keys = JSON.parse(await readFile(join(b.config.dataDir, 'keys.json'), 'utf8')) as {
      anchor: string;
    };
    const anchorKey = anchorKeyFromSeed(decodeKey(keys.anchor, 'anchor key'));
    assert.ok(written.every((c) => checkpointSignedBy(c, anchorKey)));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('tourniquet audit verify exits with the status of the damage and prints its code', async (t) => {
    const b = await embedded(t);
    await writeTrail(b);
    const env = childEnv({ TOURNIQUET_DATA_DIR: b.config.dataDir, TOURNIQUET_LOG_LEVEL: 'silent' });
    const ok = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    await b.withSql((sql) => TAMPERS[0]!.tamper(sql, b));
    const r = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(r.status, 11, r.stdout + r.stderr);
    assert.match(r.stdout, /AUDIT_TRUNCATED/);
  });

  it('a replayed old checkpoint hides nothing; reanchor records the damage and checkpoints resume', async (t) => {
    const b = await embedded(t);
    await writeTrail(b);
    const path = anchorFilePath(b.config)!;
    const [oldest] = (await readFile(path, 'utf8')).split('\n');
    await b.withSql((sql) => TAMPERS[0]!.tamper(sql, b));
    // The intruder can append to the anchor file, but only checkpoints the anchor key signed.
    await appendFile(path, `${oldest}\n`);
    const replayed = await verify(b);
    assert.deepEqual(replayed.v.damage, ['truncated']);

    const runtime = await createRuntime(b.config, { logger: captureLogger('warn').logger });
    try {
      const ops = localOps(runtime.deps);
      const r = await ops.reanchorAudit('responder-1', 'INC-7: truncation investigated');
      assert.deepEqual(r, { damage: ['truncated'], epoch: 1, seq: 8 });
      const [rec] = (await ops.listAudit({ limit: 100 })).filter((x) => x.type === 'audit.reanchored');
      assert.equal(rec?.actor, 'responder-1');
      assert.deepEqual(rec?.data.damage, ['truncated']);
      assert.equal((await ops.verifyAudit()).ok, true);
      await assert.rejects(
        ops.reanchorAudit('responder-1', 'again'),
        (e: unknown) => isTourniquetError(e) && e.code === 'CONFLICT',
      );
    } finally {
      await runtime.stop();
    }
    // Checkpoints resume in the new epoch.
    await writeTrail(b);
    const last = parseCheckpoint((await readFile(path, 'utf8')).trim().split('\n').at(-1)!);
    assert.deepEqual([last?.epoch, last?.seq], [1, 8 + RECORDS]);
    assert.equal((await verify(b)).v.ok, true);
  });

  it('a chain from before keyed hashing verifies as legacy; moving the boundary is forgery', async (t) => {
    // What an old store looks like: SHA-256 hashes, the boundary at its head (migration 6), no anchor.
    const fresh = await embedded(t, { audit: { checkpointEveryRecords: 1000 } });
    await writeTrail(fresh);
    await fresh.withSql(async (sql) => {
      await rehashFrom(sql, 1, legacyChainHash);
      await sql('UPDATE audit_head SET legacy_seq = seq');
    });
    await unlinkAnchor(fresh);
    const legacy = await verify(fresh);
    assert.equal(legacy.v.ok, true, JSON.stringify(legacy.v));
    assert.equal(legacy.v.legacy, RECORDS);
    // The service anchors the legacy boundary; new records are keyed.
    assert.doesNotMatch(await serve(fresh), /does not extend/);
    await writeTrail(fresh);
    const mixed = await verify(fresh);
    assert.equal(mixed.v.ok, true, JSON.stringify(mixed.v));
    assert.equal(mixed.v.records, 2 * RECORDS);
    assert.equal(mixed.v.legacy, RECORDS);
    // Rewriting everything as "legacy" (no key needed) is caught by the signed boundary.
    await fresh.withSql(async (sql) => {
      await sql(`UPDATE audit SET data = '{"count": 999}'::jsonb WHERE seq = 20`);
      await rehashFrom(sql, 1, legacyChainHash);
      await sql('UPDATE audit_head SET legacy_seq = seq');
    });
    const moved = await verify(fresh);
    assert.equal(moved.v.ok, false);
    assert.ok(moved.v.damage.includes('forged'), JSON.stringify(moved.v));
  });
});

async function unlinkAnchor(b: Backend): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(anchorFilePath(b.config)!, { force: true });
}
