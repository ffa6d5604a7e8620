/**
 * One sync of the synthetic estate (bench/sync-estate.ts) in its own process, as `tourniquet
 * inventory sync` runs it: `createRuntime` on the data dir, then the operations' `syncInventory`
 * (src/discovery/run.ts: the instance's metered call, src/discovery/sync.ts), with the estate's
 * discoverer as the runtime's only one. Preloaded with bench/max-rss.ts by bench/sync-scale.ts,
 * which reads the process's own peak RSS. Prints one JSON line: the sync's counts, its wall time and
 * the audit records it appended.
 *
 * `--phase first` also stores the estate's people before the sync (owners link to them).
 */
import { parseArgs } from 'node:util';
import { Config } from '../schemas/config.js';
import type { Person } from '../schemas/credential.js';
import { createRuntime } from '../src/main.js';
import { localOps } from '../src/ops/local.js';
import { estateDiscoverer, estatePeople, SYNC_INSTANCE } from './sync-estate.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    credentials: { type: 'string' },
    phase: { type: 'string' },
  },
});
const n = Number(values.credentials);
const phase = values.phase;
if (
  !values['data-dir'] ||
  !Number.isInteger(n) ||
  n <= 0 ||
  !['first', 'same', 'churn'].includes(phase ?? '')
)
  throw new Error('usage: sync-worker --data-dir DIR --credentials N --phase first|same|churn');

const runtime = await createRuntime(Config.parse({ dataDir: values['data-dir'], logLevel: 'silent' }));
try {
  const store = runtime.deps.store;
  if (phase === 'first') {
    const page: Person[] = [];
    for (const p of estatePeople(n)) {
      page.push(p);
      if (page.length === 1000) await store.upsertPeople(page.splice(0));
    }
    await store.upsertPeople(page);
  }
  runtime.deps.discoverers = [estateDiscoverer(n, phase === 'churn' ? 'churn' : 'same')];
  const auditBefore = (await store.auditHead()).seq;
  const t0 = performance.now();
  const [report] = await localOps(runtime.deps).syncInventory({ provider: SYNC_INSTANCE }, 'bench');
  const seconds = (performance.now() - t0) / 1000;
  const auditRecords = (await store.auditHead()).seq - auditBefore;
  if (!report) throw new Error('the sync returned no report');
  const { diff: _d, unknownIdentities: _u, ...counts } = report;
  process.stdout.write(`${JSON.stringify({ ...counts, seconds, auditRecords })}\n`);
} finally {
  await runtime.stop();
}
