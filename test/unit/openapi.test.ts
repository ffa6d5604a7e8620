/**
 * The OpenAPI document (src/http/openapi.ts) covers exactly the routes the service registers: a
 * route added without documenting it fails here. The app is built with stub operations: nothing is
 * called, only routes are registered.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { buildApp } from '../../src/http/app.js';
import { DOCUMENTED, openApiDocument } from '../../src/http/openapi.js';
import type { Operations } from '../../src/ops/port.js';
import { captureLogger } from '../support/runtime.js';

it('every registered route is documented, and every documented route exists', async () => {
  const registered: string[] = [];
  const app = buildApp({
    ops: {} as Operations,
    logger: captureLogger().logger,
    bodyLimitBytes: 1024,
    adminToken: 'x',
    health: async () => ({ connected: true, member: true, lag: {} }),
    metrics: new Registry(),
    console: true,
    onRoute: (method, url) => {
      // fastify adds HEAD for every GET itself. The console (/console) is HTML pages for people,
      // with sessions and forms, not part of the API contract.
      if (method !== 'HEAD' && !url.startsWith('/console'))
        registered.push(`${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
    },
  });
  await app.ready();
  await app.close();
  assert.deepEqual([...registered].sort(), [...DOCUMENTED].sort());
});

it('is OpenAPI 3.1 with a schema for every success answer that has a body', () => {
  const doc = openApiDocument('0.0.0-test') as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
  assert.equal(ops.length, DOCUMENTED.length);
  for (const op of ops) assert.ok(Object.keys(op.responses).some((s) => s.startsWith('2')));
});
