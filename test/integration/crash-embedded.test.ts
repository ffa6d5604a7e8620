/**
 * Effectively-once on the embedded default: the service is SIGKILLed right after accepting a batch
 * of leak triggers, then restarted. Every trigger reaches a final state and the real OAuth server
 * receives exactly one revocation per credential (it counts them).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Task } from '../../schemas/plan.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { oauthProviderConfig, tempDir } from '../support/runtime.js';
import { startServiceProcess } from '../support/service-process.js';

const N = 150;
let oauth: OAuthServer;
let dir: Awaited<ReturnType<typeof tempDir>>;

before(async () => {
  oauth = await startOAuthServer();
  dir = await tempDir();
});
after(async () => {
  await oauth.close();
  await dir.remove();
});

it(`SIGKILL mid-run loses no trigger and never revokes twice (${N} leaks)`, async () => {
  // The provider acts at once but answers late: a kill lands after it revoked and before we heard,
  // the case where a naive retry would revoke twice.
  oauth.setRevocationResponseDelay(50);
  const tokens = await Promise.all(Array.from({ length: N }, () => oauth.mint('api:read')));
  const configFile = join(dir.path, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      providers: [
        { ...oauthProviderConfig(oauth), rateBudget: { perSecond: 500, burst: 500, concurrency: 32 } },
      ],
      retry: { leaseMs: 1500, schedulerIntervalMs: 200 },
    }),
  );
  const env = {
    TOURNIQUET_DATA_DIR: dir.path,
    TOURNIQUET_CONFIG: configFile,
    TOURNIQUET_HTTP_PORT: '0',
    TOURNIQUET_LOG_LEVEL: 'warn',
  };

  const first = await startServiceProcess(env, dir.path);
  const imported = await first.api(
    'POST',
    '/v1/inventory',
    tokens.map((t, i) => ({ id: `c${i}`, provider: 'oauth-main', kind: 'oauth.access_token', secret: t })),
  );
  assert.equal(imported.status, 200);
  const accepted = await first.api<{ accepted: { id: string }[] }>(
    'POST',
    '/v1/triggers',
    tokens.map((token) => ({ kind: 'leak', source: 'crash-test', subject: { token } })),
  );
  assert.equal(accepted.status, 202);
  // Let some of the work start, then kill without any chance to drain (calls are in flight: the
  // provider answers slowly).
  for (let i = 0; i < 400 && oauth.revocationCalls() < 10; i++) await new Promise((r) => setTimeout(r, 25));
  first.child.kill('SIGKILL');
  await first.exited;
  const callsAtCrash = oauth.revocationCalls();
  assert.ok(callsAtCrash < N, `the crash happened mid-run (${callsAtCrash} of ${N} revoked before it)`);

  const second = await startServiceProcess(env, dir.path);
  let tasks: Task[] = [];
  for (let i = 0; i < 600; i++) {
    tasks = (await second.api<{ tasks: Task[] }>('GET', '/v1/tasks')).body.tasks;
    if (tasks.length === N && tasks.every((t) => t.status === 'succeeded')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);

  assert.equal(tasks.length, N, 'every accepted trigger was planned');
  assert.deepEqual([...new Set(tasks.map((t) => t.status))], ['succeeded']);
  assert.equal(oauth.revocationCalls(), N, 'exactly one revocation call per credential');
  for (const t of tokens.slice(0, 5)) assert.equal(await oauth.introspect(t), false);
});
