/**
 * How one discovered credential changes its inventory record, as a pure function.
 *
 * Who set a field: the label `tourniquet.sync.fields` lists the operator-ownable fields (owner,
 * workload, readers, createdBy) that the sync itself wrote. A field that holds a value and is not
 * listed was set by an operator (an import, an edit): the sync leaves it unless asked to overwrite.
 * A label rather than a column: it travels with the record through `inventory import`/export, and
 * a re-import that drops it makes every field the operator's again, the safe direction. What only
 * the provider can know (scopes, dates, active/disabled) always follows the provider.
 */
import { createHash } from 'node:crypto';
import type { Credential } from '../../schemas/credential.js';
import type { DiscoveredCredential } from './port.js';

export const SYNC_FIELDS_LABEL = 'tourniquet.sync.fields';
/**
 * A credential the provider no longer lists (its kind's listing completed without it): the label
 * holds when the sync saw it gone. A label, not a flag: the upsert keeps pipeline flags as they are,
 * and a credential that comes back must lose the mark.
 */
export const GONE_LABEL = 'tourniquet.sync.gone';

const OPERATOR_FIELDS = ['owner', 'workload', 'readers', 'createdBy'] as const;
type OperatorField = (typeof OPERATOR_FIELDS)[number];
const COMPARED = [
  ...OPERATOR_FIELDS,
  'scopes',
  'issuedAt',
  'lastUsedAt',
  'expiresAt',
  'status',
  'labels',
] as const;

export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** The discovered record after linking identities to people. */
export interface Linked {
  credential: DiscoveredCredential;
  owner?: string;
  readers: readonly string[];
}

/** A stable id valid for the Id schema: `<instance>:<providerId>`, hashed when it had to change. */
export function syncCredentialId(instance: string, providerId: string): string {
  const raw = `${instance}:${providerId}`;
  const clean = raw.replace(/[^A-Za-z0-9._:@/+=-]/g, '-');
  if (clean === raw && raw.length <= 200) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return `${clean.slice(0, 180)}~${hash}`.replace('~', '-');
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const time = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));
const sameTime = (a: string | undefined, b: string | undefined) => time(a) === time(b);

function sortedLabels(l: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));
}

/** The record the sync would write, and how it differs from `cur` (empty: nothing to write). */
export function mergeDiscovered(
  cur: Credential | undefined,
  found: Linked,
  id: string,
  instance: string,
  overwriteOperatorFields: boolean,
): { next: Credential; changes: FieldChange[] } {
  const d = found.credential;
  const base: Credential = cur ?? {
    id,
    provider: instance,
    kind: d.kind,
    providerId: d.providerId,
    scopes: [],
    protected: false,
    status: 'active',
    labels: {},
    readers: [],
    flags: [],
  };
  const next: Credential = { ...base, labels: { ...base.labels } };
  const synced = new Set((base.labels[SYNC_FIELDS_LABEL] ?? '').split(',').filter(Boolean));
  const offered: Record<OperatorField, string | readonly string[] | undefined> = {
    owner: found.owner,
    workload: d.workload,
    readers: found.readers.length ? [...found.readers].sort() : undefined,
    createdBy: undefined,
  };
  for (const f of OPERATOR_FIELDS) {
    const have = base[f];
    const empty = have === undefined || (Array.isArray(have) && have.length === 0);
    if (!(overwriteOperatorFields || empty || synced.has(f))) continue;
    const v = offered[f];
    if (v === undefined) {
      if (!synced.has(f)) continue;
      synced.delete(f);
      if (f === 'readers') next.readers = [];
      else delete next[f];
      continue;
    }
    synced.add(f);
    if (f === 'readers') next.readers = [...(v as readonly string[])];
    else next[f] = v as string;
  }
  if (d.scopes) next.scopes = [...d.scopes].sort();
  if (d.issuedAt && !sameTime(d.issuedAt, base.issuedAt)) next.issuedAt = d.issuedAt;
  if (d.expiresAt && !sameTime(d.expiresAt, base.expiresAt)) next.expiresAt = d.expiresAt;
  // The store keeps the latest last use; an older answer (eventual consistency) is no change.
  if (d.lastUsedAt && (time(base.lastUsedAt) ?? 0) < (time(d.lastUsedAt) ?? 0))
    next.lastUsedAt = d.lastUsedAt;
  if (base.labels[GONE_LABEL] !== undefined) {
    delete next.labels[GONE_LABEL];
    if (base.status === 'deleted') next.status = d.status ?? 'active';
  } else if (d.status && (base.status === 'active' || base.status === 'disabled')) {
    // Revoked, rotated or deleted by us stays so: a credential alive again is drift's to report.
    next.status = d.status;
  }
  for (const [k, v] of Object.entries(d.labels ?? {})) next.labels[k] = v;
  if (synced.size) next.labels[SYNC_FIELDS_LABEL] = [...synced].sort().join(',');
  else delete next.labels[SYNC_FIELDS_LABEL];
  next.labels = sortedLabels(next.labels);

  const changes: FieldChange[] = [];
  for (const f of COMPARED) {
    const a = base[f];
    const b = next[f];
    const equal =
      f === 'issuedAt' || f === 'lastUsedAt' || f === 'expiresAt'
        ? sameTime(a as string | undefined, b as string | undefined)
        : f === 'labels'
          ? same(sortedLabels(base.labels), next.labels)
          : same(a, b);
    if (!cur || !equal) changes.push({ field: f, ...(a === undefined ? {} : { from: a }), to: b });
  }
  if (!cur) return { next, changes: [{ field: 'created', to: d.kind }] };
  return { next, changes };
}
