/** The in-process admission adapter (the embedded default) against the conformance suite, on a fake clock. */
import { MemoryAdmission } from '../../src/pipeline/admission/memory.js';
import { admissionSuite } from './admission-suite.js';

admissionSuite({
  name: 'memory',
  open(_t, breaker) {
    let now = 1_000_000;
    const admission = new MemoryAdmission({ breaker, now: () => now });
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
