/** Provider gate: rate budget, concurrency, provider-wide pause on 429, circuit breaker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderGate } from '../../../src/pipeline/gate.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProviderGate', () => {
  it('spends the burst, then defers by the time the next token needs', async () => {
    const c = clock();
    const g = new ProviderGate({ perSecond: 10, burst: 2, concurrency: 10 }, undefined, c.now);
    assert.equal((await g.acquire(0)).ok, true);
    assert.equal((await g.acquire(0)).ok, true);
    const third = await g.acquire(0);
    assert.equal(third.ok, false);
    assert.ok(!third.ok && third.reason === 'rate_budget' && third.deferMs === 100);
    c.advance(100);
    assert.equal((await g.acquire(0)).ok, true);
  });

  it('limits concurrency until a slot is released', async () => {
    const c = clock();
    const g = new ProviderGate({ perSecond: 1000, burst: 1000, concurrency: 1 }, undefined, c.now);
    const a = await g.acquire(0);
    const b = await g.acquire(0);
    assert.ok(a.ok && !b.ok && b.reason === 'concurrency');
    a.release('success');
    assert.equal((await g.acquire(0)).ok, true);
  });

  it('a 429 with Retry-After pauses the whole provider', async () => {
    const c = clock();
    const g = new ProviderGate({ perSecond: 1000, burst: 1000, concurrency: 10 }, undefined, c.now);
    const a = await g.acquire(0);
    assert.ok(a.ok);
    a.release('retriable', 2000);
    const b = await g.acquire(0);
    assert.ok(!b.ok && b.reason === 'rate_limited' && b.deferMs === 2000);
    c.advance(2000);
    assert.equal((await g.acquire(0)).ok, true);
    assert.equal(g.state, 'closed', 'a rate limit is not an outage');
  });

  it('opens the circuit after consecutive failures, allows one trial, closes on success', async () => {
    const c = clock();
    const g = new ProviderGate(
      { perSecond: 1000, burst: 1000, concurrency: 10 },
      { failureThreshold: 3, openMs: 1000, maxOpenMs: 8000 },
      c.now,
    );
    for (let i = 0; i < 3; i++) {
      const a = await g.acquire(0);
      assert.ok(a.ok);
      a.release('retriable');
    }
    assert.equal(g.state, 'open');
    const parked = await g.acquire(0);
    assert.ok(!parked.ok && parked.reason === 'circuit_open');
    c.advance(1000);
    assert.equal(g.state, 'half_open');
    const trial = await g.acquire(0);
    assert.ok(trial.ok);
    const second = await g.acquire(0);
    assert.ok(!second.ok && second.reason === 'circuit_open', 'only one trial at a time');
    trial.release('retriable');
    assert.equal(g.state, 'open', 'a failed trial reopens for longer');
    const parkedAgain = await g.acquire(0);
    assert.ok(!parkedAgain.ok && parkedAgain.deferMs === 2000);
    c.advance(2000);
    const trial2 = await g.acquire(0);
    assert.ok(trial2.ok);
    trial2.release('success');
    assert.equal(g.state, 'closed');
  });
});
