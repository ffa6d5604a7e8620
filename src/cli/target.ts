/**
 * Where a CLI command runs. PGlite belongs to one process: while `tourniquet start` runs (found via
 * `<dataDir>/server.json` with a live pid), commands go through its HTTP API. Otherwise the command
 * opens the runtime in-process (with PostgreSQL and Kafka several processes may do so at once).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../schemas/config.js';
import { createLogger } from '../logger.js';
import { createRuntime, type Runtime } from '../main.js';
import { localOps } from '../ops/local.js';
import type { Operations } from '../ops/port.js';
import { remoteOps } from '../ops/remote.js';
import { SERVER_FILE } from '../service.js';

export interface Target {
  ops: Operations;
  where: 'service' | 'local';
  runtime?: Runtime;
  close(): Promise<void>;
}

async function runningService(dataDir: string): Promise<{ url: string; token: string } | null> {
  let info: { url?: string; pid?: number; token?: string };
  try {
    info = JSON.parse(await readFile(join(dataDir, SERVER_FILE), 'utf8')) as typeof info;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (!info.url || !info.token || !info.pid) return null;
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { url: info.url, token: info.token };
}

export async function openTarget(config: Config): Promise<Target> {
  const svc = await runningService(config.dataDir);
  if (svc) return { ops: remoteOps(svc.url, svc.token), where: 'service', close: async () => undefined };
  // In a CLI run the command's own output is the report; log lines only for errors unless asked.
  const runtime = await createRuntime(config, {
    logger: createLogger(process.env.TOURNIQUET_CLI_LOG_LEVEL ?? 'error'),
  });
  return { ops: localOps(runtime.deps), where: 'local', runtime, close: () => runtime.stop() };
}

/**
 * When no service runs, the work a command queued (triggers, approved or replayed tasks) is done in
 * this process before the CLI exits; a running service does it itself.
 */
export async function processHere(t: Target): Promise<void> {
  if (!t.runtime) return;
  await t.runtime.startWorkers();
  await t.runtime.idle();
}
