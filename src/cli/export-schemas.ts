/**
 * `npm run schemas`: JSON Schema for every canonical contract and the AsyncAPI 3.0 document of the
 * Kafka topics, generated from the zod schemas.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import * as schemas from '../../schemas/index.js';
import { asyncApiDocument } from '../contracts/asyncapi.js';
import { packageVersion } from '../util/version.js';

const EXPORTED = {
  trigger: schemas.Trigger,
  'trigger-input': schemas.TriggerInput,
  credential: schemas.Credential,
  'inventory-file': schemas.InventoryFile,
  task: schemas.Task,
  plan: schemas.Plan,
  'audit-record': schemas.AuditRecord,
  policy: schemas.Policy,
  config: schemas.Config,
} as const;

const outDir = process.argv[2] ?? join(import.meta.dirname, '../../schemas/json');
await mkdir(outDir, { recursive: true });
for (const [name, schema] of Object.entries(EXPORTED)) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  await writeFile(join(outDir, `${name}.schema.json`), JSON.stringify(json, null, 2) + '\n');
}
await writeFile(
  join(outDir, 'asyncapi.json'),
  JSON.stringify(asyncApiDocument(packageVersion()), null, 2) + '\n',
);
process.stdout.write(`wrote ${Object.keys(EXPORTED).length} JSON Schemas and asyncapi.json to ${outDir}\n`);
