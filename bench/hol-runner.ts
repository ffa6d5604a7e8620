/**
 * Runs one fairness scenario (bench/hol-spec.ts) through tourniquet's real pipeline on the embedded
 * default: two Vault provider instances (fast and slow) in one service config, the inventory
 * imported, one offboarding trigger and a stream of leak triggers ingested through `localOps`.
 * Completion and claims are observed from the audit records after they committed (`onAudit`), as
 * bench/pipeline-runner.ts does.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../schemas/config.js';
import { createRuntime, type Runtime } from '../src/main.js';
import { localOps } from '../src/ops/local.js';
import {
  CREDENTIAL_PREFIX,
  type Group,
  type GroupResult,
  type HolInstance,
  type HolJob,
  type HolResult,
} from './hol-spec.js';
import { FINAL_TYPES, PERSON } from './pipeline-runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GROUPS: readonly Group[] = ['fast', 'slow', 'leak'];

function providerConfig(p: HolInstance) {
  return {
    type: 'vault' as const,
    name: p.name,
    address: p.vaultAddress,
    token: p.vaultToken,
    ...(p.budget ? { rateBudget: p.budget } : {}),
  };
}

function config(job: HolJob, dataDir: string): Config {
  const total = job.fastValues.length + job.slowValues.length + job.leakValues.length;
  return Config.parse({
    dataDir,
    logLevel: 'warn',
    keys: {
      fingerprint: randomBytes(32).toString('base64'),
      seal: randomBytes(32).toString('base64'),
      audit: randomBytes(32).toString('base64'),
      anchor: randomBytes(32).toString('base64'),
    },
    policy: { blastRadius: { maxCredentials: Math.max(25, total + 1) } },
    providers: [job.fast, ...(job.slow ? [job.slow] : [])].map(providerConfig),
  });
}

function inventory(job: HolJob) {
  const cred = (group: Group, provider: string, owned: boolean) => (v: string, i: number) => ({
    id: `${CREDENTIAL_PREFIX[group]}${i}`,
    provider,
    kind: 'vault.token',
    providerId: v,
    ...(owned ? { owner: PERSON } : {}),
  });
  return [
    ...job.fastValues.map(cred('fast', job.fast.name, true)),
    ...(job.slow ? job.slowValues.map(cred('slow', job.slow.name, true)) : []),
    ...job.leakValues.map(cred('leak', job.fast.name, false)),
  ];
}

const groupOf = (credentialId: string | null): Group | undefined =>
  GROUPS.find((g) => credentialId?.startsWith(CREDENTIAL_PREFIX[g]));

/** The offboarding at once and the leaks open-loop at their rate; `sent` notes when each left. */
async function ingest(job: HolJob, runtime: Runtime, sent: Map<string, number>): Promise<void> {
  const ops = localOps(runtime.deps);
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (const g of ['fast', 'slow'] as const) {
    const n = g === 'fast' ? job.fastValues.length : job.slowValues.length;
    for (let i = 0; i < n; i++) sent.set(`${CREDENTIAL_PREFIX[g]}${i}`, t0);
  }
  pending.push(ops.ingest([{ kind: 'offboarding', source: 'bench', subject: { person: PERSON } }]));
  const rate = job.scenario.leakRate;
  for (let k = 0; k < job.leakValues.length; k++) {
    const wait = t0 + (k * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
    sent.set(`${CREDENTIAL_PREFIX.leak}${k}`, Date.now());
    pending.push(
      ops.ingest([{ kind: 'leak', source: 'bench', subject: { providerKeyId: job.leakValues[k]! } }]),
    );
  }
  await Promise.all(pending);
}

export async function runHol(job: HolJob, prepare: () => Promise<void>): Promise<HolResult> {
  const notes: string[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), 'tq-bench-hol-'));
  if (job.templateDir) await cp(job.templateDir, dataDir, { recursive: true });
  const runtime = await createRuntime(config(job, dataDir));
  const finished = new Map<string, { at: number; credentialId: string | null; revoked: boolean }>();
  const claims = new Map<Group, number>();
  const publishAudit = runtime.deps.onAudit;
  runtime.deps.onAudit = async (records) => {
    if (publishAudit) await publishAudit(records);
    const at = Date.now();
    for (const r of records) {
      if (!r.taskId) continue;
      const g = groupOf(r.credentialId);
      if (r.type === 'task.attempt' && g) claims.set(g, (claims.get(g) ?? 0) + 1);
      else if (FINAL_TYPES.has(r.type) && !finished.has(r.taskId))
        finished.set(r.taskId, {
          at,
          credentialId: r.credentialId,
          revoked: r.type !== 'task.dead_lettered',
        });
    }
  };
  try {
    await localOps(runtime.deps).importInventory({ credentials: inventory(job) }, 'bench');
    await runtime.startWorkers();
    await prepare();
    const sent = new Map<string, number>();
    const startedAt = Date.now();
    const deadline = startedAt + job.timeoutMs;
    const feeding = ingest(job, runtime, sent);
    const fastExpected = job.fastValues.length + job.leakValues.length;
    const fastFinal = () =>
      [...finished.values()].filter((f) => {
        const g = groupOf(f.credentialId);
        return g === 'fast' || g === 'leak';
      }).length;
    const minEnd = startedAt + job.scenario.minRunMs;
    while ((fastFinal() < fastExpected || Date.now() < minEnd) && Date.now() < deadline) await sleep(20);
    await feeding;
    const endedAt = Date.now();
    const timedOut = fastFinal() < fastExpected;
    if (timedOut)
      notes.push(`timed out after ${job.timeoutMs} ms with ${fastFinal()}/${fastExpected} fast tasks final`);

    const tasks = await runtime.deps.store.listTasks({ limit: fastExpected + job.slowValues.length + 10 });
    const groups = {} as Record<Group, GroupResult>;
    for (const g of GROUPS) {
      const mine = tasks.filter((t) => groupOf(t.credentialId) === g);
      const done = mine.flatMap((t) => {
        const f = finished.get(t.id);
        return f ? [f] : [];
      });
      const latencyMs = done.flatMap((f) => {
        const s = f.credentialId ? sent.get(f.credentialId) : undefined;
        return s === undefined ? [] : [f.at - s];
      });
      groups[g] = {
        tasks: mine.length,
        final: done.length,
        revoked: done.filter((f) => f.revoked).length,
        claims: claims.get(g) ?? 0,
        doneMs:
          done.length === mine.length && mine.length > 0
            ? Math.max(...done.map((f) => f.at)) - startedAt
            : null,
        latencyMs,
      };
    }
    return { startedAt, endedAt, timedOut, groups, notes };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
