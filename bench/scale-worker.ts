/**
 * One of the scale-out scenario's worker processes (forked by bench/scale-out.ts): a tourniquet
 * runtime on Kafka + PostgreSQL in the shared consumer group, with the config the orchestrator
 * sends. Protocol: `start` → `ready`; `ingest` (accessors) → `ingested`; `stop` → exit. The
 * orchestrator SIGKILLs one of them mid-run.
 */
import { Config } from '../schemas/config.js';
import { createRuntime, type Runtime } from '../src/main.js';
import { localOps } from '../src/ops/local.js';

export type ToScaleWorker =
  | { type: 'start'; config: unknown; inventory?: unknown[] }
  | { type: 'ingest'; accessors: string[] }
  | { type: 'stop' };
export type FromScaleWorker =
  { type: 'ready' } | { type: 'ingested'; ms: number } | { type: 'error'; message: string };

let runtime: Runtime | undefined;
const send = (m: FromScaleWorker) => process.send?.(m);

async function handle(m: ToScaleWorker): Promise<void> {
  if (m.type === 'start') {
    runtime = await createRuntime(Config.parse(m.config));
    if (m.inventory) await localOps(runtime.deps).importInventory({ credentials: m.inventory }, 'bench');
    await runtime.startWorkers();
    send({ type: 'ready' });
  } else if (m.type === 'ingest') {
    if (!runtime) throw new Error('ingest before start');
    const t0 = Date.now();
    // One call per 500 triggers, as `tourniquet ingest` batches a file.
    const ops = localOps(runtime.deps);
    for (let i = 0; i < m.accessors.length; i += 500)
      await ops.ingest(
        m.accessors
          .slice(i, i + 500)
          .map((a) => ({ kind: 'leak' as const, source: 'bench', subject: { providerKeyId: a } })),
      );
    send({ type: 'ingested', ms: Date.now() - t0 });
  } else {
    await runtime?.stop();
    process.exit(0);
  }
}

process.on('message', (m: ToScaleWorker) => {
  handle(m).catch((e: unknown) => {
    send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exit(1);
  });
});
