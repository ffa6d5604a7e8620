/**
 * A local log that lost its tail (issue 12): before, a new offboarding was accepted and never
 * planned (lag 0). Now the start is refused with LOG_DAMAGED; `--accept-log-loss` starts, audits
 * what was skipped, and the new offboarding is planned.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTourniquetError } from '../../src/errors.js';
import { createRuntime } from '../../src/main.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const offboarding = (person: string) => ({
  key: person,
  value: JSON.stringify({ kind: 'offboarding', source: 'hr', subject: { person } }),
});

test('a truncated local log is detected at start; accepting the loss is audited and nothing new is lost', async () => {
  const dir = await tempDir();
  const config = testConfig({ dataDir: dir.path });
  const logger = captureLogger().logger;
  const first = await createRuntime(config, { logger });
  await first.startWorkers();
  await first.deps.bus.publish('offboarding', ['a@x', 'b@x', 'c@x'].map(offboarding));
  await first.idle();
  await first.stop();

  const file = join(dir.path, 'log', 'offboarding.jsonl');
  const kept = (await readFile(file, 'utf8')).split('\n').slice(0, 1);
  await writeFile(file, kept.join('\n') + '\n');

  const refused = await createRuntime(config, { logger });
  await assert.rejects(refused.startWorkers(), (e) => isTourniquetError(e) && e.code === 'LOG_DAMAGED');
  await refused.stop();

  const accepted = await createRuntime(config, { logger, acceptLogLoss: true });
  await accepted.startWorkers();
  const audit = await accepted.deps.store.listAudit({ limit: 1000 });
  const loss = audit.find((r) => r.type === 'log.loss_accepted');
  assert.ok(loss, 'the accepted loss is in the audit trail');
  assert.equal(loss.data.count, 1);
  await accepted.deps.bus.publish('offboarding', [offboarding('d@x')]);
  await waitFor(
    'the new offboarding to be planned',
    async () =>
      (await accepted.deps.store.listTriggers({})).filter(
        (t) => t.kind === 'offboarding' && t.subject.person === 'd@x',
      ),
    (ts) => ts.length === 1,
    30_000,
  );
  await accepted.stop();
  await dir.remove();
});
