/**
 * Worker process entry (forked by bench/run.ts). Receives a list of jobs over IPC and runs them in
 * order; before each job's measured window it asks the orchestrator to prepare the FAKE provider.
 * A full run gives every job its own worker, so RSS and CPU belong to one scenario.
 */
import { runBaseline } from './baseline-runner.js';
import { runHol } from './hol-runner.js';
import type { HolJob } from './hol-spec.js';
import { initTemplate, runPipeline } from './pipeline-runner.js';
import type { FromWorker, ToWorker, WorkerJob } from './spec.js';

function send(msg: FromWorker): Promise<void> {
  const s = process.send?.bind(process);
  if (!s) throw new Error('bench/worker.ts must be started by bench/run.ts (no IPC channel)');
  return new Promise((resolve, reject) => s(msg, (e: Error | null) => (e ? reject(e) : resolve())));
}

const goes = new Map<number, () => void>();

function prepare(index: number): Promise<void> {
  const ready = new Promise<void>((resolve) => goes.set(index, resolve));
  return send({ type: 'prepare', index }).then(() => ready);
}

async function run(jobs: WorkerJob[]): Promise<void> {
  for (const [index, job] of jobs.entries()) {
    try {
      if (job.mode === 'template') {
        await initTemplate(job);
        await send({ type: 'result', index, result: emptyResult() });
        continue;
      }
      const result =
        job.mode === 'pipeline'
          ? await runPipeline(job, () => prepare(index))
          : await runBaseline(job, () => prepare(index));
      await send({ type: 'result', index, result });
    } catch (e) {
      await send({
        type: 'error',
        index,
        message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
      });
      process.exit(1);
    }
  }
  process.exit(0);
}

async function runHols(jobs: HolJob[]): Promise<void> {
  for (const [index, job] of jobs.entries()) {
    try {
      await send({ type: 'hol-result', index, result: await runHol(job, () => prepare(index)) });
    } catch (e) {
      await send({
        type: 'error',
        index,
        message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
      });
      process.exit(1);
    }
  }
  process.exit(0);
}

function emptyResult() {
  const resources = {
    peakRssMb: 0,
    peakHeapUsedMb: 0,
    rssAtStartMb: 0,
    rssAtEndMb: 0,
    cpuUserS: 0,
    cpuSystemS: 0,
  };
  return {
    records: [],
    startedAt: 0,
    endedAt: 0,
    ingestMs: 0,
    setupMs: 0,
    resources,
    timedOut: false,
    budgetInUse: null,
    notes: [],
  };
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'jobs') void run(m.jobs);
  else if (m.type === 'hol') void runHols(m.jobs);
  else goes.get(m.index)?.();
});
