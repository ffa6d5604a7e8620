/**
 * Inventory import: people, workloads and credentials in one transaction, or nothing. Secrets are
 * fingerprinted here and dropped. Every reference is checked first and every problem named at once
 * (path and field): an unknown credential kind, a provider instance that is not configured, a
 * reader who is not a person, a workload that does not exist, an identity at an unknown instance.
 * A re-import that changes a credential's `protected` flag or status must say so explicitly
 * (`allowProtectionChange`), and the audit records the diff: a responder cannot silently un-protect.
 */
import { Credential, InventoryFile, type Person, type Workload } from '../../schemas/credential.js';
import { TourniquetError } from '../errors.js';
import { now, type PipelineDeps } from '../pipeline/deps.js';
import { isKnownKind } from '../providers/kinds.js';
import { describeIssues, fieldIssues, type FieldIssue } from '../util/zod-issues.js';

export interface ImportOptions {
  /** Accept changes to `protected` or `status` of credentials already in the inventory. */
  allowProtectionChange?: boolean;
}

export async function importInventory(
  data: unknown,
  actor: string,
  deps: PipelineDeps,
  opts: ImportOptions = {},
): Promise<{ imported: number; people: number; workloads: number }> {
  const parsed = InventoryFile.safeParse(data);
  if (!parsed.success) {
    throw new TourniquetError('INVALID_INPUT', `invalid inventory: ${describeIssues(parsed.error)}`, {
      details: fieldIssues(parsed.error),
    });
  }
  const file = Array.isArray(parsed.data)
    ? { people: [], workloads: [], credentials: parsed.data }
    : parsed.data;
  const prefix = Array.isArray(parsed.data) ? '' : 'credentials.';
  const creds = file.credentials.map(({ secret, ...c }) =>
    Credential.parse({
      ...c,
      ...(secret !== undefined ? { fingerprint: deps.fingerprint(secret) } : {}),
    }),
  );
  const issues = await referenceIssues(file.people, file.workloads, creds, prefix, deps);
  if (issues.length > 0) {
    throw new TourniquetError(
      'INVALID_INPUT',
      `invalid inventory (nothing imported): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { details: issues },
    );
  }
  const at = now(deps);
  const audit = await deps.store.transaction(async (tx) => {
    const before = new Map((await tx.findCredentials({ ids: creds.map((c) => c.id) })).map((c) => [c.id, c]));
    const changes = creds.flatMap((c) => {
      const old = before.get(c.id);
      if (!old) return [];
      const diff: Record<string, string> = {};
      if (old.protected !== c.protected) diff.protected = `${old.protected} → ${c.protected}`;
      if (old.status !== c.status) diff.status = `${old.status} → ${c.status}`;
      return Object.keys(diff).length ? [{ id: c.id, ...diff }] : [];
    });
    if (changes.length > 0 && !opts.allowProtectionChange) {
      throw new TourniquetError(
        'CONFLICT',
        `the import changes protected or status of ${changes.map((c) => c.id).join(', ')}: pass --allow-protection-change to accept (nothing imported)`,
        { details: { changes } },
      );
    }
    await tx.upsertPeople(file.people);
    await tx.upsertWorkloads(file.workloads);
    await tx.upsertCredentials(creds);
    return tx.appendAudit(
      [
        {
          type: 'inventory.imported',
          actor,
          data: {
            count: creds.length,
            people: file.people.length,
            workloads: file.workloads.length,
            ids: creds.slice(0, 100).map((c) => c.id),
            protectionChanges: changes,
          },
        },
      ],
      at,
    );
  });
  await deps.onAudit?.(audit);
  return { imported: creds.length, people: file.people.length, workloads: file.workloads.length };
}

async function referenceIssues(
  people: readonly Person[],
  workloads: readonly Workload[],
  creds: readonly Credential[],
  prefix: string,
  deps: PipelineDeps,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const caps = deps.providers.capabilities();
  const configured = Object.keys(caps).length > 0;
  const has = (name: string) => Object.hasOwn(caps, name);
  const typeOf = (name: string) => (has(name) ? caps[name]?.type : undefined);
  const knownPeople = new Set(
    [...people, ...(await deps.store.listPeople())]
      .flatMap((p) => [p.id, ...p.aliases])
      .map((x) => x.toLowerCase()),
  );
  const knownWorkloads = new Set(
    [...workloads, ...(await deps.store.listWorkloads())].flatMap((w) => [w.name, ...w.aliases]),
  );
  people.forEach((p, i) => {
    for (const instance of Object.keys(p.identities)) {
      if (configured && !has(instance)) {
        issues.push({
          path: `people.${i}.identities.${instance}`,
          message: `no provider instance named ${instance} is configured`,
        });
      }
    }
  });
  creds.forEach((c, i) => {
    const at = `${prefix}${i}`;
    if (configured && !has(c.provider)) {
      issues.push({
        path: `${at}.provider`,
        message: `no provider instance named ${c.provider} is configured`,
      });
    }
    if (!isKnownKind(c.kind, configured ? typeOf(c.provider) : undefined)) {
      issues.push({
        path: `${at}.kind`,
        message: `unknown credential kind ${c.kind}${configured && typeOf(c.provider) ? ` for a ${typeOf(c.provider)} provider` : ''}`,
      });
    }
    if (c.workload !== undefined && knownWorkloads.size > 0 && !knownWorkloads.has(c.workload)) {
      issues.push({ path: `${at}.workload`, message: `no workload ${c.workload} in the inventory` });
    }
    c.readers.forEach((r, j) => {
      if (!knownPeople.has(r.toLowerCase())) {
        issues.push({ path: `${at}.readers.${j}`, message: `no person ${r} in the inventory` });
      }
    });
    if (c.rotateTo && configured && !has(c.rotateTo.provider)) {
      issues.push({
        path: `${at}.rotateTo.provider`,
        message: `no provider instance named ${c.rotateTo.provider} is configured`,
      });
    }
  });
  return issues;
}
