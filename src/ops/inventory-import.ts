/**
 * Inventory import: people, workloads and credentials in one transaction, or nothing. Secrets are
 * fingerprinted here and dropped. Every reference is checked and every problem named at once (path
 * and field, the first MAX_ISSUES of them, with the count): an unknown credential kind, a provider
 * instance that is not configured, a reader who is not a person, a workload that does not exist,
 * an identity at an unknown instance. A re-import that changes a credential's `protected` flag or
 * status must say so explicitly (`allowProtectionChange`), and the audit records the diff: a
 * responder cannot silently un-protect.
 *
 * In bounded memory: the records come as a stream (src/ops/inventory-source.ts) and credentials are
 * checked and written BATCH at a time inside the one transaction; a problem found later rolls the
 * written batches back. What is held whole is small: the file's people and workloads, and the
 * distinct reader and workload names that were not known yet when their credential was read (the
 * sections may come in any order; those are resolved at the end, against the file and the store).
 */
import {
  Credential,
  CredentialImport,
  Person,
  Workload,
  type Person as PersonT,
  type Workload as WorkloadT,
} from '../../schemas/credential.js';
import type { z } from 'zod';
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from '../pipeline/deps.js';
import { isKnownKind } from '../providers/kinds.js';
import type { StoreOps } from '../store/port.js';
import { fieldIssues, type FieldIssue } from '../util/zod-issues.js';
import { recordsOf, type InventoryRecords } from './inventory-source.js';
import type { ImportSummary } from './port.js';

export interface ImportOptions {
  /** Accept changes to `protected` or `status` of credentials already in the inventory. */
  allowProtectionChange?: boolean;
}

export type ImportResult = Required<Omit<ImportSummary, 'people' | 'workloads'>> & {
  people: number;
  workloads: number;
};

/**
 * Credentials checked and written per statement. Small on purpose: a batch waits in memory for
 * its write, and what outlives the young generation is promoted as garbage. Measured on 1M
 * credentials (BENCHMARKS.md): 1,000 peaked at 513 MB and took 57 s, 200 at 409 MB and 70 s.
 */
const BATCH = 250;
/** Problems (and protection changes) named in an error; the count is always exact. */
const MAX_ISSUES = 100;
/** Credentials that name one unresolved reader or workload, kept to be named if it stays unknown. */
const PATHS_PER_NAME = 5;
const AUDIT_IDS = 100;

type Change = { id: string; protected?: string; status?: string };

/** An inventory already in memory (an API body): the same checks, the same transaction. */
export function importInventory(data: unknown, actor: string, deps: PipelineDeps, opts: ImportOptions = {}) {
  return importRecords(recordsOf(data), actor, deps, opts);
}

export async function importRecords(
  records: InventoryRecords,
  actor: string,
  deps: PipelineDeps,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const { run, audit } = await deps.store.transaction(async (tx) => {
    const run = new ImportRun(tx, deps, opts);
    for await (const item of records) {
      if (item.section === 'people') run.person(item.value, item.path);
      else if (item.section === 'workloads') run.workload(item.value, item.path);
      else await run.credential(item.value, item.path);
    }
    await run.finish();
    const people = await tx.upsertPeople(run.people);
    const workloads = await tx.upsertWorkloads(run.workloads);
    // An import that changed nothing wrote nothing, and has nothing to audit: the trail records
    // what changed in the inventory, and a re-import of an unchanged estate changes nothing.
    if (run.created + run.updated + people + workloads === 0) return { run, people, workloads, audit: [] };
    const audit = await tx.appendAudit(
      [
        {
          type: 'inventory.imported',
          actor,
          data: {
            count: run.count,
            created: run.created,
            updated: run.updated,
            unchanged: run.unchanged,
            people: run.people.length,
            workloads: run.workloads.length,
            peopleWritten: people,
            workloadsWritten: workloads,
            ids: run.firstIds,
            protectionChanges: run.changes,
            ...(run.changeCount > run.changes.length ? { protectionChangeCount: run.changeCount } : {}),
          },
        },
      ],
      now(deps),
    );
    return { run, people, workloads, audit };
  });
  if (audit.length > 0) await deps.onAudit?.(audit);
  return {
    imported: run.count,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    people: run.people.length,
    workloads: run.workloads.length,
  };
}

/** One import's state while its records stream through. */
class ImportRun {
  readonly people: PersonT[] = [];
  readonly workloads: WorkloadT[] = [];
  readonly firstIds: string[] = [];
  readonly changes: Change[] = [];
  count = 0;
  /** Of the credentials written: new rows, changed rows, and rows that already held the values. */
  created = 0;
  updated = 0;
  unchanged = 0;
  changeCount = 0;
  private readonly issues: FieldIssue[] = [];
  private issueCount = 0;
  private batch: Credential[] = [];
  private readonly knownPeople = new Set<string>();
  private readonly knownWorkloads = new Set<string>();
  /** Names not known when read: name → the paths that used it (a few) and how many did. */
  private readonly pendingReaders = new Map<string, Uses>();
  private readonly pendingWorkloads = new Map<string, Uses>();
  private readonly caps: ReturnType<PipelineDeps['providers']['capabilities']>;
  private readonly configured: boolean;

  constructor(
    private readonly tx: StoreOps,
    private readonly deps: PipelineDeps,
    private readonly opts: ImportOptions,
  ) {
    this.caps = deps.providers.capabilities();
    this.configured = Object.keys(this.caps).length > 0;
  }

  private has(name: string): boolean {
    return Object.hasOwn(this.caps, name);
  }

  private issue(path: string, message: string): void {
    this.issueCount++;
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message });
  }

  private parsed<T>(schema: z.ZodType<T>, value: unknown, at: string): T | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const i of fieldIssues(r.error)) this.issue(i.path === '(root)' ? at : `${at}.${i.path}`, i.message);
    return undefined;
  }

  person(value: unknown, at: string): void {
    const p = this.parsed(Person, value, at);
    if (!p) return;
    for (const instance of Object.keys(p.identities)) {
      if (this.configured && !this.has(instance))
        this.issue(`${at}.identities.${instance}`, `no provider instance named ${instance} is configured`);
    }
    this.people.push(p);
    for (const id of [p.id, ...p.aliases]) this.knownPeople.add(id.toLowerCase());
  }

  workload(value: unknown, at: string): void {
    const w = this.parsed(Workload, value, at);
    if (!w) return;
    this.workloads.push(w);
    for (const name of [w.name, ...w.aliases]) this.knownWorkloads.add(name);
  }

  async credential(value: unknown, at: string): Promise<void> {
    const raw = this.parsed(CredentialImport, value, at);
    if (!raw) return;
    const { secret, ...rest } = raw;
    const c = Credential.parse({
      ...rest,
      ...(secret !== undefined ? { fingerprint: this.deps.fingerprint(secret) } : {}),
    });
    this.check(c, at);
    this.count++;
    this.batch.push(c);
    if (this.batch.length >= BATCH) await this.flush();
  }

  private check(c: Credential, at: string): void {
    const typeOf = this.has(c.provider) ? this.caps[c.provider]?.type : undefined;
    if (this.configured && !this.has(c.provider))
      this.issue(`${at}.provider`, `no provider instance named ${c.provider} is configured`);
    if (!isKnownKind(c.kind, this.configured ? typeOf : undefined)) {
      const forType = this.configured && typeOf ? ` for a ${typeOf} provider` : '';
      this.issue(`${at}.kind`, `unknown credential kind ${c.kind}${forType}`);
    }
    if (c.workload !== undefined && !this.knownWorkloads.has(c.workload))
      remember(this.pendingWorkloads, c.workload, `${at}.workload`);
    c.readers.forEach((r, j) => {
      if (!this.knownPeople.has(r.toLowerCase())) remember(this.pendingReaders, r, `${at}.readers.${j}`);
    });
    if (c.rotateTo && this.configured && !this.has(c.rotateTo.provider))
      this.issue(
        `${at}.rotateTo.provider`,
        `no provider instance named ${c.rotateTo.provider} is configured`,
      );
  }

  /**
   * Writes the batch, unless the import is already refused (a problem, or a protection change not
   * allowed): then nothing will be kept, so nothing more is written; changes are still counted.
   */
  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0 || this.issueCount > 0) return;
    const before = new Map(
      (await this.tx.findCredentials({ ids: batch.map((c) => c.id) })).map((c) => [c.id, c]),
    );
    for (const c of batch) {
      const old = before.get(c.id);
      if (!old) continue;
      const diff: Change = { id: c.id };
      if (old.protected !== c.protected) diff.protected = `${old.protected} → ${c.protected}`;
      if (old.status !== c.status) diff.status = `${old.status} → ${c.status}`;
      if (diff.protected === undefined && diff.status === undefined) continue;
      this.changeCount++;
      if (this.changes.length < MAX_ISSUES) this.changes.push(diff);
    }
    if (this.changeCount > 0 && !this.opts.allowProtectionChange) return;
    const written = await this.tx.upsertCredentials(batch);
    this.created += written.created.length;
    this.updated += written.updated.length;
    this.unchanged += written.unchanged;
    // The audit names the credentials the import changed, not the ones it left as they were.
    for (const id of [...written.created, ...written.updated])
      if (this.firstIds.length < AUDIT_IDS) this.firstIds.push(id);
  }

  /** The last batch, then what could only be judged once every record was read. */
  async finish(): Promise<void> {
    await this.resolvePending();
    await this.flush();
    if (this.issueCount > 0) {
      const more = this.issueCount - this.issues.length;
      throw new TourniquetError(
        'INVALID_INPUT',
        `invalid inventory (nothing imported): ${this.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
        { details: this.issues },
      );
    }
    if (this.changeCount > 0 && !this.opts.allowProtectionChange) {
      const more = this.changeCount - this.changes.length;
      throw new TourniquetError(
        'CONFLICT',
        `the import changes protected or status of ${this.changes.map((c) => c.id).join(', ')}${more > 0 ? ` and ${more} more` : ''}: pass --allow-protection-change to accept (nothing imported)`,
        { details: { changes: this.changes, count: this.changeCount } },
      );
    }
  }

  private async resolvePending(): Promise<void> {
    const readers = [...this.pendingReaders.keys()].filter((r) => !this.knownPeople.has(r.toLowerCase()));
    for (let i = 0; i < readers.length; i += BATCH) {
      for (const p of await this.tx.findPeople(readers.slice(i, i + BATCH)))
        for (const id of [p.id, ...p.aliases]) this.knownPeople.add(id.toLowerCase());
    }
    for (const r of readers) {
      if (!this.knownPeople.has(r.toLowerCase()))
        this.unknown(this.pendingReaders.get(r), `no person ${r} in the inventory`);
    }
    // A workload is checked only once the inventory has any (a first import may name none).
    const names = [...this.pendingWorkloads.keys()].filter((w) => !this.knownWorkloads.has(w));
    if (names.length === 0) return;
    if (this.knownWorkloads.size === 0 && (await this.tx.listWorkloads(1)).length === 0) return;
    for (const w of names) {
      if ((await this.tx.findWorkloads(w)).length === 0)
        this.unknown(this.pendingWorkloads.get(w), `no workload ${w} in the inventory`);
    }
  }

  /** A name that stays unknown: named at the paths kept, counted at every use. */
  private unknown(uses: Uses | undefined, message: string): void {
    if (!uses) return;
    for (const path of uses.paths) this.issue(path, message);
    this.issueCount += uses.count - uses.paths.length;
  }
}

interface Uses {
  paths: string[];
  count: number;
}

function remember(pending: Map<string, Uses>, name: string, path: string): void {
  const uses = pending.get(name) ?? { paths: [], count: 0 };
  pending.set(name, uses);
  uses.count++;
  if (uses.paths.length < PATHS_PER_NAME) uses.paths.push(path);
}
