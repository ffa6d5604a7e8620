/** The in-process admission adapter (the embedded default) against the conformance suite, on a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAdmission } from '../../src/pipeline/admission/memory.js';
import { openAdmission } from '../../src/store/admission-open.js';
import { admissionSuite } from './admission-suite.js';

admissionSuite({
  name: 'memory',
  open(_t, breaker) {
    let now = 1_000_000;
    const admission = new MemoryAdmission(breaker, () => now);
    return Promise.resolve({
      admission,
      exactClock: true,
      advance: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
    });
  },
});

describe('openAdmission', () => {
  it('is in-process when no DATABASE_URL is configured (PGlite: one process owns every worker)', async () => {
    const a = await openAdmission({}, { breaker: { failureThreshold: 1, openMs: 1000, maxOpenMs: 1000 } });
    assert.ok(a instanceof MemoryAdmission);
    // The breaker settings reach the adapter: one failure opens the circuit.
    const g = await a.tryAcquire('l', { perSecond: 1, burst: 1, concurrency: 1 }, 'w', 1000);
    assert.ok(g.ok);
    await a.record('l', 'retriable');
    assert.equal((await a.state('l')).breaker, 'open');
  });
});
