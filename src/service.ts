/**
 * `tourniquet start`: the runtime, its workers and the HTTP API. In embedded mode it advertises
 * itself in `<dataDir>/server.json` (url, pid, token; mode 0600) so that other CLI invocations talk
 * to it instead of opening the data dir that this process owns.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../schemas/config.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createRuntime, type Runtime } from './main.js';
import { localOps } from './ops/local.js';
import { startSsfPoller } from './intake/ssf-poll.js';

export const SERVER_FILE = 'server.json';

export interface RunningService {
  runtime: Runtime;
  app: FastifyInstance;
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startService(
  config: Config,
  opts: { logger?: Logger; adminToken?: string; clock?: () => Date; acceptLogLoss?: boolean } = {},
): Promise<RunningService> {
  const runtime = await createRuntime(config, opts);
  const { logger } = runtime.deps;
  const adminToken =
    opts.adminToken ?? process.env.TOURNIQUET_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  const app = buildApp({
    ops: localOps(runtime.deps),
    intake: config.intake,
    logger,
    bodyLimitBytes: config.http.bodyLimitBytes,
    inventoryMaxBytes: config.http.inventoryMaxBytes,
    adminToken,
    health: () => runtime.health(),
    metrics: runtime.metrics,
    console: {
      // A breaker starts closed: a configured provider no task has called yet is shown closed.
      breakers: () => ({
        ...Object.fromEntries(config.providers.map((p) => [p.name, 'closed'])),
        ...runtime.deps.admission.states(),
      }),
    },
  });
  let url: string;
  try {
    await runtime.startWorkers();
    url = await app.listen({ host: config.http.host, port: config.http.port });
  } catch (e) {
    await app.close();
    await runtime.stop();
    throw e;
  }
  const poller = config.intake.ssf?.poll
    ? startSsfPoller(config.intake, localOps(runtime.deps), logger)
    : undefined;
  const serverFile = join(config.dataDir, SERVER_FILE);
  // Atomic: a CLI reading it meanwhile sees the old file or the whole new one, never half of it.
  const tmp = `${serverFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ url, pid: process.pid, token: adminToken }), { mode: 0o600 });
  await rename(tmp, serverFile);
  logger.info(
    { url, store: config.databaseUrl ? 'postgres' : 'pglite', bus: config.kafka ? 'kafka' : 'local' },
    'tourniquet started',
  );
  return {
    runtime,
    app,
    url,
    adminToken,
    async stop() {
      await rm(serverFile, { force: true });
      await poller?.stop();
      await app.close();
      await runtime.stop();
      logger.info('tourniquet stopped');
    },
  };
}
