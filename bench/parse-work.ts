/**
 * Parse work per request (issue 12): how long one ~1 MB authenticated body with very many tiny
 * items holds the event loop, per intake route. Run: `npx tsx bench/parse-work.ts`. A measurement
 * to read, not a test: numbers depend on the machine.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Config } from '../schemas/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createRuntime } from '../src/main.js';
import { localOps } from '../src/ops/local.js';
import { tempDir } from '../test/support/runtime.js';

const MB = 1_000_000;
const items = (item: string, sep = ',', n?: number) =>
  Array.from({ length: n ?? Math.floor(MB / (item.length + sep.length)) }, () => item);

const cases: { name: string; url: string; type: string; body: string }[] = [
  {
    name: 'triggers: [{}…]',
    url: '/v1/triggers',
    type: 'application/json',
    body: `[${items('{}').join(',')}]`,
  },
  {
    name: 'triggers: jsonl {}',
    url: '/v1/triggers',
    type: 'application/x-ndjson',
    body: items('{}', '\n').join('\n'),
  },
  { name: 'plan: [{}…]', url: '/v1/plan', type: 'application/json', body: `[${items('{}').join(',')}]` },
  {
    name: 'inventory: credentials [{}…]',
    url: '/v1/inventory',
    type: 'application/json',
    body: `{"credentials":[${items('{}').join(',')}]}`,
  },
  {
    name: 'inventory: [0…]',
    url: '/v1/inventory',
    type: 'application/json',
    body: `[${items('0').join(',')}]`,
  },
  {
    name: 'gitleaks: [{}…]',
    url: '/v1/sources/gitleaks/events',
    type: 'application/octet-stream',
    body: `[${items('{}').join(',')}]`,
  },
  {
    name: 'trufflehog: jsonl {}',
    url: '/v1/sources/trufflehog/events',
    type: 'application/octet-stream',
    body: items('{}', '\n').join('\n'),
  },
  {
    name: 'hris: [{}…]',
    url: '/v1/sources/hris/events',
    type: 'application/octet-stream',
    body: `[${items('{}').join(',')}]`,
  },
  // At the caps (10,000 records or documents): the most work one accepted-size request can ask.
  {
    name: 'triggers: 9,999 {} (cap)',
    url: '/v1/triggers',
    type: 'application/json',
    body: `[${items('{}', ',', 9_999).join(',')}]`,
  },
  {
    name: 'inventory: 9,999 {} (cap)',
    url: '/v1/inventory',
    type: 'application/json',
    body: `{"credentials":[${items('{}', ',', 9_999).join(',')}]}`,
  },
  {
    name: 'gitleaks: 9,999 {} (cap)',
    url: '/v1/sources/gitleaks/events',
    type: 'application/octet-stream',
    body: `[${items('{}', ',', 9_999).join(',')}]`,
  },
  {
    name: 'trufflehog: 9,999 {} (cap)',
    url: '/v1/sources/trufflehog/events',
    type: 'application/octet-stream',
    body: items('{}', '\n', 9_999).join('\n'),
  },
];

const dir = await tempDir('tq-parse-');
const logger = createLogger('silent');
const runtime = await createRuntime(Config.parse({ dataDir: dir.path, logLevel: 'silent' }), { logger });
await runtime.startWorkers();
const app = buildApp({
  ops: localOps(runtime.deps),
  logger,
  bodyLimitBytes: 2 * MB,
  adminToken: 'bench',
  health: () => runtime.health(),
});
for (const c of cases) {
  // The longest stretch the event loop was blocked while this request ran.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: c.url,
    headers: { authorization: 'Bearer bench', 'content-type': c.type },
    payload: c.body,
  });
  const total = performance.now() - t0;
  // Let the histogram sample once more after the request, then read it.
  await new Promise((r) => setTimeout(r, 20));
  delay.disable();
  const worst = delay.max / 1e6;
  console.log(
    `${c.name.padEnd(32)} ${String(c.body.length).padStart(8)} B  HTTP ${res.statusCode}  ` +
      `${total.toFixed(0).padStart(6)} ms total, event loop blocked up to ${worst.toFixed(0)} ms`,
  );
}
await app.close();
await runtime.stop();
await dir.remove();
