/**
 * The naive design, measured side by side with the pipeline: one event at a time, one provider
 * call at a time, through the same provider adapters (createOAuthProvider / createVaultProvider)
 * and the same FAKE provider. No store, no bus, no audit: revoke, then check until dead, then the
 * next event. On a retriable error it sleeps for Retry-After (or 1 s) and tries again.
 *
 * It stops at `timeoutMs` (a cap, so a full run stays finite); the report extrapolates its
 * completion time from the measured rate and says so.
 */
import type { ProviderTask, Provider } from '../src/providers/port.js';
import { createOAuthProvider } from '../src/providers/oauth.js';
import { createVaultProvider } from '../src/providers/vault.js';
import { isTourniquetError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { OAuthProviderConfig } from '../schemas/providers/oauth.js';
import { providerConfig } from './pipeline-runner.js';
import { sampleResources } from './resources.js';
import type { RevocationRecord, WorkerJob, WorkerResult } from './spec.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeProvider(job: WorkerJob): Provider {
  const logger = createLogger('info');
  const cfg = providerConfig(job.provider);
  if (cfg.type === 'vault') return createVaultProvider(cfg, { logger });
  return createOAuthProvider(OAuthProviderConfig.parse(cfg), { logger });
}

/** Retries retriable errors after Retry-After; counts the attempts it made. */
async function withRetry<T>(fn: () => Promise<T>, counter: { attempts: number }): Promise<T> {
  for (let n = 1; ; n++) {
    counter.attempts++;
    try {
      return await fn();
    } catch (e) {
      if (!isTourniquetError(e) || !e.retriable || n >= 10) throw e;
      await sleep(e.retryAfterMs ?? 1000);
    }
  }
}

export async function runBaseline(job: WorkerJob, prepare: () => Promise<void>): Promise<WorkerResult> {
  const provider = makeProvider(job);
  await prepare();
  const { scenario } = job;
  const kind = job.provider.type === 'vault' ? 'vault.token' : 'oauth.access_token';
  const rate = scenario.kind === 'steady' ? (scenario.ratePerSec ?? 1) : 0;
  const records: RevocationRecord[] = [];
  const notes: string[] = [];
  const sampler = sampleResources();
  const startedAt = Date.now();
  const capAt = startedAt + job.timeoutMs;
  let timedOut = false;

  for (let i = 0; i < job.values.length; i++) {
    if (Date.now() >= capAt) {
      timedOut = true;
      break;
    }
    // Burst and fan-out: every event is there at the start. Steady: event i arrives at i / rate.
    const arrival = rate > 0 ? startedAt + (i * 1000) / rate : startedAt;
    if (arrival > Date.now()) await sleep(arrival - Date.now());
    const value = job.values[i]!;
    const claimedAt = Date.now();
    const task: ProviderTask = {
      taskId: `baseline-${i}`,
      action: 'revoke',
      credentialKind: kind,
      credentialId: `c${i}`,
      ...(job.provider.type === 'vault' ? { providerId: value } : { secret: value }),
    };
    const counter = { attempts: 0 };
    const checks = { attempts: 0 };
    let outcome: string | null = null;
    let verifiedAt: number | null = null;
    let errorCode: string | null = null;
    try {
      outcome = (await withRetry(() => provider.execute(task, AbortSignal.timeout(10_000)), counter)).outcome;
      for (let check = 0; check < 20 && verifiedAt === null; check++) {
        const v = await withRetry(() => provider.verify(task, AbortSignal.timeout(10_000)), checks);
        if (v.liveness === 'dead') verifiedAt = Date.now();
        else await sleep(100);
      }
    } catch (e) {
      errorCode = isTourniquetError(e) ? e.code : 'INTERNAL';
    }
    records.push({
      i,
      receivedAt: arrival,
      verifiedAt,
      plannedAt: null,
      claimedAt,
      finishedAt: verifiedAt ?? Date.now(),
      status: verifiedAt !== null ? 'succeeded' : 'failed',
      outcome,
      attempts: counter.attempts,
      errorCode,
    });
  }
  const endedAt = Date.now();
  const resources = sampler.stop();
  if (timedOut)
    notes.push(`capped at ${job.timeoutMs} ms after ${records.length}/${job.values.length} events`);
  await provider.close?.();
  return {
    records,
    startedAt,
    endedAt,
    ingestMs: 0,
    setupMs: 0,
    resources,
    timedOut,
    budgetInUse: null,
    notes,
  };
}
