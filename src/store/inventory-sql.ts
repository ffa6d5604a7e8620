/** Inventory SQL: bulk upsert and lookup of credentials. */
import type { Credential, Person, Workload } from '../../schemas/credential.js';
import type { Db } from './db.js';
import type { CredentialQuery, UpsertResult } from './port.js';
import { rowSource } from './row-source.js';
import { credentialFromRow, personFromRow, workloadFromRow } from './rows.js';

const j = (v: unknown) => JSON.stringify(v);

/**
 * Writes the credentials and says which rows it wrote. A row whose stored values already equal what
 * the upsert would leave is not touched (no new row version, no `updated_at` bump): an unchanged
 * re-import or sync writes nothing, and its audit names only what changed.
 */
export async function upsertCredentials(db: Db, creds: readonly Credential[]): Promise<UpsertResult> {
  if (creds.length === 0) return { created: [], updated: [], unchanged: 0 };
  // One statement for the whole import. A row may not be updated twice by one INSERT … ON CONFLICT,
  // so repeated ids are merged first, the way consecutive upserts would have left them.
  const byId = new Map<string, Credential>();
  for (const c of creds) {
    const prev = byId.get(c.id);
    byId.set(c.id, prev && c.fingerprint === undefined ? { ...c, fingerprint: prev.fingerprint } : c);
  }
  const source = rowSource(
    'u',
    [
      'id',
      'provider',
      'kind',
      'provider_id',
      'fingerprint',
      'owner',
      'workload',
      'scopes',
      'protected',
      'status',
      'labels',
      'flags',
      'created_by',
      'readers',
      'rotate_to',
      'issued_at',
      'last_used_at',
      'expires_at',
    ],
    [...byId.values()].map((c) => [
      c.id,
      c.provider,
      c.kind,
      c.providerId ?? null,
      c.fingerprint ?? null,
      c.owner ?? null,
      c.workload ?? null,
      j(c.scopes),
      String(c.protected),
      c.status,
      j(c.labels),
      j(c.flags),
      c.createdBy ?? null,
      j(c.readers.map((r) => r.toLowerCase())),
      c.rotateTo ? j(c.rotateTo) : null,
      c.issuedAt ?? null,
      c.lastUsedAt ?? null,
      c.expiresAt ?? null,
    ]),
    1,
  );
  // SET and WHERE list the same expressions: the row is written only when what SET would leave
  // differs from what it holds (jsonb compares by value, timestamps as instants). An updated row's
  // xmax is the updating transaction, an inserted one's is 0: that tells created from updated.
  const merged = CREDENTIAL_SET.map(([, expr]) => expr);
  const rows = await db.query<{ id: string; created: boolean }>(
    `INSERT INTO credentials (id, provider, kind, provider_id, fingerprint, owner, workload, scopes, protected, status, labels, flags,
       created_by, readers, rotate_to, issued_at, last_used_at, expires_at)
     SELECT id, provider, kind, provider_id, fingerprint, owner, workload, scopes::jsonb, protected::boolean, status,
       labels::jsonb, flags::jsonb, created_by, readers::jsonb, rotate_to::jsonb, issued_at::timestamptz,
       last_used_at::timestamptz, expires_at::timestamptz
     FROM ${source.sql}
     ON CONFLICT (id) DO UPDATE SET ${CREDENTIAL_SET.map(([col, expr]) => `${col}=${expr}`).join(', ')}, updated_at=now()
     WHERE (${CREDENTIAL_SET.map(([col]) => `credentials.${col}`).join(', ')}) IS DISTINCT FROM (${merged.join(', ')})
     RETURNING id, (xmax = 0) AS created`,
    source.params,
  );
  const created: string[] = [];
  const updated: string[] = [];
  for (const r of rows) (r.created ? created : updated).push(r.id);
  return { created, updated, unchanged: byId.size - rows.length };
}

/**
 * What an upsert leaves in each column of a row that exists. `flags` is not here: they are the
 * pipeline's, an import or sync never resets them.
 */
const CREDENTIAL_SET: readonly (readonly [string, string])[] = [
  ['provider', 'EXCLUDED.provider'],
  ['kind', 'EXCLUDED.kind'],
  ['provider_id', 'EXCLUDED.provider_id'],
  ['fingerprint', 'COALESCE(EXCLUDED.fingerprint, credentials.fingerprint)'],
  ['owner', 'EXCLUDED.owner'],
  ['workload', 'EXCLUDED.workload'],
  ['scopes', 'EXCLUDED.scopes'],
  ['protected', 'EXCLUDED.protected'],
  ['status', 'EXCLUDED.status'],
  ['labels', 'EXCLUDED.labels'],
  ['created_by', 'EXCLUDED.created_by'],
  ['readers', 'EXCLUDED.readers'],
  ['rotate_to', 'EXCLUDED.rotate_to'],
  // What one source tells is kept when another import does not say; last use never goes back.
  ['issued_at', 'COALESCE(EXCLUDED.issued_at, credentials.issued_at)'],
  ['last_used_at', 'GREATEST(EXCLUDED.last_used_at, credentials.last_used_at)'],
  ['expires_at', 'COALESCE(EXCLUDED.expires_at, credentials.expires_at)'],
];

export async function findCredentials(db: Db, q: CredentialQuery): Promise<Credential[]> {
  // Only the arms the caller filled in: PostgreSQL plans every statement again (PGlite always), and
  // planning five OR-ed index arms cost several times more than running the one that matters.
  const arms: [string, readonly string[]][] = [
    ['id', q.ids ?? []],
    ['fingerprint', q.fingerprints ?? []],
    ['provider_id', q.providerIds ?? []],
    ['lower(owner)', (q.owners ?? []).map((o) => o.toLowerCase())],
    ['workload', q.workloads ?? []],
    ['lower(created_by)', (q.createdBy ?? []).map((o) => o.toLowerCase())],
    ['readers', (q.readers ?? []).map((o) => o.toLowerCase())],
  ];
  const present = arms.filter(([, values]) => values.length > 0);
  if (present.length === 0) return [];
  // readers is a jsonb array of lower-cased ids (GIN-indexed): "holds any of these".
  const where = present
    .map(([column], i) =>
      column === 'readers' ? `readers ?| $${i + 1}::text[]` : `${column} = ANY($${i + 1}::text[])`,
    )
    .join(' OR ');
  const rows = await db.query(
    `SELECT * FROM credentials WHERE ${where} ORDER BY id`,
    present.map(([, values]) => values),
  );
  return rows.map(credentialFromRow);
}

/** Writes the people; returns how many rows it wrote (an unchanged person is not touched). */
export async function upsertPeople(db: Db, people: readonly Person[]): Promise<number> {
  if (people.length === 0) return 0;
  const source = rowSource(
    'u',
    ['id', 'aliases', 'identities'],
    people.map((p) => [p.id, j(p.aliases), j(p.identities)]),
    1,
  );
  const rows = await db.query(
    `INSERT INTO people (id, aliases, identities) SELECT id, aliases::jsonb, identities::jsonb FROM ${source.sql}
     ON CONFLICT (id) DO UPDATE SET aliases = EXCLUDED.aliases, identities = EXCLUDED.identities, updated_at = now()
     WHERE (people.aliases, people.identities) IS DISTINCT FROM (EXCLUDED.aliases, EXCLUDED.identities)
     RETURNING id`,
    source.params,
  );
  return rows.length;
}

/** Writes the workloads; returns how many rows it wrote (an unchanged one is not touched). */
export async function upsertWorkloads(db: Db, workloads: readonly Workload[]): Promise<number> {
  if (workloads.length === 0) return 0;
  const source = rowSource(
    'u',
    ['name', 'aliases'],
    workloads.map((w) => [w.name, j(w.aliases)]),
    1,
  );
  const rows = await db.query(
    `INSERT INTO workloads (name, aliases) SELECT name, aliases::jsonb FROM ${source.sql}
     ON CONFLICT (name) DO UPDATE SET aliases = EXCLUDED.aliases, updated_at = now()
     WHERE workloads.aliases IS DISTINCT FROM EXCLUDED.aliases
     RETURNING name`,
    source.params,
  );
  return rows.length;
}

/** People known under any of the ids (id or alias, case-insensitive). */
export async function findPeople(db: Db, ids: readonly string[]): Promise<Person[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(
    `SELECT * FROM people WHERE lower(id) = ANY($1::text[])
       OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(aliases) a WHERE lower(a) = ANY($1::text[]))
     ORDER BY id`,
    [ids.map((i) => i.toLowerCase())],
  );
  return rows.map(personFromRow);
}

/** Workloads known under the name (their name or one of their aliases). */
export async function findWorkloads(db: Db, name: string): Promise<Workload[]> {
  const rows = await db.query(`SELECT * FROM workloads WHERE name = $1 OR aliases ? $1 ORDER BY name`, [
    name,
  ]);
  return rows.map(workloadFromRow);
}

export async function listPeople(db: Db, limit: number): Promise<Person[]> {
  return (await db.query('SELECT * FROM people ORDER BY id LIMIT $1', [limit])).map(personFromRow);
}

export async function listWorkloads(db: Db, limit: number): Promise<Workload[]> {
  return (await db.query('SELECT * FROM workloads ORDER BY name LIMIT $1', [limit])).map(workloadFromRow);
}
