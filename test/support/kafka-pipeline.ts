/**
 * Pipeline-level Kafka tests: tourniquet runs as child processes (`bin/tourniquet.js start`) on a
 * real broker (test/support/kafka.ts) and a real PostgreSQL (test/support/postgres.ts), revoking at
 * the real OAuth server (test/support/oauth-server.ts). Each setup gets its own topics (a unique
 * prefix), consumer group, database and data dirs, so tests never see each other's data.
 *
 * The test side talks to the broker with kafkajs directly: it produces input messages as any
 * producer would and reads the audit and DLQ topics with a throwaway consumer group.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { FINAL_TASK_STATUSES } from '../../schemas/plan.js';
import type { Topic } from '../../src/bus/port.js';
import { createTopics, waitForBroker } from '../../src/bus/kafka.js';
import { getKafka, kafkaTopics, type KafkaTestEnv } from './kafka.js';
import { startOAuthServer, type OAuthServer } from './oauth-server.js';
import { freshDatabase } from './postgres.js';
import { oauthProviderConfig, tempDir } from './runtime.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

export interface PipelineOptions {
  /** Partitions of every topic (and consumer concurrency). Default 3. */
  partitions?: number;
  /** config `retry` overrides. */
  retry?: Record<string, number>;
  /** The OAuth provider's rate budget (shared by every process on PostgreSQL). */
  rateBudget?: { perSecond: number; burst: number; concurrency: number };
}

export interface Service extends ServiceProcess {
  name: string;
  /** Lines of the child's JSON log (stderr) whose `msg` equals this text. */
  logCount(msg: string): number;
  /** SIGTERM (drain) or SIGKILL; resolves with the exit code. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

export interface TopicRecord {
  /** Kafka headers as strings (the CloudEvents attributes among them). */
  headers: Record<string, string>;
  partition: number;
  offset: string;
  key: string;
  value: string;
  /** Parsed value, or undefined when it is not JSON. */
  json: unknown;
}

export interface PipelineCtx {
  k: KafkaTestEnv;
  topics: Record<Topic, string>;
  oauth: OAuthServer;
  dbUrl: string;
  /** Starts one service process with its own data dir. */
  start(name: string): Promise<Service>;
  /** Produces to a topic the way any producer would (acks = all). */
  produce(topic: Topic, messages: { key?: string; value: string | Buffer }[]): Promise<void>;
  /** Reads a topic from the beginning (own consumer group) until `done` holds or timeout. */
  collect(
    topic: Topic,
    done: (records: TopicRecord[]) => boolean,
    timeoutMs?: number,
  ): Promise<TopicRecord[]>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Task counts by status, from PostgreSQL. */
  taskStatuses(): Promise<Record<string, number>>;
  /** Mints `n` tokens at the OAuth server and imports them into the inventory through `svc`. */
  importTokens(svc: Service, n: number): Promise<string[]>;
}

/** A canonical leak trigger input, as a scanner would produce it. */
export function leakInput(token: string, source = 'kafka-test'): string {
  return JSON.stringify({ kind: 'leak', source, subject: { token } });
}

const key32 = () => randomBytes(32).toString('base64');

/** Everything a pipeline test needs, or undefined when Kafka or PostgreSQL is unavailable. */
export async function pipelineSetup(
  t: TestContext,
  opts: PipelineOptions = {},
): Promise<PipelineCtx | undefined> {
  const k = await getKafka(t);
  if (!k) return undefined;
  const dbUrl = await freshDatabase(t);
  if (!dbUrl) return undefined;
  await waitForBroker(k.brokers, 60_000);
  const partitions = opts.partitions ?? 3;
  const topics = kafkaTopics(k.topicPrefix);
  await createTopics({ brokers: k.brokers }, topics, partitions, { replicationFactor: 1 });

  const oauth = await startOAuthServer();
  const dir = await tempDir('tq-kafka-pipeline-');
  const services: Service[] = [];
  const kafka = new Kafka({ brokers: k.brokers, clientId: 'pipeline-test', logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  t.after(async () => {
    for (const s of services)
      if (s.child.exitCode === null && s.child.signalCode === null) await s.stop('SIGKILL');
    await producer?.disconnect();
    await pool.end();
    await oauth.close();
    await dir.remove();
  });

  const configFile = join(dir.path, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      kafka: {
        brokers: k.brokers,
        topics,
        groupId: `${k.topicPrefix}.group`,
        partitions,
        sessionTimeoutMs: 6_000,
      },
      // The default budget (20 calls/s, two calls a task) would make 1,000 tasks take 100 s.
      providers: [
        {
          ...oauthProviderConfig(oauth),
          rateBudget: opts.rateBudget ?? { perSecond: 500, burst: 100, concurrency: 16 },
        },
      ],
      retry: { leaseMs: 2_000, schedulerIntervalMs: 200, ...opts.retry },
    }),
  );
  const keys = {
    TOURNIQUET_FINGERPRINT_KEY: key32(),
    TOURNIQUET_SEAL_KEY: key32(),
    TOURNIQUET_AUDIT_KEY: key32(),
    TOURNIQUET_ANCHOR_KEY: key32(),
  };

  const ctx: PipelineCtx = {
    k,
    topics,
    oauth,
    dbUrl,
    async start(name) {
      const dataDir = join(dir.path, name);
      await mkdir(dataDir, { recursive: true });
      const svc = await startServiceProcess(
        {
          ...keys,
          TOURNIQUET_CONFIG: configFile,
          TOURNIQUET_DATA_DIR: dataDir,
          TOURNIQUET_HTTP_PORT: '0',
          TOURNIQUET_LOG_LEVEL: 'info',
          KAFKA_BROKERS: k.brokers.join(','),
          DATABASE_URL: dbUrl,
        },
        dataDir,
      );
      const counts = new Map<string, number>();
      let partial = '';
      svc.child.stderr!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const m = /"msg":"([^"]*)"/.exec(line);
          if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
        }
      });
      const service: Service = {
        ...svc,
        name,
        logCount: (msg) => counts.get(msg) ?? 0,
        async stop(signal = 'SIGTERM') {
          if (svc.child.exitCode === null && svc.child.signalCode === null) svc.child.kill(signal);
          return svc.exited;
        },
      };
      services.push(service);
      return service;
    },
    async produce(topic, messages) {
      if (!producer) {
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
      }
      // Batches keep one request under the broker's limit and the test fast.
      for (let i = 0; i < messages.length; i += 200) {
        await producer.send({
          topic: topics[topic],
          acks: -1,
          messages: messages.slice(i, i + 200).map((m, j) => ({ key: m.key ?? `k${i + j}`, value: m.value })),
        });
      }
    },
    async collect(topic, done, timeoutMs = 60_000) {
      const consumer = kafka.consumer({
        groupId: `${k.topicPrefix}.reader-${randomBytes(4).toString('hex')}`,
        maxWaitTimeInMs: 200,
        maxBytesPerPartition: 16 * 1024 * 1024,
      });
      const records: TopicRecord[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topics[topic]], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            const value = message.value?.toString('utf8') ?? '';
            let json: unknown;
            try {
              json = JSON.parse(value);
            } catch (e) {
              if (!(e instanceof SyntaxError)) throw e;
              json = undefined;
            }
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? '',
              value,
              json,
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([h, v]) => [
                  h,
                  String(Array.isArray(v) ? v[0] : v),
                ]),
              ),
            });
          },
        });
        const deadline = Date.now() + timeoutMs;
        while (!done(records)) {
          if (Date.now() > deadline) {
            throw new Error(`timed out reading ${topic}: ${records.length} records so far`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        return records;
      } finally {
        await consumer.disconnect();
      }
    },
    async query(sql, params = []) {
      return (await pool.query(sql, params)).rows;
    },
    async taskStatuses() {
      const rows = await ctx.query<{ status: string; n: string }>(
        'SELECT status, count(*) AS n FROM tasks GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async importTokens(svc, n) {
      const tokens: string[] = [];
      // oidc-provider on a small machine: a few dozen mints at a time.
      for (let i = 0; i < n; i += 50) {
        const batch = Math.min(50, n - i);
        tokens.push(...(await Promise.all(Array.from({ length: batch }, () => oauth.mint('api:read')))));
      }
      const res = await svc.api(
        'POST',
        '/v1/inventory',
        tokens.map((secret, i) => ({
          id: `c${i}`,
          provider: 'oauth-main',
          kind: 'oauth.access_token',
          secret,
        })),
      );
      if (res.status !== 200) throw new Error(`inventory import answered ${res.status}`);
      return tokens;
    },
  };
  return ctx;
}

/** Polls PostgreSQL until `n` tasks exist and all are in a final state, or times out. */
export async function waitForFinalTasks(
  ctx: PipelineCtx,
  n: number,
  timeoutMs: number,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await ctx.taskStatuses();
    const total = Object.values(s).reduce((a, b) => a + b, 0);
    const open = total - FINAL_TASK_STATUSES.reduce((a, st) => a + (s[st] ?? 0), 0);
    if (total >= n && open === 0) return s;
    if (Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}
