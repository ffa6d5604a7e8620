/**
 * The inventory sync: reads one discoverer's event stream and changes the inventory to match what
 * the provider lists, in bounded memory (credentials are merged and written a batch at a time).
 *
 * - Key: `(instance, kind, providerId)`. A record already in the inventory for that key keeps its
 *   id; a new one gets `<instance>:<providerId>` (src/discovery/sync-merge.ts), or
 *   `<instance>:<kind>:<providerId>` when another record already holds that id.
 * - Fields an operator set survive unless `overwriteOperatorFields` (sync-merge.ts says how we know).
 * - Identities link to people: `identities[instance]` equal to the account, else the account's
 *   email equal to a person's id or alias. Accounts no person claims are listed in the report.
 * - Gone: only for kinds whose listing sent `complete`; those records get the label `tourniquet.sync.gone` (and
 *   status `deleted` when they were active or disabled). A refused or failed listing marks nothing.
 * - Writes: only records that differ; each written batch and its audit record (the batch's diff,
 *   bounded) share one transaction. An unchanged estate writes nothing at all; a dry run neither.
 * - Memory: a batch, the people and the instance's accounts; what the listing showed is kept as
 *   8 bytes a credential (src/discovery/sync-seen.ts) for the gone-marking, which then reads the
 *   inventory a page at a time. Measured at 1M credentials in BENCHMARKS.md ("Sync at scale").
 */
import type { AuditRecord } from '../../schemas/audit.js';
import type { Credential, Person } from '../../schemas/credential.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { credentialPages } from '../store/credential-pages.js';
import type { Store } from '../store/port.js';
import type { DiscoveredCredential, Discoverer, DiscoveryCall } from './port.js';
import { SeenKeys } from './sync-seen.js';
import { GONE_LABEL, mergeDiscovered, syncCredentialId, type FieldChange } from './sync-merge.js';

const BATCH = 500;
/** Diff entries kept in one audit record and in the report: the counts stay exact. */
const MAX_DIFF = 200;
const MAX_LISTED = 200;
/** How many inventory records one scan for gone credentials holds at a time. */
const SCAN_LIMIT = 10_000_000;

export interface SyncDeps {
  store: Store;
  clock: () => Date;
  onAudit?: (records: readonly AuditRecord[]) => Promise<void>;
  logger?: Logger;
}

export interface SyncOptions {
  dryRun?: boolean;
  overwriteOperatorFields?: boolean;
  actor?: string;
  signal?: AbortSignal;
  batchSize?: number;
}

export interface CredentialDiff {
  credentialId: string;
  kind: string;
  change: 'created' | 'updated' | 'gone';
  fields: FieldChange[];
}

export interface SyncReport {
  provider: string;
  dryRun: boolean;
  discovered: number;
  created: number;
  updated: number;
  unchanged: number;
  gone: number;
  /** Kinds whose listing completed (only these can have gone credentials). */
  complete: string[];
  refused: { what: string; permission: string; code: string }[];
  unknownIdentities: string[];
  unknownIdentityCount: number;
  diff: CredentialDiff[];
  /** Diff entries left out of `diff` (the counts above are exact). */
  diffOmitted: number;
  /** The listing failed part way (nothing it did not see was marked gone). */
  error?: { code: string; message: string };
}

/** Who a provider account is: by `identities[instance]`, by email, by any identity (readers). */
function peopleIndex(people: readonly Person[], instance: string) {
  const byIdentity = new Map<string, string>();
  const byEmail = new Map<string, string>();
  const byAny = new Map<string, string>();
  for (const p of people) {
    const own = p.identities[instance];
    if (own) byIdentity.set(own.toLowerCase(), p.id);
    for (const v of Object.values(p.identities)) byAny.set(v.toLowerCase(), p.id);
    for (const n of [p.id, ...p.aliases]) if (n.includes('@')) byEmail.set(n.toLowerCase(), p.id);
  }
  return { byIdentity, byEmail, byAny };
}

export async function syncInventory(
  discoverer: Discoverer,
  call: DiscoveryCall,
  deps: SyncDeps,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  const instance = discoverer.instance;
  const signal = opts.signal ?? new AbortController().signal;
  const actor = opts.actor ?? 'sync';
  const dryRun = opts.dryRun ?? false;
  const report: SyncReport = {
    provider: instance,
    dryRun,
    discovered: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    gone: 0,
    complete: [],
    refused: [],
    unknownIdentities: [],
    unknownIdentityCount: 0,
    diff: [],
    diffOmitted: 0,
  };
  const idx = peopleIndex(await deps.store.listPeople(SCAN_LIMIT), instance);
  const emails = new Map<string, string>();
  const unknown = new Set<string>();
  const seen = new SeenKeys();
  const complete = new Set<string>();
  const key = (kind: string, providerId: string) => `${kind}\u0000${providerId}`;

  const person = (identity: string | undefined): string | undefined => {
    if (!identity) return undefined;
    const id = identity.toLowerCase();
    const email = emails.get(id);
    const found = idx.byIdentity.get(id) ?? (email ? idx.byEmail.get(email) : undefined);
    if (!found && !unknown.has(id)) {
      unknown.add(id);
      report.unknownIdentityCount += 1;
      if (report.unknownIdentities.length < MAX_LISTED) report.unknownIdentities.push(identity);
    }
    return found;
  };
  const ownerOf = (d: DiscoveredCredential): string | undefined => {
    const linked = person(d.ownerIdentity);
    // An owner tag names a person by email or alias, or a team (kept as written).
    if (d.owner) return idx.byEmail.get(d.owner.toLowerCase()) ?? d.owner;
    return linked;
  };

  const recordDiff = (entry: CredentialDiff, into: CredentialDiff[]) => {
    if (into.length < MAX_DIFF) into.push(entry);
    if (report.diff.length < MAX_DIFF) report.diff.push(entry);
    else report.diffOmitted += 1;
  };

  async function write(changed: Credential[], diff: CredentialDiff[], omitted: number) {
    if (dryRun || changed.length === 0) return;
    const at = deps.clock().toISOString();
    const records = await deps.store.transaction(async (tx) => {
      await tx.upsertCredentials(changed);
      return tx.appendAudit(
        [
          {
            type: 'inventory.synced',
            actor,
            data: { provider: instance, count: changed.length, changes: diff as never, omitted },
          },
        ],
        at,
      );
    });
    await deps.onAudit?.(records);
  }

  let batch: DiscoveredCredential[] = [];
  async function flush() {
    if (batch.length === 0) return;
    // One record per key: a listing can show a credential twice (a page boundary shifting), and
    // the later sighting is the fresher one.
    const items = [...new Map(batch.map((d) => [key(d.kind, d.providerId), d])).values()];
    batch = [];
    const found = await deps.store.findCredentials({ providerIds: items.map((c) => c.providerId) });
    const existing = new Map(
      found.filter((c) => c.provider === instance).map((c) => [key(c.kind, c.providerId ?? ''), c]),
    );
    // A new credential's id must not be one another record holds: two kinds can share a provider
    // id (a GitHub PAT grant and an SSO authorization are numbered apart), and an operator may
    // have typed that id by hand; upserting over either would overwrite it.
    const fresh = items.filter((d) => !existing.has(key(d.kind, d.providerId)));
    const taken = new Set(
      fresh.length === 0
        ? []
        : (
            await deps.store.findCredentials({
              ids: fresh.map((d) => syncCredentialId(instance, d.providerId)),
            })
          ).map((c) => c.id),
    );
    const newId = (d: DiscoveredCredential) => {
      const plain = syncCredentialId(instance, d.providerId);
      const id = taken.has(plain) ? syncCredentialId(instance, `${d.kind}:${d.providerId}`) : plain;
      taken.add(id);
      return id;
    };
    const changed: Credential[] = [];
    const diff: CredentialDiff[] = [];
    let omitted = 0;
    for (const d of items) {
      const cur = existing.get(key(d.kind, d.providerId));
      const id = cur?.id ?? newId(d);
      const readers = (d.readerIdentities ?? []).map((r) =>
        (idx.byIdentity.get(r.toLowerCase()) ?? idx.byAny.get(r.toLowerCase()) ?? r).toLowerCase(),
      );
      const linked = { credential: d, readers: [...new Set(readers)], ...optional(ownerOf(d)) };
      const { next, changes } = mergeDiscovered(
        cur,
        linked,
        id,
        instance,
        opts.overwriteOperatorFields ?? false,
      );
      if (changes.length === 0) {
        report.unchanged += 1;
        continue;
      }
      changed.push(next);
      if (cur) report.updated += 1;
      else report.created += 1;
      const before = diff.length;
      recordDiff(
        { credentialId: id, kind: d.kind, change: cur ? 'updated' : 'created', fields: changes },
        diff,
      );
      if (diff.length === before) omitted += 1;
    }
    await write(changed, diff, omitted);
  }

  try {
    for await (const e of discoverer.discover(call, signal)) {
      if (e.type === 'identity') {
        if (e.identity.email) emails.set(e.identity.identity.toLowerCase(), e.identity.email.toLowerCase());
        person(e.identity.identity);
      } else if (e.type === 'credential') {
        report.discovered += 1;
        seen.add(key(e.credential.kind, e.credential.providerId));
        batch.push(e.credential);
        if (batch.length >= (opts.batchSize ?? BATCH)) await flush();
      } else if (e.type === 'complete') {
        for (const k of e.kinds) if (discoverer.kinds.includes(k)) complete.add(k);
      } else {
        report.refused.push({ what: e.what, permission: e.permission, code: e.code });
      }
    }
    await flush();
  } catch (err) {
    const failure = coerceError(err);
    report.error = { code: failure.code, message: failure.message };
    deps.logger?.warn({ provider: instance, code: failure.code }, 'inventory sync listing failed');
    // Kinds completed before the failure were seen whole; the rest are not marked gone.
    await flush().catch(() => undefined);
  }
  report.complete = [...complete].sort();
  if (complete.size > 0 && !signal.aborted) await markGone();
  return report;

  async function markGone() {
    const at = deps.clock().toISOString();
    const gone: Credential[] = [];
    const diff: CredentialDiff[] = [];
    let omitted = 0;
    for await (const page of credentialPages(deps.store))
      for (const c of page) {
        if (c.provider !== instance || !complete.has(c.kind) || !c.providerId) continue;
        if (seen.has(key(c.kind, c.providerId)) || c.labels[GONE_LABEL] !== undefined) continue;
        const next: Credential = {
          ...c,
          labels: { ...c.labels, [GONE_LABEL]: at },
          status: c.status === 'active' || c.status === 'disabled' ? 'deleted' : c.status,
        };
        gone.push(next);
        report.gone += 1;
        const fields: FieldChange[] = [{ field: 'labels', to: { [GONE_LABEL]: at } }];
        if (next.status !== c.status) fields.push({ field: 'status', from: c.status, to: next.status });
        const before = diff.length;
        recordDiff({ credentialId: c.id, kind: c.kind, change: 'gone', fields }, diff);
        if (diff.length === before) omitted += 1;
        if (gone.length >= BATCH) {
          await write(gone.splice(0), diff.splice(0), omitted);
          omitted = 0;
        }
      }
    await write(gone, diff, omitted);
  }
}

function optional(owner: string | undefined): { owner?: string } {
  return owner === undefined ? {} : { owner };
}
