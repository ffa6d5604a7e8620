/**
 * Fuzz targets (issue 12, `npm run fuzz`): fast-check properties run with a configurable number of
 * inputs. Invariants: bad input never throws anything but a typed error, never puts a planted secret
 * into an error or a rejection, and the local log reader never throws, never returns offsets out of
 * order, and reports damage exactly when the file holds some.
 *
 * `npm test` runs each target briefly (test/unit/fuzz-smoke.test.ts); `npm run fuzz -- --runs N`
 * runs them long.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { classifyToken } from '../../handlers/classify/index.js';
import { NormalizeResult } from '../../schemas/sources/result.js';
import { Trigger } from '../../schemas/trigger.js';
import { TopicLog } from '../../src/bus/local-log.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { handleInputMessage, SOURCE_HEADER } from '../../src/pipeline/input-topic.js';
import { captureLogger, testConfig } from '../support/runtime.js';
import { fingerprinter } from '../../src/crypto/fingerprint.js';
import { sealer } from '../../src/crypto/seal.js';
import { isTourniquetError } from '../../src/errors.js';
import { acceptInput } from '../../src/pipeline/intake.js';
import { SOURCE_CASES } from '../unit/sources/cases.js';
import { assertSecretsConfined } from '../unit/sources/fixtures.js';

export interface FuzzTarget {
  name: string;
  run(runs: number, seed?: number): Promise<void>;
}

const PLANTED = `PLANTED${randomBytes(12).toString('hex')}`;

const intakeDeps = {
  fingerprint: fingerprinter(randomBytes(32)),
  sealer: sealer(randomBytes(32)),
  classify: classifyToken,
  clock: () => new Date('2026-12-01T00:00:00Z'),
};

const params = (runs: number, seed?: number) => ({ numRuns: runs, ...(seed === undefined ? {} : { seed }) });

/** Any JSON-ish value, with the planted secret somewhere likely (tokens, ids, evidence). */
const triggerish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      kind: fc.constantFrom('leak', 'offboarding', 'decommission', 'other', 7),
      source: fc.oneof(fc.string({ maxLength: 120 }), fc.constant(PLANTED)),
      id: fc.oneof(fc.string({ maxLength: 220 }), fc.constant(PLANTED)),
      occurredAt: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      subject: fc.oneof(
        fc.record(
          {
            token: fc.oneof(fc.constant(PLANTED), fc.string({ maxLength: 5000 })),
            providerKeyId: fc.oneof(fc.constant(PLANTED), fc.string()),
            credentialId: fc.string(),
            person: fc.oneof(fc.constant(`${PLANTED}\u0000`), fc.string({ unit: 'binary', maxLength: 220 })),
            aliases: fc.array(fc.string(), { maxLength: 60 }),
            workload: fc.string({ unit: 'binary', maxLength: 320 }),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      evidence: fc.dictionary(fc.string({ maxLength: 120 }), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: ['kind'] },
  ),
);

const triggerSchema: FuzzTarget = {
  name: 'trigger-schema',
  async run(runs, seed) {
    fc.assert(
      fc.property(triggerish, (raw) => {
        let t: Trigger;
        try {
          t = acceptInput(raw, intakeDeps);
        } catch (e) {
          assert.ok(isTourniquetError(e), `a bad trigger throws a typed error, not ${String(e)}`);
          assert.equal(e.code, 'INVALID_INPUT');
          const said = `${e.message} ${JSON.stringify(e.details ?? null)}`;
          assert.ok(!said.includes(PLANTED), 'the error never quotes the input');
          return;
        }
        assert.ok(Trigger.safeParse(t).success, 'an accepted trigger is canonical');
        // The raw token never travels: only its fingerprint and sealed envelope.
        if (t.kind === 'leak') assert.ok(!('token' in t.subject), 'no raw token in a trigger');
      }),
      params(runs, seed),
    );
  },
};

const sources: FuzzTarget = {
  name: 'source-normalisers',
  async run(runs, seed) {
    // `runs` inputs for each normaliser: each is a target of its own.
    for (const c of SOURCE_CASES) {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }),
            fc.string({ maxLength: 300 }),
            fc.uint8Array({ maxLength: 300 }),
            fc.constant(c.planted(PLANTED)),
            fc.jsonValue({ maxDepth: 2 }).map((v) => ({ ...(c.planted(PLANTED) as object), noise: v })),
          ),
          (input) => {
            const result = c.normalize(input);
            assert.ok(NormalizeResult.safeParse(result).success, `${c.name}: NormalizeResult contract`);
            assertSecretsConfined(result, [PLANTED]);
          },
        ),
        params(runs, seed),
      );
    }
  },
};

/** One line of a segment file: a valid entry (maybe out of order), garbage, or a blank line. */
type Line = { kind: 'entry'; skip: number } | { kind: 'garbage'; text: string } | { kind: 'blank' };
const lineArb: fc.Arbitrary<Line> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('entry' as const), skip: fc.constantFrom(0, 0, 0, 1, -1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      // Never an entry: '#' starts no JSON, and the constants parse but are not entries.
      text: fc.oneof(
        fc.string({ maxLength: 80 }).map((t) => `#${t}`),
        fc.constant('{"offset":"1"}'),
        fc.constant('null'),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'blank' as const }) },
);

const localLog: FuzzTarget = {
  name: 'local-log-reader',
  async run(runs, seed) {
    const dir = await mkdtemp(join(tmpdir(), 'tq-fuzz-log-'));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(lineArb, { maxLength: 40 }),
          fc.string({ maxLength: 40 }),
          async (lines, tail) => {
            let next = 0;
            let damaged = false;
            const text: string[] = [];
            for (const l of lines) {
              if (l.kind === 'entry') {
                const offset = Math.max(0, next + l.skip);
                if (offset !== next) damaged = true;
                next = Math.max(next, offset + 1);
                text.push(JSON.stringify({ offset, key: 'k', value: 'v', headers: {}, ts: 1 }));
              } else if (l.kind === 'garbage') {
                damaged = true;
                text.push(l.text.replaceAll('\n', ' '));
              } else {
                damaged = true;
                text.push('');
              }
            }
            const topic = `t${randomBytes(4).toString('hex')}`;
            // A torn tail (no newline) is allowed and never damage.
            await writeFile(
              join(dir, `${topic}.jsonl`),
              text.map((t) => `${t}\n`).join('') + tail.replaceAll('\n', ' '),
            );
            const log = new TopicLog(dir, topic);
            await log.load();
            const entries = await log.readFrom(0, 10_000);
            for (let i = 1; i < entries.length; i++)
              assert.ok(entries[i]!.offset > entries[i - 1]!.offset, 'offsets in order');
            for (const e of entries) assert.ok(e.offset < log.end);
            assert.equal(
              log.damage.length > 0,
              damaged,
              `damage reported iff present: ${JSON.stringify(log.damage)}`,
            );
            await log.close();
          },
        ),
        params(runs, seed),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

const HOOK_SECRET = 'fuzz-webhook-secret';
const BEARER = 'fuzz-bearer-token';
const ADMIN = 'fuzz-admin-token';
const HOOKS = [
  'github.secret_scanning_alert',
  'trufflehog',
  'gitleaks',
  'sarif',
  'kingfisher',
  'detect-secrets',
  'hris',
  'okta',
  'ssf',
  'scim/Users/u1',
];

const requestArb = fc.record({
  method: fc.constantFrom('POST', 'POST', 'GET', 'PATCH', 'DELETE'),
  path: fc.oneof(
    fc.constantFrom(...HOOKS).map((h) => `/hooks/${h}`),
    fc.constantFrom('constructor', '__proto__', 'toString', 'bearer', '').map((h) => `/hooks/${h}`),
    fc
      .constantFrom(
        '/v1/triggers',
        '/v1/plan',
        '/v1/inventory',
        '/v1/audit',
        '/v1/tasks',
        '/v1/plans',
        '/v1/dlq',
      )
      .chain((p) =>
        fc
          .dictionary(
            fc.constantFrom('limit', 'trigger', 'status', 'x', '__proto__'),
            fc.string({ maxLength: 12 }),
            {
              maxKeys: 3,
            },
          )
          .map((q) => (Object.keys(q).length ? `${p}?${new URLSearchParams(q)}` : p)),
      ),
  ),
  body: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ maxLength: 300 }),
    fc.constant(JSON.stringify({ kind: 'leak', subject: { token: PLANTED } })),
    fc.constant(`{"DetectorName":"x","Raw":"${PLANTED}"`),
    fc.constant(
      JSON.stringify({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 7, message: { text: PLANTED } }] }],
      }),
    ),
  ),
  type: fc.constantFrom('application/json', 'text/plain', 'application/x-ndjson', 'application/octet-stream'),
  signed: fc.boolean(),
});

/** The HTTP intake and operator API over a real embedded runtime: bad input is never a 5xx. */
const httpIntake: FuzzTarget = {
  name: 'http-intake',
  async run(runs, seed) {
    const dir = await mkdtemp(join(tmpdir(), 'tq-fuzz-http-'));
    const { logger } = captureLogger('silent');
    const config = testConfig({
      dataDir: dir,
      logLevel: 'silent',
      intake: {
        'github.secret_scanning_alert': { webhookSecret: HOOK_SECRET },
        okta: { secret: HOOK_SECRET },
        bearer: {
          trufflehog: BEARER,
          gitleaks: BEARER,
          sarif: BEARER,
          kingfisher: BEARER,
          'detect-secrets': BEARER,
          hris: BEARER,
          scim: BEARER,
        },
      },
    });
    const runtime = await createRuntime(config, { logger });
    await runtime.startWorkers();
    const app = buildApp({
      ops: localOps(runtime.deps),
      intake: config.intake,
      logger,
      bodyLimitBytes: 64 * 1024,
      adminToken: ADMIN,
      health: () => runtime.health(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(requestArb, async (r) => {
          const headers: Record<string, string> = { 'content-type': r.type };
          if (r.signed) {
            headers.authorization = r.path.startsWith('/v1/')
              ? `Bearer ${ADMIN}`
              : r.path.startsWith('/hooks/okta')
                ? HOOK_SECRET
                : `Bearer ${BEARER}`;
            headers['x-hub-signature-256'] =
              `sha256=${createHmac('sha256', HOOK_SECRET).update(r.body).digest('hex')}`;
          }
          const res = await app.inject({
            method: r.method as 'POST',
            url: r.path,
            headers,
            ...(r.method === 'GET' ? {} : { payload: r.body }),
          });
          assert.ok(
            res.statusCode < 500,
            `${r.method} ${r.path} → ${res.statusCode}: ${res.body.slice(0, 300)}`,
          );
          assert.ok(!res.body.includes(PLANTED), `${r.path}: the answer never quotes a secret`);
        }),
        params(runs, seed),
      );
    } finally {
      await app.close();
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** Strings with what breaks stores and displays: U+0000, controls, lone surrogates, bidi overrides. */
const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('a\u0000b', '\u0000', 'x\ud800', 'r\u202eo', 'l\nb', '__proto__', 'constructor'),
);
const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * Input-topic messages straight into the handler over a real store: it must resolve for any
 * message (dead-lettering what is bad); a throw would be redelivered forever, stalling the topic.
 */
const inputTopic: FuzzTarget = {
  name: 'input-topic',
  async run(runs, seed) {
    const dir = await mkdtemp(join(tmpdir(), 'tq-fuzz-topic-'));
    const { logger } = captureLogger('silent');
    const runtime = await createRuntime(testConfig({ dataDir: dir, logLevel: 'silent' }), { logger });
    let offset = 0;
    const kinds = ['offboarding', 'leak', 'decommission'] as const;
    const body = fc.oneof(
      fc
        .constantFrom(...kinds)
        .chain((kind) =>
          fc
            .record(
              { source: nasty, subject: nastyJson, evidence: nastyJson, extra: nastyJson },
              { requiredKeys: [] },
            )
            .map((r) => ({ kind, ...r })),
        ),
      fc.record({
        kind: fc.constant('offboarding'),
        subject: fc.record({ person: nasty, aliases: fc.array(nasty, { maxLength: 3 }) }),
      }),
      nastyJson,
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...kinds),
          fc.oneof(
            body.map((v) => JSON.stringify(v) ?? 'null'),
            fc.string({ maxLength: 100 }),
          ),
          fc.option(
            fc.constantFrom(
              'trufflehog',
              'hris',
              'gitleaks',
              'sarif',
              'kingfisher',
              'okta',
              'nope',
              '__proto__',
            ),
          ),
          async (topic, value, source) => {
            await handleInputMessage(
              {
                topic,
                key: 'k',
                value,
                headers: source ? { [SOURCE_HEADER]: source } : {},
                partition: 0,
                offset: String(offset++),
                timestamp: Date.now(),
              },
              runtime.deps,
            );
          },
        ),
        params(runs, seed),
      );
    } finally {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export const TARGETS: readonly FuzzTarget[] = [triggerSchema, sources, localLog, httpIntake, inputTopic];
