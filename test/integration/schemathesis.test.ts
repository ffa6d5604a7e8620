/**
 * The running service, fuzzed from its own OpenAPI document (GET /openapi.json) by schemathesis
 * (infra/schemathesis): for every documented operation, generated valid and invalid requests get no
 * 5xx, only documented status codes and content types, and bodies that match their documented
 * schema. Deterministic generation, so a failure reproduces; schemathesis prints a curl line for it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { tempDir } from '../support/runtime.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { unavailable } from '../support/services.js';

const DEFAULT_BIN = join(import.meta.dirname, '../../.venv-schemathesis/bin/schemathesis');
const bin = process.env.SCHEMATHESIS_BIN ?? DEFAULT_BIN;

let dir: Awaited<ReturnType<typeof tempDir>>;
let service: ServiceProcess | undefined;

before(async () => {
  dir = await tempDir();
});
after(async () => {
  service?.child.kill('SIGTERM');
  if (service) await service.exited;
  await dir.remove();
});

it('schemathesis finds no 5xx and no answer that differs from /openapi.json', async (t) => {
  if (!existsSync(bin))
    return unavailable(t, 'schemathesis not installed (run infra/schemathesis/install.sh)');
  service = await startServiceProcess(
    { TOURNIQUET_DATA_DIR: dir.path, TOURNIQUET_HTTP_PORT: '0', TOURNIQUET_LOG_LEVEL: 'warn' },
    dir.path,
  );
  const run = spawnSync(
    bin,
    [
      '--no-color',
      'run',
      `${service.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${service.token}`,
      '--checks',
      'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--max-examples',
      '25',
      '--workers',
      '1',
      '--generation-deterministic',
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output.slice(-6000));
  assert.match(output, /API Operations:\s+Selected: (\d+)\/\1/, 'every documented operation was selected');
});
