/** Inventory SQL: bulk upsert and lookup of credentials. */
import type { Credential } from '../../schemas/credential.js';
import type { Db } from './db.js';
import type { CredentialQuery } from './port.js';
import { rowSource } from './row-source.js';
import { credentialFromRow } from './rows.js';

const j = (v: unknown) => JSON.stringify(v);

export async function upsertCredentials(db: Db, creds: readonly Credential[]): Promise<number> {
  if (creds.length === 0) return 0;
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
    ]),
    1,
  );
  await db.query(
    `INSERT INTO credentials (id, provider, kind, provider_id, fingerprint, owner, workload, scopes, protected, status, labels, flags)
     SELECT id, provider, kind, provider_id, fingerprint, owner, workload, scopes::jsonb, protected::boolean, status,
       labels::jsonb, flags::jsonb
     FROM ${source.sql}
     ON CONFLICT (id) DO UPDATE SET provider=EXCLUDED.provider, kind=EXCLUDED.kind, provider_id=EXCLUDED.provider_id,
       fingerprint=COALESCE(EXCLUDED.fingerprint, credentials.fingerprint), owner=EXCLUDED.owner,
       workload=EXCLUDED.workload, scopes=EXCLUDED.scopes, protected=EXCLUDED.protected, status=EXCLUDED.status,
       labels=EXCLUDED.labels, updated_at=now()`,
    source.params,
  );
  return creds.length;
}

export async function findCredentials(db: Db, q: CredentialQuery): Promise<Credential[]> {
  // Only the arms the caller filled in: PostgreSQL plans every statement again (PGlite always), and
  // planning five OR-ed index arms cost several times more than running the one that matters.
  const arms: [string, readonly string[]][] = [
    ['id', q.ids ?? []],
    ['fingerprint', q.fingerprints ?? []],
    ['provider_id', q.providerIds ?? []],
    ['lower(owner)', (q.owners ?? []).map((o) => o.toLowerCase())],
    ['workload', q.workloads ?? []],
  ];
  const present = arms.filter(([, values]) => values.length > 0);
  if (present.length === 0) return [];
  const where = present.map(([column], i) => `${column} = ANY($${i + 1}::text[])`).join(' OR ');
  const rows = await db.query(
    `SELECT * FROM credentials WHERE ${where} ORDER BY id`,
    present.map(([, values]) => values),
  );
  return rows.map(credentialFromRow);
}
