/** Inventory SQL: bulk upsert and lookup of credentials. */
import type { Credential } from '../../schemas/credential.js';
import type { Db } from './db.js';
import type { CredentialQuery } from './port.js';
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
  const rows = [...byId.values()];
  const col = <T>(f: (c: Credential) => T) => rows.map(f);
  await db.query(
    `INSERT INTO credentials (id, provider, kind, provider_id, fingerprint, owner, workload, scopes, protected, status, labels, flags)
     SELECT id, provider, kind, provider_id, fingerprint, owner, workload, scopes::jsonb, protected::boolean, status,
       labels::jsonb, flags::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::text[], $12::text[])
       AS u(id, provider, kind, provider_id, fingerprint, owner, workload, scopes, protected, status, labels, flags)
     ON CONFLICT (id) DO UPDATE SET provider=EXCLUDED.provider, kind=EXCLUDED.kind, provider_id=EXCLUDED.provider_id,
         fingerprint=COALESCE(EXCLUDED.fingerprint, credentials.fingerprint), owner=EXCLUDED.owner,
         workload=EXCLUDED.workload, scopes=EXCLUDED.scopes, protected=EXCLUDED.protected, status=EXCLUDED.status,
         labels=EXCLUDED.labels, updated_at=now()`,
    [
      col((c) => c.id),
      col((c) => c.provider),
      col((c) => c.kind),
      col((c) => c.providerId ?? null),
      col((c) => c.fingerprint ?? null),
      col((c) => c.owner ?? null),
      col((c) => c.workload ?? null),
      col((c) => j(c.scopes)),
      col((c) => String(c.protected)),
      col((c) => c.status),
      col((c) => j(c.labels)),
      col((c) => j(c.flags)),
    ],
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
