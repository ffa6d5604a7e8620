/**
 * Streams the audit trail as OCSF events (src/audit/ocsf.ts), looking up each record's trigger,
 * task and credential once: the trail is ordered, so a small cache per kind serves a plan's run of
 * records, and memory stays bounded however long the trail is.
 */
import type { Credential } from '../../schemas/credential.js';
import type { Task } from '../../schemas/plan.js';
import type { Trigger } from '../../schemas/trigger.js';
import type { StoreOps } from '../store/port.js';
import { toOcsf, type OcsfEvent } from './ocsf.js';
import { auditRecords } from './verify.js';

/** Entries kept per cache; cleared when full (the next lookups refill it). */
const CACHE_MAX = 5_000;

type ExportStore = Pick<StoreOps, 'listAudit' | 'getTrigger' | 'getTask' | 'findCredentials'>;

function cached<T>(load: (id: string) => Promise<T | null>) {
  const cache = new Map<string, T | null>();
  return async (id: string | null): Promise<T | null> => {
    if (id === null) return null;
    if (cache.has(id)) return cache.get(id) ?? null;
    if (cache.size >= CACHE_MAX) cache.clear();
    const v = await load(id);
    cache.set(id, v);
    return v;
  };
}

export async function* ocsfEvents(store: ExportStore, productVersion: string): AsyncGenerator<OcsfEvent> {
  const trigger = cached<Trigger>((id) => store.getTrigger(id));
  const task = cached<Task>(async (id) => (await store.getTask(id))?.task ?? null);
  const credential = cached<Credential>(
    async (id) => (await store.findCredentials({ ids: [id] }))[0] ?? null,
  );
  for await (const r of auditRecords(store)) {
    const event = toOcsf(r, {
      trigger: await trigger(r.triggerId),
      task: await task(r.taskId),
      credential: await credential(r.credentialId),
      productVersion,
    });
    if (event) yield event;
  }
}
