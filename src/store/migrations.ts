/**
 * Schema migrations, shared by PGlite and PostgreSQL. Append only: never edit a shipped migration.
 * They run on start under an advisory lock so that several processes can start at once.
 */
import type { Db } from './db.js';
import { ADMISSION_MIGRATION } from './migration-admission.js';

export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE credentials (
  id text PRIMARY KEY,
  provider text NOT NULL,
  kind text NOT NULL,
  provider_id text,
  fingerprint text,
  owner text,
  workload text,
  scopes jsonb NOT NULL DEFAULT '[]',
  protected boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'active',
  labels jsonb NOT NULL DEFAULT '{}',
  flags jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credentials_fingerprint ON credentials (fingerprint);
CREATE INDEX credentials_provider_id ON credentials (provider_id);
CREATE INDEX credentials_owner ON credentials (lower(owner));
CREATE INDEX credentials_workload ON credentials (workload);

CREATE TABLE triggers (
  id text PRIMARY KEY,
  kind text NOT NULL,
  source text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  body jsonb NOT NULL
);

CREATE TABLE plans (
  id text PRIMARY KEY,
  trigger_id text NOT NULL REFERENCES triggers (id),
  decision text NOT NULL,
  status text NOT NULL,
  holds jsonb NOT NULL DEFAULT '[]',
  task_count integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX plans_trigger ON plans (trigger_id);

CREATE TABLE tasks (
  id text PRIMARY KEY,
  plan_id text NOT NULL REFERENCES plans (id),
  trigger_id text NOT NULL,
  action text NOT NULL,
  decision text NOT NULL,
  provider text,
  credential_id text,
  credential_kind text NOT NULL,
  provider_id text,
  fingerprint text,
  reason text NOT NULL,
  flags jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_error jsonb,
  outcome text,
  verified_at timestamptz,
  effective_at timestamptz,
  sealed_secret text,
  -- while running: until when this attempt owns the task; past it, the task is recovered.
  lease_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX tasks_trigger ON tasks (trigger_id);
CREATE INDEX tasks_plan ON tasks (plan_id);
CREATE INDEX tasks_due ON tasks (status, next_attempt_at);

CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  type text NOT NULL,
  actor text NOT NULL,
  trigger_id text,
  plan_id text,
  task_id text,
  credential_id text,
  data jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_trigger ON audit (trigger_id);
CREATE INDEX audit_credential ON audit (credential_id);

-- The chain head: appends lock this row, which serialises the chain across processes.
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
`,
  },
  {
    version: 2,
    sql: `
-- Operators of the HTTP API. Only a SHA-256 of each token is kept.
CREATE TABLE operators (
  name text PRIMARY KEY,
  role text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);
-- A dead letter that an operator retries gets a fresh retry budget (attempts and max age).
ALTER TABLE tasks ADD COLUMN retry_window_started_at timestamptz;
CREATE INDEX audit_task ON audit (task_id);
`,
  },
  {
    version: 3,
    sql: `
-- The plan completion check (any open task left in this plan?) stops at the first match. The
-- composite index also serves every lookup by plan_id, so the single-column one goes.
CREATE INDEX tasks_plan_status ON tasks (plan_id, status);
DROP INDEX tasks_plan;
`,
  },
  {
    version: 4,
    sql: `
-- The scheduler's sweep for plans whose last tasks finished concurrently reads only running plans.
CREATE INDEX plans_running ON plans (updated_at) WHERE status IN ('planned', 'approved');
`,
  },
  {
    version: 5,
    sql: `
-- Playbooks: who created a credential and who can read it, where a rotated value goes; people with
-- their identities at each provider instance; workloads with their aliases.
ALTER TABLE credentials ADD COLUMN created_by text;
ALTER TABLE credentials ADD COLUMN readers jsonb NOT NULL DEFAULT '[]';
ALTER TABLE credentials ADD COLUMN rotate_to jsonb;
CREATE INDEX credentials_created_by ON credentials (lower(created_by));
CREATE INDEX credentials_readers ON credentials USING gin (readers);
CREATE TABLE people (
  id text PRIMARY KEY,
  aliases jsonb NOT NULL DEFAULT '[]',
  identities jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE workloads (
  name text PRIMARY KEY,
  aliases jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- What a plan could not do (needs_owner) and what it noted, kept with it for the console and replay.
ALTER TABLE plans ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';
ALTER TABLE plans ADD COLUMN needs_owner jsonb NOT NULL DEFAULT '[]';
-- Why a task waits for a human; a held task waits alone. Rotation: where the new value goes, and the
-- task that must have succeeded first (the old key is deactivated only after the rotation).
ALTER TABLE tasks ADD COLUMN hold text;
ALTER TABLE tasks ADD COLUMN rotate_to jsonb;
ALTER TABLE tasks ADD COLUMN after_task text;
ALTER TABLE tasks ADD COLUMN wait_ms bigint;
CREATE INDEX tasks_after ON tasks (after_task) WHERE after_task IS NOT NULL;
`,
  },
  {
    version: 6,
    sql: `
-- Keyed audit hashes (HMAC under the audit key) start after the head as it is now: the records
-- written before keep their SHA-256 hashes and verify as legacy (src/audit/chain.ts). Signed
-- anchors carry this boundary, so moving it later is detected.
ALTER TABLE audit_head ADD COLUMN legacy_seq bigint NOT NULL DEFAULT 0;
UPDATE audit_head SET legacy_seq = seq;
`,
  },
  {
    version: 7,
    sql: `
-- Fencing: each claim increments the task's lease generation, and finishing, deferring or renewing
-- the lease names the generation it holds. An attempt whose lease expired (and whose task another
-- worker claimed since) can then never overwrite the new owner's outcome.
ALTER TABLE tasks ADD COLUMN lease_generation bigint NOT NULL DEFAULT 0;
`,
  },
  {
    version: 8,
    sql: `
-- Verification is durable: a revoked task waits for its next check in the store ('verifying',
-- next_attempt_at), not asleep in a worker. verify_state holds the window and the checks so far.
ALTER TABLE tasks ADD COLUMN verify_state jsonb;
`,
  },
  // Shared admission (issue 11 item 4): lanes, slots and their functions.
  ADMISSION_MIGRATION,
  {
    version: 10,
    sql: `
-- Phases within a plan: an offboarding closes her identity-provider accounts first; the rest of
-- her tasks wait (bounded) until those are final.
ALTER TABLE tasks ADD COLUMN phase integer NOT NULL DEFAULT 0;
`,
  },
  {
    version: 11,
    sql: `
-- A credential's lifecycle, where its provider tells (the governance report: lifetime, staleness).
ALTER TABLE credentials ADD COLUMN issued_at timestamptz;
ALTER TABLE credentials ADD COLUMN last_used_at timestamptz;
ALTER TABLE credentials ADD COLUMN expires_at timestamptz;
`,
  },
  {
    version: 12,
    sql: `
-- The audit outbox (src/store/audit-outbox.ts): the hot path's records, written with their state
-- change but not yet chained, so no revocation waits on the chain head's lock. One chainer at a
-- time moves them, in id order, onto the chain.
CREATE TABLE audit_outbox (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  type text NOT NULL,
  actor text NOT NULL,
  trigger_id text,
  plan_id text,
  task_id text,
  credential_id text,
  data jsonb NOT NULL
);
`,
  },
  {
    // Worker presence (src/store/workers-sql.ts): who is alive, and which worker holds each lease,
    // so that a worker that stopped beating hands its leases and admission slots on within seconds.
    version: 13,
    sql: `
CREATE TABLE workers (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  beat_at timestamptz NOT NULL
);
ALTER TABLE tasks ADD COLUMN holder text;
CREATE INDEX tasks_held ON tasks (holder) WHERE status IN ('running', 'verifying');
`,
  },
];

export async function migrate(db: Db): Promise<number[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(747800)');
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
        Number(r.version),
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    return applied;
  });
}
