/**
 * The PostgreSQL admission adapter: the conformance suite on a real server (a fresh database per
 * case, time on the database's clock), then two worker processes sharing one lane, counted at the
 * HTTP server they call rather than from the adapters' own bookkeeping.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import type { LaneLimits } from '../../src/pipeline/admission/port.js';
import { openAdmission } from '../../src/store/admission-open.js';
import { freshDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { admissionSuite } from './admission-suite.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

admissionSuite({
  name: 'postgres',
  async open(t, breaker) {
    const url = await freshDatabase(t);
    if (!url) return null;
    const admission = await openAdmission({ databaseUrl: url }, { breaker, poolSize: 10 });
    t.after(() => admission.close?.());
    // A few ms past the horizon: the next statement must read the clock after it.
    return { admission, exactClock: false, advance: (ms) => sleep(ms + 5) };
  },
});

/** Counts calls where they arrive: when, from whom, how many at once; can hold every response. */
class CountingServer {
  readonly arrivals: { at: number; holder: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly inFlightOf = new Map<string, number>();
  /** Answers not sent yet, by holder: their calls stay in flight until `answerAll`. */
  readonly held = new Map<string, (() => void)[]>();
  private served = 0;
  private server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const holder = String(req.headers['x-holder'] ?? '?');
      this.arrivals.push({ at: performance.now(), holder });
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      this.inFlightOf.set(holder, (this.inFlightOf.get(holder) ?? 0) + 1);
      // 'close' fires once, when the answer went out or the caller went away (a killed worker).
      res.on('close', () => {
        this.inFlight--;
        this.inFlightOf.set(holder, (this.inFlightOf.get(holder) ?? 1) - 1);
      });
      // Every other call is slow, so that calls pile up against the concurrency limit too.
      const answer = () => setTimeout(() => res.end('ok'), this.served++ % 2 ? 300 : 30);
      const held = this.held.get(holder);
      if (held) held.push(answer);
      else answer();
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/call`;
  }

  /** Holds every answer to `holder` from now on. */
  hold(holder: string) {
    if (!this.held.has(holder)) this.held.set(holder, []);
  }

  answerAll() {
    const held = [...this.held.values()].flat();
    this.held.clear();
    for (const answer of held) answer();
  }

  /** The most calls that arrived within any window [t, t + ms). */
  busiestWindow(ms: number): number {
    const at = this.arrivals.map((a) => a.at).sort((x, y) => x - y);
    let best = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (j < at.length && at[j]! < at[i]! + ms) j++;
      best = Math.max(best, j - i);
    }
    return best;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function startWorker(
  t: TestContext,
  env: Record<string, string | undefined>,
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'admission-worker.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve({ child, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`worker ${env.NAME} exited ${code}: ${stderr}`)));
  });
}

describe('shared admission: postgres, two worker processes', () => {
  it('holds one budget and one concurrency limit across processes; a killed worker’s slots come back', async (t) => {
    const url = await freshDatabase(t);
    if (!url) return;
    // Migrate once here, so the workers' own (idempotent) migrations find nothing to do.
    await (await openAdmission({ databaseUrl: url })).close?.();
    const server = new CountingServer();
    const target = await server.listen();
    t.after(() => server.close());
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    t.after(() => db.end());
    const slotsOf = async (holder: string) =>
      Number(
        (
          await db.query<{ n: string }>('SELECT count(*) AS n FROM admission_slots WHERE holder = $1', [
            holder,
          ])
        ).rows[0]!.n,
      );

    const limits: LaneLimits = { perSecond: 4, burst: 4, concurrency: 3 };
    const holdMs = 3000;
    const env = (name: string) => ({
      DATABASE_URL: url,
      LANE: 'provider-x',
      LIMITS: JSON.stringify(limits),
      HOLD_MS: String(holdMs),
      TARGET: target,
      NAME: name,
      LOOPS: '4',
    });
    const [a, b] = await Promise.all([startWorker(t, env('a')), startWorker(t, env('b'))]);

    // Both hammer the lane for a while.
    await waitFor(
      'calls from both workers',
      async () => server.arrivals,
      (xs) => {
        const n = (h: string) => xs.filter((x) => x.holder === h).length;
        return n('a') >= 5 && n('b') >= 5;
      },
    );
    await sleep(2000);

    // Kill a while it holds a slot: one of its calls is held at the server, unanswered.
    server.hold('a');
    await waitFor(
      'a call of a held',
      async () => server.held.get('a')?.length ?? 0,
      (n) => n > 0,
      30_000,
      5,
    );
    // From now on b's answers are held too, so that its calls pile up to what the limit lets it have.
    server.hold('b');
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const killedAt = server.arrivals.length;
    assert.ok((await slotsOf('a')) >= 1, 'the dead worker’s slots are still held');

    // While a's dead slots are held, b cannot have them: b's calls in flight (read first; with its
    // answers held they only grow) plus a's slots (read second; they only shrink) never exceed the
    // limit. b reaches the full concurrency only once a's slots expired and were taken back.
    const samples: { b: number; a: number }[] = [];
    await waitFor(
      'b holding every slot',
      async () => {
        const inFlightB = server.inFlightOf.get('b') ?? 0;
        const sample = { b: inFlightB, a: await slotsOf('a') };
        samples.push(sample);
        return sample;
      },
      (x) => x.b === 3,
      60_000,
      20,
    );
    for (const x of samples) assert.ok(x.a + x.b <= limits.concurrency, JSON.stringify(x));
    assert.ok(
      samples.some((x) => x.a >= 1 && x.b === limits.concurrency - x.a),
      'b was held to the slots a left free',
    );
    assert.equal(await slotsOf('a'), 0, 'a’s slots were taken back');
    assert.equal(await slotsOf('b'), 3);
    // b's held calls outlast holdMs: its renewals keep them, so no fourth call gets in meanwhile.
    await sleep(holdMs + 500);
    assert.equal(server.inFlightOf.get('b'), 3);
    server.answerAll();
    await waitFor(
      'b going on after the kill',
      async () => server.arrivals.length - killedAt,
      (n) => n >= 12,
    );
    b.child.kill('SIGKILL');

    const windowLimit = limits.burst + limits.perSecond;
    const busiest = server.busiestWindow(1000);
    assert.ok(busiest <= windowLimit, `at most ${windowLimit} calls in any second, saw ${busiest}`);
    assert.ok(
      busiest >= limits.perSecond,
      `the workers pushed against the budget (busiest second: ${busiest})`,
    );
    t.diagnostic(
      `calls ${server.arrivals.length}, busiest second ${busiest}, most at once ${server.maxInFlight}`,
    );
    assert.ok(server.maxInFlight <= limits.concurrency, `at most 3 at once, saw ${server.maxInFlight}`);
    assert.equal(a.stderr().includes('call failed'), false, a.stderr());
    assert.equal(b.stderr().includes('call failed'), false, b.stderr());
  });
});

describe('control: the same two workers with per-process admission', () => {
  it('spend the budget twice, and the counting server sees it', async (t) => {
    const server = new CountingServer();
    const target = await server.listen();
    t.after(() => server.close());
    const limits: LaneLimits = { perSecond: 4, burst: 4, concurrency: 3 };
    const env = (name: string) => ({
      ADAPTER: 'memory',
      DATABASE_URL: 'unused',
      LANE: 'provider-x',
      LIMITS: JSON.stringify(limits),
      HOLD_MS: '3000',
      TARGET: target,
      NAME: name,
      LOOPS: '4',
    });
    const workers = await Promise.all([startWorker(t, env('a')), startWorker(t, env('b'))]);
    await waitFor(
      '30 calls',
      async () => server.arrivals.length,
      (n) => n >= 30,
    );
    for (const w of workers) w.child.kill('SIGKILL');
    const busiest = server.busiestWindow(1000);
    t.diagnostic(
      `calls ${server.arrivals.length}, busiest second ${busiest}, most at once ${server.maxInFlight}`,
    );
    assert.ok(
      busiest > limits.burst + limits.perSecond || server.maxInFlight > limits.concurrency,
      `per-process budgets stay within one budget? busiest ${busiest}, at once ${server.maxInFlight}`,
    );
  });
});
