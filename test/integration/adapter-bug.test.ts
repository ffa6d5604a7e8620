/**
 * An adapter bug (a TypeError thrown from execute) dead-letters the task with a message a person
 * can act on (which provider, which operation, what broke and where) and never with the secret:
 * the TypeError quotes the token (V8 quotes property keys) and carries it on a property, as an SDK
 * error carries its request body. The stack reaches the log, scrubbed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import type { PipelineDeps } from '../../src/pipeline/deps.js';
import { runTaskNow } from '../../src/pipeline/lanes.js';
import { acceptInput } from '../../src/pipeline/intake.js';
import { handleTrigger } from '../../src/pipeline/triggers.js';
import type { Provider, ProviderTask } from '../../src/providers/port.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { captureLogger, oauthProviderConfig, tempDir, testConfig } from '../support/runtime.js';

/** The real OAuth adapter with a bug in its execute: a lookup that misses, keyed by the token. */
function buggy(real: Provider): Provider {
  const sessions = new Map<string, Record<string, { id: string }>>();
  return {
    ...real,
    needsSecret: (t) => real.needsSecret(t),
    verify: (t, s) => real.verify(t, s),
    execute(task: ProviderTask) {
      const bySecret = sessions.get(task.credentialKind) as Record<string, { id: string }>;
      try {
        // TypeError: Cannot read properties of undefined (reading '<the token>')
        return Promise.resolve({ outcome: 'revoked' as const, details: { id: bySecret[task.secret!]!.id } });
      } catch (e) {
        Object.assign(e as object, { request: { body: `token=${task.secret}` } });
        throw e;
      }
    },
  };
}

describe('an adapter that throws a TypeError', () => {
  let server: OAuthServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const log = captureLogger();

  before(async () => {
    server = await startOAuthServer();
    dir = await tempDir();
    runtime = await createRuntime(
      testConfig({ dataDir: dir.path, providers: [oauthProviderConfig(server)] }),
      {
        logger: log.logger,
      },
    );
  });
  after(async () => {
    await runtime.stop();
    await server.close();
    await dir.remove();
  });

  it('dead-letters with an actionable message, and the secret is nowhere', async () => {
    const registry = runtime.deps.providers;
    const deps: PipelineDeps = {
      ...runtime.deps,
      providers: {
        ...registry,
        get: (n) => (n === 'oauth-main' ? buggy(registry.get(n)!) : registry.get(n)),
        names: () => registry.names(),
        capabilities: () => registry.capabilities(),
        close: () => registry.close(),
      },
    };
    const token = await server.mint();
    await localOps(deps).importInventory(
      [{ id: 'bug-1', provider: 'oauth-main', kind: 'oauth.access_token', secret: token }],
      'test',
    );
    const trigger = acceptInput({ kind: 'leak', source: 'test', subject: { token } }, deps);
    await handleTrigger(trigger, deps);
    const [planned] = await deps.store.listTasks({ triggerId: trigger.id });
    assert.ok(planned);

    const task = await runTaskNow(planned.id, deps);
    assert.equal(task?.status, 'dead_lettered', 'a bug is not retried');
    assert.equal(task?.lastError?.code, 'INTERNAL');
    assert.equal(task?.lastError?.retriable, false);
    const message = task?.lastError?.message ?? '';
    // Actionable: names the provider instance, the operation, the error class and the throw site.
    for (const part of ['oauth-main', 'execute', 'TypeError', 'adapter-bug.test.ts']) {
      assert.ok(message.includes(part), `the message names ${part}: ${message}`);
    }
    assert.notEqual(message, 'unexpected TypeError');

    // No secret: not in the dead letter, the task row, the trail or the log.
    const row = JSON.stringify(await deps.store.getTask(planned.id));
    const audit = JSON.stringify(await deps.store.listAudit({ triggerId: trigger.id }));
    for (const [where, text] of [
      ['the dead letter', message],
      ['the task row', row],
      ['the audit trail', audit],
      ['the log', log.text()],
    ] as const) {
      assert.ok(!text.includes(token), `no token in ${where}`);
    }
    // The scrubbed stack is logged, for the person who acts on it.
    const line = log
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg?: string; code?: string; err?: { stack?: string } })
      .find((l) => l.msg === 'provider call threw an unclassified error');
    assert.equal(line?.code, 'INTERNAL');
    assert.ok(line?.err?.stack?.includes('adapter-bug.test.ts'), 'the stack names the throw site');
  });
});
