/**
 * The conformance suite of the shared admission port (src/pipeline/admission/port.ts): every
 * adapter passes the same cases. The in-process adapter runs on a fake clock, so its horizons are
 * checked exactly; PostgreSQL keeps time on the database's clock, so there time really passes
 * (`advance` sleeps) and horizons are checked as bounds that only a correct state machine meets
 * (for example, after a failed trial the probe is further away than the first open period).
 * Horizons are read where the port gives them relative to now: a refusal's `retryInMs`.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type {
  BreakerSettings,
  Grant,
  LaneLimits,
  SharedAdmission,
} from '../../src/pipeline/admission/port.js';

export interface AdmissionUnderTest {
  admission: SharedAdmission;
  /** Lets `ms` pass on the adapter's clock. */
  advance(ms: number): Promise<void>;
  /** The clock moves only in `advance`: horizons can be compared for equality. */
  exactClock: boolean;
}

export interface AdmissionHarness {
  name: string;
  /** A fresh adapter (empty state); null after marking the test unavailable. */
  open(t: TestContext, breaker: BreakerSettings): Promise<AdmissionUnderTest | null>;
}

const BREAKER: BreakerSettings = { failureThreshold: 3, openMs: 400, maxOpenMs: 1200 };
const WIDE: LaneLimits = { perSecond: 1000, burst: 1000, concurrency: 100 };
const HOLD = 60_000;

function granted(g: Grant): { slot: string; trial: boolean } {
  assert.ok(g.ok, `expected a grant, got ${JSON.stringify(g)}`);
  return g;
}

function denied(g: Grant, reason: string): number {
  assert.ok(!g.ok, `expected a refusal (${reason}), got a grant`);
  assert.equal(g.reason, reason);
  assert.ok(g.retryInMs > 0, `a refusal names a positive horizon: ${g.retryInMs}`);
  return g.retryInMs;
}

/** Exactly `expected` on a fake clock; on a real one in (lower, expected]: time only shrinks it. */
function horizon(u: AdmissionUnderTest, actual: number | null, expected: number, lower = 0) {
  assert.ok(actual !== null, 'a horizon');
  if (u.exactClock) assert.equal(actual, expected);
  else assert.ok(actual > lower && actual <= expected, `${actual} in (${lower}, ${expected}]`);
}

async function fail(a: SharedAdmission, lane: string, times: number) {
  for (let i = 0; i < times; i++) {
    const g = granted(await a.tryAcquire(lane, WIDE, 'w1', HOLD));
    await a.record(lane, 'retriable');
    await a.release(lane, g.slot);
  }
}

export function admissionSuite(h: AdmissionHarness): void {
  describe(`shared admission: ${h.name}`, () => {
    const open = (t: TestContext, breaker = BREAKER) => h.open(t, breaker);
    /** How long until the circuit may be probed, as a refusal tells it. */
    const openFor = async (a: SharedAdmission, lane: string) =>
      denied(await a.tryAcquire(lane, WIDE, 'prober', HOLD), 'circuit_open');

    it('spends the burst, then grants at perSecond; the bucket never holds more than the burst', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const lim: LaneLimits = { perSecond: 2, burst: 3, concurrency: 100 };
      for (let i = 0; i < 3; i++) granted(await a.tryAcquire('l', lim, 'w1', HOLD));
      const wait = denied(await a.tryAcquire('l', lim, 'w2', HOLD), 'rate_budget');
      horizon(u, wait, 500);
      await u.advance(wait);
      granted(await a.tryAcquire('l', lim, 'w2', HOLD));
      denied(await a.tryAcquire('l', lim, 'w1', HOLD), 'rate_budget');
      // Two seconds refill four tokens' worth; the bucket keeps three.
      await u.advance(2000);
      for (let i = 0; i < 3; i++) granted(await a.tryAcquire('l', lim, 'w1', HOLD));
      denied(await a.tryAcquire('l', lim, 'w1', HOLD), 'rate_budget');
    });

    it('limits concurrency across holders; a refusal for concurrency takes no token', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const wide = { ...WIDE, concurrency: 2 };
      const x = granted(await a.tryAcquire('c', wide, 'w1', HOLD));
      granted(await a.tryAcquire('c', wide, 'w2', HOLD));
      denied(await a.tryAcquire('c', wide, 'w3', HOLD), 'concurrency');
      await a.release('c', x.slot);
      granted(await a.tryAcquire('c', wide, 'w3', HOLD));

      // One token, one slot: the refused second caller must leave the refilled token alone.
      const lim: LaneLimits = { perSecond: 0.5, burst: 1, concurrency: 1 };
      const y = granted(await a.tryAcquire('c2', lim, 'w1', HOLD));
      await u.advance(2000);
      denied(await a.tryAcquire('c2', lim, 'w2', HOLD), 'concurrency');
      await a.release('c2', y.slot);
      granted(await a.tryAcquire('c2', lim, 'w2', HOLD));
    });

    it('takes back a slot its holder neither renewed nor released; a renewed slot stays held', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const lim = { ...WIDE, concurrency: 1 };
      const dead = granted(await a.tryAcquire('r', lim, 'dead-worker', 1500));
      denied(await a.tryAcquire('r', lim, 'w2', HOLD), 'concurrency');
      await u.advance(1500);
      const next = granted(await a.tryAcquire('r', lim, 'w2', 1500));
      assert.equal(await a.renew('r', dead.slot, 1500), false, 'an expired slot cannot be renewed');

      await u.advance(1000);
      assert.equal(await a.renew('r', next.slot, 1500), true);
      await u.advance(1000); // past its first hold, inside the renewed one
      denied(await a.tryAcquire('r', lim, 'w3', HOLD), 'concurrency');
      await a.release('r', next.slot);
      granted(await a.tryAcquire('r', lim, 'w3', HOLD));
    });

    it('pauses the whole lane after a Retry-After, for every holder, and does not count it as an outage', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const x = granted(await a.tryAcquire('p', WIDE, 'w1', HOLD));
      granted(await a.tryAcquire('p', WIDE, 'w2', HOLD));
      await a.record('p', 'retriable', 1000);
      await a.release('p', x.slot);
      assert.equal((await a.state('p')).breaker, 'closed', 'a rate limit is not an outage');
      horizon(u, denied(await a.tryAcquire('p', WIDE, 'w2', HOLD), 'rate_limited'), 1000);
      horizon(u, denied(await a.tryAcquire('p', WIDE, 'w3', HOLD), 'rate_limited'), 1000);
      // A shorter Retry-After later does not shorten the pause.
      await a.record('p', 'retriable', 10);
      horizon(u, denied(await a.tryAcquire('p', WIDE, 'w3', HOLD), 'rate_limited'), 1000, 10);
      await u.advance(1000);
      granted(await a.tryAcquire('p', WIDE, 'w3', HOLD));

      // More 429s with Retry-After than the failure threshold: still closed.
      for (let i = 0; i < BREAKER.failureThreshold + 1; i++) {
        const g = granted(await a.tryAcquire('p2', WIDE, 'w1', HOLD));
        await a.record('p2', 'retriable', 1);
        await a.release('p2', g.slot);
        await u.advance(1);
      }
      assert.equal((await a.state('p2')).breaker, 'closed');
    });

    it('opens after the threshold of consecutive retriable failures; an answer resets the count', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      await fail(a, 'b', 2);
      await a.record('b', 'permanent');
      await fail(a, 'b', 2);
      assert.equal((await a.state('b')).breaker, 'closed', 'two failures since the last answer');
      assert.equal((await a.state('b')).probeAtMs, null);
      await fail(a, 'b', 1);
      const s = await a.state('b');
      assert.equal(s.breaker, 'open');
      assert.ok(s.probeAtMs !== null, 'an open circuit names its probe time');
      horizon(u, await openFor(a, 'b'), BREAKER.openMs);
      assert.equal(a.states().b, 'open');
      // Another lane is not affected.
      granted(await a.tryAcquire('other', WIDE, 'w2', HOLD));
      assert.deepEqual(await a.state('other'), { breaker: 'closed', probeAtMs: null });
      assert.equal(a.states().other, 'closed');
    });

    it('gives exactly one half-open trial to many concurrent callers', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      await fail(a, 'h', BREAKER.failureThreshold);
      await u.advance(BREAKER.openMs);
      // Concurrent reads first: a pooled adapter opens its connections now, so the acquires below
      // really overlap instead of queueing behind connection setup.
      for (const s of await Promise.all(Array.from({ length: 8 }, () => a.state('h')))) {
        assert.equal(s.breaker, 'half_open');
      }
      // Several rounds: a race is caught by chance in one, almost surely in a few. Each round's
      // probe is released without a result, which leaves the circuit half-open for the next.
      for (let round = 0; round < 6; round++) {
        const grants = await Promise.all(
          Array.from({ length: 8 }, (_, i) => a.tryAcquire('h', WIDE, `w${i}`, HOLD)),
        );
        const trials = grants.filter((g) => g.ok);
        assert.equal(trials.length, 1, `round ${round}: ${JSON.stringify(grants)}`);
        const probe = trials[0]!;
        assert.ok(probe.ok && probe.trial);
        for (const g of grants) if (!g.ok) assert.equal(g.reason, 'circuit_open');
        await a.release('h', probe.slot);
      }
      assert.equal((await a.state('h')).breaker, 'half_open');
    });

    it('a probe whose holder died, or that was released without a result, is given back untried', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      await fail(a, 'g', BREAKER.failureThreshold);
      await u.advance(BREAKER.openMs);
      assert.equal(granted(await a.tryAcquire('g', WIDE, 'dead-worker', 300)).trial, true);
      denied(await a.tryAcquire('g', WIDE, 'w2', HOLD), 'circuit_open');
      await u.advance(300);
      const second = granted(await a.tryAcquire('g', WIDE, 'w2', HOLD));
      assert.equal(second.trial, true);
      await a.release('g', second.slot);
      assert.equal((await a.state('g')).breaker, 'half_open');
      assert.equal(granted(await a.tryAcquire('g', WIDE, 'w3', HOLD)).trial, true);
    });

    it('doubles the open period per failed probe up to maxOpenMs; a success closes and resets it', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      await fail(a, 'd', BREAKER.failureThreshold);
      await u.advance(BREAKER.openMs);
      const t1 = granted(await a.tryAcquire('d', WIDE, 'w1', HOLD));
      assert.equal(t1.trial, true);
      await a.record('d', 'retriable');
      await a.release('d', t1.slot);
      assert.equal((await a.state('d')).breaker, 'open');
      horizon(u, await openFor(a, 'd'), 800, BREAKER.openMs);
      await u.advance(800);
      const t2 = granted(await a.tryAcquire('d', WIDE, 'w1', HOLD));
      assert.equal(t2.trial, true);
      await a.record('d', 'retriable');
      horizon(u, await openFor(a, 'd'), BREAKER.maxOpenMs, 800); // 1600, capped at 1200
      await a.release('d', t2.slot);
      await u.advance(BREAKER.maxOpenMs);
      const t3 = granted(await a.tryAcquire('d', WIDE, 'w2', HOLD));
      assert.equal(t3.trial, true);
      await a.record('d', 'success');
      assert.deepEqual(await a.state('d'), { breaker: 'closed', probeAtMs: null });
      await a.release('d', t3.slot);
      assert.equal(granted(await a.tryAcquire('d', WIDE, 'w2', HOLD)).trial, false);
      // Reset: the next outage opens for the first period again.
      await fail(a, 'd', BREAKER.failureThreshold);
      horizon(u, await openFor(a, 'd'), BREAKER.openMs);
    });

    it('a successful probe closes the circuit while its slot stays held', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const lim = { ...WIDE, concurrency: 1 };
      await fail(a, 'k', BREAKER.failureThreshold);
      await u.advance(BREAKER.openMs);
      const probe = granted(await a.tryAcquire('k', lim, 'w1', HOLD));
      assert.equal(probe.trial, true);
      await a.record('k', 'success');
      assert.equal((await a.state('k')).breaker, 'closed');
      denied(await a.tryAcquire('k', lim, 'w2', HOLD), 'concurrency');
      await a.release('k', probe.slot);
      assert.equal(granted(await a.tryAcquire('k', lim, 'w2', HOLD)).trial, false);
    });

    it('charge takes a token inside a held slot now, into debt; the next acquire waits for it', async (t) => {
      const u = await open(t);
      if (!u) return;
      const a = u.admission;
      const lim: LaneLimits = { perSecond: 2, burst: 1, concurrency: 10 };
      granted(await a.tryAcquire('$', lim, 'w1', HOLD)); // 0 tokens
      await a.charge('$', lim); // -1
      await a.charge('$', lim); // -2: every call is paid for
      // Three tokens' worth of refill (1.5 s) before the next grant.
      horizon(u, denied(await a.tryAcquire('$', lim, 'w2', HOLD), 'rate_budget'), 1500, 1000);
      await u.advance(1500);
      granted(await a.tryAcquire('$', lim, 'w2', HOLD));
    });
  });
}
