/**
 * Runs one scenario through tourniquet's real pipeline, as `tourniquet start` would run it: a Config
 * with one provider pointing at the FAKE provider, `createRuntime`, `startWorkers`, the inventory
 * imported and the triggers ingested through `localOps` (the functions the CLI and HTTP API call).
 *
 * Completion is observed, not driven: the runtime's `onAudit` port (which receives audit records
 * after their transaction committed) is wrapped to note when each task's final records land. That
 * works the same on the embedded bus and on Kafka, and it also sees tasks waiting in a durable
 * retry, which `runtime.idle()` would not.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../schemas/audit.js';
import { Config } from '../schemas/config.js';
import { OAuthProviderConfig } from '../schemas/providers/oauth.js';
import { VaultProviderConfig } from '../schemas/providers/vault.js';
import { createRuntime, type Runtime } from '../src/main.js';
import { createLogger } from '../src/logger.js';
import { localOps } from '../src/ops/local.js';
import { createOAuthProvider } from '../src/providers/oauth.js';
import { createVaultProvider } from '../src/providers/vault.js';
import { kafkaTopics } from '../test/support/kafka.js';
import { sampleResources } from './resources.js';
import type { ProviderTarget, RateBudget, RevocationRecord, WorkerJob, WorkerResult } from './spec.js';

export const PERSON = 'leaver@example.com';
const PROVIDER_NAME = { oauth: 'bench-oauth', vault: 'bench-vault' } as const;

/**
 * Audit types written in the transaction that makes a task final (see src/pipeline/execute.ts and
 * verify.ts). Not `task.revoked`: since verification became durable it is written when the task
 * enters `verifying`, so counting it stopped the 2026-12-02 run while 13 tasks still awaited a
 * re-check.
 */
export const FINAL_TYPES = new Set<AuditRecord['type']>([
  'task.verified',
  'task.verify_failed',
  'task.dead_lettered',
]);

export function providerConfig(p: ProviderTarget) {
  if (p.type === 'vault') {
    return {
      type: 'vault' as const,
      name: PROVIDER_NAME.vault,
      address: p.vaultAddress,
      token: p.vaultToken,
    };
  }
  return {
    type: 'oauth' as const,
    name: PROVIDER_NAME.oauth,
    revocationEndpoint: p.revocationEndpoint,
    introspectionEndpoint: p.introspectionEndpoint,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
  };
}

/** Whether this provider type's config takes a `rateBudget` (read from the schema, so the harness follows it). */
export function acceptsRateBudget(type: ProviderTarget['type']): boolean {
  const schema = type === 'vault' ? VaultProviderConfig : OAuthProviderConfig;
  return 'rateBudget' in schema.shape;
}

/** The budget the provider gate will apply: the configured one when accepted, else the adapter's own. */
export function gateBudget(provider: ProviderTarget, budget: RateBudget | null): RateBudget {
  if (budget && acceptsRateBudget(provider.type)) return budget;
  const cfg = providerConfig(provider);
  const logger = createLogger('silent');
  const adapter =
    cfg.type === 'vault'
      ? createVaultProvider(cfg, { logger })
      : createOAuthProvider(OAuthProviderConfig.parse(cfg), { logger });
  return adapter.capabilities.rateBudget;
}

function configuredProvider(job: WorkerJob, notes: string[]) {
  const base = providerConfig(job.provider);
  if (!job.budget) return base;
  if (!acceptsRateBudget(job.provider.type)) {
    notes.push(
      `the ${job.provider.type} provider config has no rateBudget setting: the adapter's built-in budget applies`,
    );
    return base;
  }
  return { ...base, rateBudget: job.budget };
}

function benchConfig(job: WorkerJob, dataDir: string, notes: string[]): Config {
  const k = job.kafka;
  return Config.parse({
    dataDir,
    logLevel: 'info',
    keys: {
      fingerprint: randomBytes(32).toString('base64'),
      seal: randomBytes(32).toString('base64'),
      audit: randomBytes(32).toString('base64'),
      anchor: randomBytes(32).toString('base64'),
    },
    // The fan-out must run without a human: lift the blast-radius guard above the scenario size.
    policy: { blastRadius: { maxCredentials: Math.max(25, job.values.length + 1) } },
    providers: [configuredProvider(job, notes)],
    ...(job.databaseUrl ? { databaseUrl: job.databaseUrl } : {}),
    ...(k
      ? {
          kafka: {
            brokers: k.brokers,
            clientId: k.prefix,
            groupId: k.prefix,
            topics: kafkaTopics(k.prefix),
            partitions: k.partitions,
          },
        }
      : {}),
  });
}

function inventory(job: WorkerJob) {
  const name = PROVIDER_NAME[job.provider.type];
  if (job.scenario.kind === 'fanout') {
    // Owned by the leaver, no workload: the resolver revokes each one (handlers/resolve.ts).
    return job.values.map((v, i) => ({
      id: `c${i}`,
      provider: name,
      kind: 'vault.token',
      providerId: v,
      owner: PERSON,
    }));
  }
  return job.values.map((v, i) => ({ id: `c${i}`, provider: name, kind: 'oauth.access_token', secret: v }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Feeds the triggers; resolves when every ingest call returned (all triggers durably accepted). */
async function ingest(job: WorkerJob, runtime: Runtime, notes: string[]): Promise<void> {
  const ops = localOps(runtime.deps);
  const leak = (v: string) => ({ kind: 'leak' as const, source: 'bench', subject: { token: v } });
  const { scenario } = job;
  if (scenario.kind === 'fanout') {
    await ops.ingest([{ kind: 'offboarding', source: 'bench', subject: { person: PERSON } }]);
    return;
  }
  if (scenario.kind === 'leak-burst') {
    // The whole burst in one call, as `tourniquet ingest burst.jsonl` sends it.
    await ops.ingest(job.values.map(leak));
    return;
  }
  // Steady stream: one ingest call per trigger on a fixed schedule; a call that is late does not
  // delay the ones after it (an open-loop load, like independent webhook deliveries).
  const rate = scenario.ratePerSec ?? 1;
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  let maxLagMs = 0;
  for (let k = 0; k < job.values.length; k++) {
    const due = t0 + (k * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    else maxLagMs = Math.max(maxLagMs, -wait);
    pending.push(ops.ingest([leak(job.values[k]!)]));
  }
  await Promise.all(pending);
  if (maxLagMs > 50)
    notes.push(`steady stream: the load generator fell up to ${Math.round(maxLagMs)} ms behind schedule`);
}

/** Initialises an embedded data dir (initdb, migrations) for later jobs to copy. */
export async function initTemplate(job: WorkerJob): Promise<void> {
  if (!job.templateDir) throw new Error('template job without templateDir');
  const runtime = await createRuntime(benchConfig(job, job.templateDir, []));
  await runtime.stop();
}

export async function runPipeline(job: WorkerJob, prepare: () => Promise<void>): Promise<WorkerResult> {
  const notes: string[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), 'tq-bench-'));
  const setupStart = Date.now();
  if (job.templateDir && !job.databaseUrl) await cp(job.templateDir, dataDir, { recursive: true });
  const runtime = await createRuntime(benchConfig(job, dataDir, notes));
  const budgetInUse =
    runtime.deps.providers.get(PROVIDER_NAME[job.provider.type])?.capabilities.rateBudget ?? null;
  const finished = new Map<string, number>();
  const claimed = new Map<string, number>();
  const planned = new Map<string, number>();
  const publishAudit = runtime.deps.onAudit;
  runtime.deps.onAudit = async (records) => {
    if (publishAudit) await publishAudit(records);
    const at = Date.now();
    for (const r of records) {
      if (r.type === 'plan.created' && r.triggerId) planned.set(r.triggerId, at);
      if (!r.taskId) continue;
      if (r.type === 'task.attempt') claimed.set(r.taskId, at);
      else if (FINAL_TYPES.has(r.type) && !finished.has(r.taskId)) finished.set(r.taskId, at);
    }
  };
  try {
    await localOps(runtime.deps).importInventory({ credentials: inventory(job) }, 'bench');
    await runtime.startWorkers();
    const setupMs = Date.now() - setupStart;
    await prepare();

    const expected = job.values.length;
    const sampler = sampleResources();
    const startedAt = Date.now();
    const deadline = startedAt + job.timeoutMs;
    await ingest(job, runtime, notes);
    const ingestMs = Date.now() - startedAt;
    while (finished.size < expected && Date.now() < deadline) await sleep(20);
    const timedOut = finished.size < expected;
    const endedAt = timedOut ? Date.now() : Math.max(...finished.values());
    const resources = sampler.stop();
    if (timedOut)
      notes.push(`timed out after ${job.timeoutMs} ms with ${finished.size}/${expected} tasks final`);

    const records = await collect(runtime, expected, { finished, claimed, planned });
    notes.push(...(await unverifiedReasons(runtime, records)));
    return { records, startedAt, endedAt, ingestMs, setupMs, resources, timedOut, budgetInUse, notes };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Reads back what the pipeline recorded: trigger receivedAt and task verifiedAt, per credential. */
async function collect(
  runtime: Runtime,
  expected: number,
  seen: Record<'finished' | 'claimed' | 'planned', ReadonlyMap<string, number>>,
): Promise<RevocationRecord[]> {
  const { store } = runtime.deps;
  const limit = expected * 2 + 10;
  const triggers = await store.listTriggers({ limit });
  const receivedAt = new Map(triggers.map((t) => [t.id, Date.parse(t.receivedAt)]));
  const tasks = await store.listTasks({ limit });
  return tasks.flatMap((t) => {
    const i = Number(t.credentialId?.slice(1));
    const received = receivedAt.get(t.triggerId);
    if (!Number.isInteger(i) || received === undefined) return [];
    return [
      {
        i,
        receivedAt: received,
        verifiedAt: t.verifiedAt ? Date.parse(t.verifiedAt) : null,
        plannedAt: seen.planned.get(t.triggerId) ?? null,
        claimedAt: seen.claimed.get(t.id) ?? null,
        finishedAt: seen.finished.get(t.id) ?? null,
        status: t.status,
        outcome: t.outcome,
        attempts: t.attempts,
        errorCode: t.lastError?.code ?? null,
      },
    ];
  });
}

/** Why a task succeeded without proof: its task.verify_failed audit record, for the first few. */
async function unverifiedReasons(runtime: Runtime, records: readonly RevocationRecord[]): Promise<string[]> {
  const unverified = records.filter((r) => r.status === 'succeeded' && r.verifiedAt === null);
  const out: string[] = [];
  for (const r of unverified.slice(0, 5)) {
    const audit = await runtime.deps.store.listAudit({ credentialId: `c${r.i}`, limit: 50 });
    const failed = audit.filter((a) => a.type === 'task.verify_failed').at(-1);
    out.push(
      `c${r.i} succeeded unverified: ${failed ? JSON.stringify(failed.data) : 'no task.verify_failed record'}`,
    );
  }
  if (unverified.length > 5) out.push(`… and ${unverified.length - 5} more succeeded unverified`);
  return out;
}
