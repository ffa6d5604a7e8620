/**
 * Fencing (issue 11): every attempt writes under the lease generation its claim returned. Two
 * workers share one store (PGlite, and a real PostgreSQL server with two runtimes); the provider is
 * a real OAuth server (oidc-provider) that counts the revocations it receives.
 *
 * - A stale attempt (its lease expired and another worker recovered the task) cannot overwrite the
 *   new owner's outcome: its finish is refused, logged and audited as `task.attempt_fenced`.
 * - An attempt whose verification window outlasts its lease keeps the lease (renewed, fenced): a
 *   second worker handed the same task meanwhile does not execute it.
 */
import type { Task } from '../../schemas/plan.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { runTaskNow } from '../../src/pipeline/lanes.js';
import { acceptInput } from '../../src/pipeline/intake.js';
import { handleTrigger } from '../../src/pipeline/triggers.js';
import { MemoryAdmission } from '../../src/pipeline/admission/memory.js';
import type { PipelineDeps } from '../../src/pipeline/deps.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { freshDatabase } from '../support/postgres.js';
import {
  captureLogger,
  oauthProviderConfig,
  tempDir,
  testConfig,
  type CapturedLogger,
} from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const key32 = () => randomBytes(32).toString('base64');

interface Workers {
  a: Runtime;
  /** A second worker on the same store: its own process state (admission), and a clock of its own. */
  b(clock?: () => Date): Promise<PipelineDeps>;
  logA: CapturedLogger;
}

const servers: OAuthServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function oauth(): Promise<OAuthServer> {
  const s = await startOAuthServer();
  servers.push(s);
  return s;
}

const backends: {
  name: string;
  open(t: TestContext, server: OAuthServer, leaseMs: number): Promise<Workers | null>;
}[] = [
  {
    name: 'pglite',
    async open(t, server, leaseMs) {
      const dir = await tempDir();
      const logA = captureLogger();
      const a = await createRuntime(config(server, leaseMs, { dataDir: dir.path }), { logger: logA.logger });
      t.after(async () => {
        await a.stop();
        await dir.remove();
      });
      // One process owns an embedded data dir: the second worker shares its store.
      return { a, logA, b: (clock) => Promise.resolve(second(a.deps, clock)) };
    },
  },
  {
    name: 'postgres',
    async open(t, server, leaseMs) {
      const url = await freshDatabase(t);
      if (!url) return null;
      const dir = await tempDir();
      const keys = { fingerprint: key32(), seal: key32(), audit: key32(), anchor: key32() };
      const cfg = (name: string) =>
        config(server, leaseMs, { dataDir: join(dir.path, name), databaseUrl: url, keys });
      const logA = captureLogger();
      const a = await createRuntime(cfg('a'), { logger: logA.logger });
      const others: Runtime[] = [];
      t.after(async () => {
        await a.stop();
        for (const o of others) await o.stop();
        await dir.remove();
      });
      return {
        a,
        logA,
        // A second runtime: its own connection pool, admission and provider clients, as a second process.
        async b(clock) {
          const o = await createRuntime(cfg('b'), {
            logger: captureLogger().logger,
            ...(clock ? { clock } : {}),
          });
          others.push(o);
          return o.deps;
        },
      };
    },
  },
];

function config(server: OAuthServer, leaseMs: number, extra: Record<string, unknown>) {
  return testConfig({
    ...extra,
    providers: [oauthProviderConfig(server)],
    retry: { leaseMs, baseMs: 100, capMs: 300, maxAttempts: 10 },
  });
}

function second(deps: PipelineDeps, clock?: () => Date): PipelineDeps {
  return { ...deps, admission: new MemoryAdmission(), ...(clock ? { clock } : {}) };
}

/** A leaked token, planned as the trigger consumer would (no worker runs: the test drives them). */
async function leakedTask(w: Workers, server: OAuthServer, id: string) {
  const token = await server.mint();
  await localOps(w.a.deps).importInventory(
    [{ id, provider: 'oauth-main', kind: 'oauth.access_token', secret: token }],
    'test',
  );
  const trigger = acceptInput({ kind: 'leak', source: 'test', subject: { token } }, w.a.deps);
  await handleTrigger(trigger, w.a.deps);
  const [task] = await w.a.deps.store.listTasks({ triggerId: trigger.id });
  assert.ok(task, 'the leak planned a task');
  return { token, taskId: task.id };
}

for (const backend of backends) {
  describe(`fencing on ${backend.name}`, () => {
    it("a stale attempt's finish is refused: the new owner's outcome stands, and the refusal is audited", async (t) => {
      const server = await oauth();
      const w = await backend.open(t, server, 10_000);
      if (!w) return;
      const { taskId, token } = await leakedTask(w, server, 'stale-1');

      // Worker A's revocation reaches the server (the token dies), but A hears a 503 only later.
      server.failAfterRevoking(1, 503);
      server.setRevocationResponseDelay(2_000);
      const r0 = server.revocationCalls();
      const attemptA = runTaskNow(taskId, w.a.deps);
      await waitFor(
        'A reached the provider',
        () => Promise.resolve(server.revocationCalls()),
        (n) => n > r0,
        10_000,
        20,
      );
      server.setRevocationResponseDelay(0);

      // Meanwhile A looks dead to worker B (its clock is past A's lease): B recovers the task,
      // checks first, finds the token dead and records that.
      const b = await w.b(() => new Date(Date.now() + 30_000));
      const byB = await runTaskNow(taskId, b);
      assert.equal(byB?.status, 'succeeded');
      assert.equal(byB?.outcome, 'already_revoked');

      // A's failure (a retry it would schedule) must not overwrite B's outcome.
      assert.equal(await attemptA, null, 'the stale attempt stops');
      const row = (await w.a.deps.store.getTask(taskId))?.task;
      assert.equal(row?.status, 'succeeded');
      assert.equal(row?.outcome, 'already_revoked');
      assert.equal(row?.lastError, null, "A's failure was not recorded");
      assert.equal(row?.nextAttemptAt, null, 'no retry scheduled by the stale attempt');
      assert.equal(server.revocationCalls() - r0, 1, 'B did not revoke again');
      assert.equal(await server.introspect(token), false);

      const audit = await w.a.deps.store.listAudit({ taskId });
      const fenced = audit.filter((r) => r.type === 'task.attempt_fenced');
      assert.equal(fenced.length, 1);
      assert.equal(fenced[0]?.data.refused, 'finish');
      assert.equal(fenced[0]?.data.code, 'LEASE_LOST');
      assert.equal(fenced[0]?.data.attempt, 1, "A's attempt, not B's");
      assert.ok(!audit.some((r) => r.type === 'task.retry_scheduled'), 'nothing of A is in the trail');
      assert.match(w.logA.text(), /"code":"LEASE_LOST"/, 'the refusal is logged');
    });

    it('a verify window longer than the lease does not let a second worker execute the task', async (t) => {
      const server = await oauth();
      const leaseMs = 1_500;
      const w = await backend.open(t, server, leaseMs);
      if (!w) return;
      const { taskId, token } = await leakedTask(w, server, 'long-verify-1');
      // The proof checks are refused for a while (429, come back in 1 s): verification spans about
      // four seconds, well past the lease.
      server.failNextIntrospections(4, 429, '1');
      const r0 = server.revocationCalls();
      const startedAt = Date.now();
      const first = await runTaskNow(taskId, w.a.deps);
      // The check could not prove it dead yet: the task waits in the store for its next check,
      // holding no worker and no lease.
      assert.equal(first?.status, 'verifying');
      assert.ok(first?.nextAttemptAt, 'its next check is scheduled');
      assert.equal(first?.verify?.checks, 1);

      // Both workers get the task again and again (the scheduler's republish, redeliveries) until
      // it is final: each may check, and neither may execute again.
      const b = await w.b();
      let done: Task | null = first;
      for (let i = 0; done?.status !== 'succeeded' && i < 400; i++) {
        const byA = await runTaskNow(taskId, w.a.deps);
        const byB = await runTaskNow(taskId, b);
        done = byB ?? byA ?? (await w.a.deps.store.getTask(taskId))?.task ?? null;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(Date.now() - startedAt > leaseMs, 'the verification outlasted the lease');
      assert.equal(done?.status, 'succeeded');
      assert.ok(done?.verifiedAt, 'proven dead');
      assert.equal(done?.attempts, 1, 'checks are no attempts: one claim to act');
      assert.equal(server.revocationCalls() - r0, 1, 'one revocation');
      assert.equal(await server.introspect(token), false);
      const audit = await w.a.deps.store.listAudit({ taskId });
      assert.equal(audit.filter((r) => r.type === 'task.attempt').length, 1);
      assert.equal(audit.filter((r) => r.type === 'task.revoked').length, 1);
      assert.equal(audit.filter((r) => r.type === 'task.verified').length, 1);
      assert.ok(!audit.some((r) => r.type === 'task.attempt_fenced'));
    });
  });
}
