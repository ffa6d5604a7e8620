/**
 * Only infrastructure failures retry in place (issue 12): with the store gone, a message is never
 * dead-lettered, and /readyz says not ready, naming the stall.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

test('a store that stops answering stalls the topic in place and makes /readyz 503', async () => {
  const dir = await tempDir();
  const { logger } = captureLogger();
  const runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger });
  await runtime.startWorkers();
  const app = buildApp({
    ops: localOps(runtime.deps),
    logger,
    bodyLimitBytes: 64 * 1024,
    adminToken: 'admin',
    health: () => runtime.health(),
  });
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);

  await runtime.deps.store.close();
  await runtime.deps.bus.publish('tasks', [{ key: 'c', value: JSON.stringify({ taskId: 't1' }) }]);
  const ready = await waitFor(
    'readyz to say not ready',
    () => app.inject({ method: 'GET', url: '/readyz' }),
    (r) => r.statusCode === 503,
    30_000,
  );
  assert.equal(ready.json().ready, false);
  assert.equal(ready.json().stalled.topic, 'tasks');
  const dead = await runtime.deps.bus.read!('dlq', 0, Number.MAX_SAFE_INTEGER);
  assert.equal(dead.length, 0, 'nothing is dead-lettered while the store is down');

  await app.close();
  await runtime.deps.bus.stop();
  await dir.remove();
});
