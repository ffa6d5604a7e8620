/**
 * The HTTP API (fastify app factory, tested with inject()). Operator routes require a bearer token;
 * the CLI uses them to reach a running service instead of opening its data dir.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Operations } from '../ops/port.js';
import type { BusHealth } from '../bus/port.js';
import type { Stall } from '../pipeline/poison.js';
import { errorHandler } from './errors.js';
import { operatorApi } from './operator-api.js';
import { hooks } from './hooks.js';
import { openApiDocument } from './openapi.js';
import { packageVersion } from '../util/version.js';
import { IntakeConfig } from '../../schemas/intake.js';
import { consoleRoutes } from '../console/routes.js';

export interface AppOptions {
  ops: Operations;
  /** Webhook sources and how they authenticate; none configured = no webhook routes answer. */
  intake?: IntakeConfig;
  logger: Logger;
  bodyLimitBytes: number;
  /** A streamed inventory import's limit (config `http.inventoryMaxBytes`). */
  inventoryMaxBytes?: number;
  /** Bearer token for operator routes. */
  adminToken: string;
  /** `stalled`: a handler is retrying in place on an infrastructure failure (not ready). */
  health: () => Promise<BusHealth & { stalled?: Stall }>;
  /** Prometheus registry served at GET /metrics (unauthenticated, like /healthz); none = 404. */
  metrics?: Registry;
  /**
   * Serve the SOC console at /console (src/console/): on in the service, off unless asked for here.
   * `idleMs`: how long an unused console session lives; `breakers`: each provider lane's circuit
   * breaker in this process, for the console's health page.
   */
  console?: boolean | { idleMs?: number; breakers?: () => Record<string, string> };
  /** Told of every route as it is registered (the OpenAPI completeness test). */
  onRoute?: (method: string, url: string) => void;
}

export function buildApp(opts: AppOptions): FastifyInstance {
  // logger: false — requests are not logged by fastify (bodies and headers may hold secrets).
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimitBytes });
  app.setErrorHandler(errorHandler(opts.logger));
  const onRoute = opts.onRoute;
  if (onRoute)
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) onRoute(m, r.url);
    });
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/jsonl', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  app.get('/healthz', async () => ({ ok: true }));
  // The API's contract (no secret in it): unauthenticated like /healthz, built once.
  const openapi = JSON.stringify(openApiDocument(packageVersion()));
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json').send(openapi));
  app.get('/readyz', async (_req, reply) => {
    const h = await opts.health();
    const ready = h.connected && h.member && !h.stalled;
    return reply.status(ready ? 200 : 503).send({ ready, ...h });
  });
  const registry = opts.metrics;
  if (registry) {
    app.get('/metrics', async (_req, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }

  app.register(hooks, { intake: opts.intake ?? IntakeConfig.parse({}), ops: opts.ops });

  app.register(operatorApi, {
    ops: opts.ops,
    adminToken: opts.adminToken,
    ...(opts.inventoryMaxBytes ? { inventoryMaxBytes: opts.inventoryMaxBytes } : {}),
  });
  if (opts.console) {
    const { idleMs: idle, breakers } = typeof opts.console === 'object' ? opts.console : {};
    app.register(consoleRoutes, {
      prefix: '/console',
      ops: opts.ops,
      adminToken: opts.adminToken,
      logger: opts.logger,
      health: () => opts.health(),
      ...(idle ? { idleMs: idle } : {}),
      ...(breakers ? { breakers } : {}),
    });
  }
  return app;
}
