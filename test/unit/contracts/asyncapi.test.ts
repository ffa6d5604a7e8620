/**
 * The AsyncAPI document (src/contracts/asyncapi.ts) is a valid AsyncAPI 3.0 document by the
 * AsyncAPI project's own parser, describes every topic tourniquet uses, and the messages tourniquet
 * really writes match the schemas it is generated from.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { DeadMessageRecord, TaskMessage } from '../../../schemas/messages.js';
import { asyncApiDocument } from '../../../src/contracts/asyncapi.js';
import { cloudEventHeaders } from '../../../src/bus/cloudevents.js';
import { CloudEventHeaders } from '../../../schemas/messages.js';
import { deadMessage } from '../../../src/pipeline/dead-messages.js';
import { taskMessage } from '../../../src/pipeline/dispatch.js';
import { sealer } from '../../../src/crypto/seal.js';

const doc = asyncApiDocument('0.0.0-test');

it('is valid AsyncAPI 3.0 by @asyncapi/parser: no error diagnostics', async () => {
  const diagnostics = await new Parser().validate(JSON.stringify(doc));
  const errors = diagnostics.filter((d) => d.severity === 0);
  assert.deepEqual(
    errors.map((d) => `${d.path.join('.')}: ${d.message}`),
    [],
  );
  const { document } = await new Parser().parse(JSON.stringify(doc));
  assert.ok(document, 'parsed');
  assert.deepEqual(
    document
      .channels()
      .all()
      .map((c) => c.address())
      .sort(),
    [
      'tourniquet.audit',
      'tourniquet.decommission',
      'tourniquet.dlq',
      'tourniquet.leak',
      'tourniquet.offboarding',
      'tourniquet.tasks',
    ],
  );
});

it('the parser rejects a broken document (the check can fail)', async () => {
  const broken = structuredClone(doc) as { operations: Record<string, { channel: unknown }> };
  broken.operations.sendTask!.channel = { $ref: '#/channels/nowhere' };
  const diagnostics = await new Parser().validate(JSON.stringify(broken));
  assert.ok(diagnostics.some((d) => d.severity === 0));
});

it('what tourniquet writes matches the schemas the document is generated from', () => {
  const task = taskMessage({ id: 'a'.repeat(32), credentialId: 'c1', provider: 'oauth-main' });
  TaskMessage.parse(JSON.parse(task.value));
  const seal = sealer(Buffer.alloc(32, 7));
  const dead = deadMessage(
    {
      id: 'd1',
      reason: 'bad',
      code: 'INVALID_INPUT',
      issues: [],
      source: { topic: 'leak' },
      headers: {},
      payload: '{',
    },
    { sealer: seal, clock: () => new Date('2026-12-01T00:00:00Z') },
  );
  DeadMessageRecord.strict().parse(JSON.parse(dead.value));
  CloudEventHeaders.parse(dead.headers);
  CloudEventHeaders.parse(
    cloudEventHeaders({
      id: '1',
      source: '/tourniquet/audit',
      type: 'io.tourniquet.audit.x',
      time: '2026-12-01T00:00:00Z',
    }),
  );
});
