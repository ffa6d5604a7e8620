/**
 * The console's live stream (GET /console/events) over a real socket: it reports new audit records,
 * ends when its session expires, and a server shutdown does not wait for an open stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

const ADMIN = 'console-events-admin-token';

describe('console event stream', () => {
  let runtime: Runtime;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    dir = await tempDir();
    runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger });
    await runtime.startWorkers();
  });
  after(async () => {
    await runtime.stop();
    await dir.remove();
  });

  async function serve(idleMs: number) {
    const app = buildApp({
      ops: localOps(runtime.deps),
      logger: captureLogger().logger,
      bodyLimitBytes: 64 * 1024,
      adminToken: ADMIN,
      health: () => runtime.deps.bus.health(),
      console: { idleMs },
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const login = await fetch(`${url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: new URLSearchParams({ token: ADMIN }),
    });
    assert.equal(login.status, 303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const events = await fetch(`${url}/console/events?after=0`, { headers: { cookie } });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(events.headers.get('content-security-policy')?.includes("default-src 'none'"));
    return { app, url, cookie, body: events.body! };
  }

  /** Reads the stream to its end, returning what it carried. */
  async function drain(body: ReadableStream<Uint8Array>): Promise<string> {
    let text = '';
    for await (const chunk of body) text += Buffer.from(chunk).toString();
    return text;
  }

  it('reports audit records by position and ends when the session expires', async () => {
    await localOps(runtime.deps).ingest([{ kind: 'offboarding', subject: { person: 'eve@example.com' } }]);
    // Idle for 1.5 s (no page request touches it): the stream's own polling does not keep it alive.
    const { app, url, cookie, body } = await serve(1500);
    try {
      const text = await drain(body);
      assert.match(text, /^id: \d+$/m);
      assert.match(text, /event: audit/);
      const page = await fetch(`${url}/console`, { headers: { cookie }, redirect: 'manual' });
      assert.equal(page.status, 303, 'the session is gone too');
    } finally {
      await app.close();
    }
  });

  it('a shutdown ends open streams instead of waiting for them', async () => {
    const { app, body } = await serve(3_600_000);
    const ended = drain(body);
    await app.close();
    await ended;
  });
});
