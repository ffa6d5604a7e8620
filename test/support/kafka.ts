/**
 * A real Kafka broker for integration tests.
 *
 * - `KAFKA_BROKERS` set: that cluster is used as is. restart() works only for a broker of
 *   infra/kafka/start.sh whose KAFKA_HOME_DIR and ports are in the environment (as in CI).
 * - Otherwise, with Java and Maven on the PATH: one single-node KRaft broker per test process,
 *   started with infra/kafka/start.sh on a free port pair in a temp dir, stopped at process exit.
 * - Otherwise the test is `unavailable` (skips locally, fails in CI).
 *
 * Every call returns a fresh `topicPrefix`, so tests never share topics or consumer groups.
 * busSetup() adds, for KafkaBus tests: the six topics, an admin client, and buses whose logs are
 * recorded.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  createTopics,
  KafkaBus,
  waitForBroker,
  type BusLogger,
  type KafkaBusOptions,
} from '../../src/bus/kafka.js';
import type { Topic } from '../../src/bus/port.js';
import { unavailable } from './services.js';

const INFRA = resolve(dirname(fileURLToPath(import.meta.url)), '../../infra/kafka');

export interface KafkaTestEnv {
  brokers: string[];
  /** False for an external cluster (KAFKA_BROKERS): restart() then throws. */
  canRestart: boolean;
  /** Stops the broker and starts it again on the same ports, keeping its data. */
  restart(): Promise<void>;
  /** Unique per getKafka() call; prefix topic and group names with it. */
  topicPrefix: string;
}

interface LocalBroker {
  brokers: string[];
  env: NodeJS.ProcessEnv;
}

let local: Promise<LocalBroker> | undefined;
let restarting: Promise<void> = Promise.resolve();
let prefixCounter = 0;

/** Returns the broker to use, or undefined after marking the test unavailable. */
export async function getKafka(t: TestContext): Promise<KafkaTestEnv | undefined> {
  const topicPrefix = `tq${process.pid}-${++prefixCounter}-${randomBytes(3).toString('hex')}`;
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    const brokers = external.split(',').map((b) => b.trim());
    const home = process.env.KAFKA_HOME_DIR;
    // A broker of infra/kafka/start.sh (CI): its home dir and ports are in the environment.
    if (home && existsSync(join(home, 'kafka.pid'))) {
      return { brokers, canRestart: true, restart: () => restartBroker(brokerEnv(home)), topicPrefix };
    }
    return {
      brokers,
      canRestart: false,
      restart: () =>
        Promise.reject(new Error('KAFKA_BROKERS is an external cluster; it cannot be restarted')),
      topicPrefix,
    };
  }
  if (!hasCommand('java', ['-version']) || !hasCommand('mvn', ['-v'])) {
    unavailable(t, 'no Java: Kafka broker cannot run here');
    return undefined;
  }
  local ??= startLocal();
  const broker = await local;
  return { brokers: broker.brokers, canRestart: true, restart: () => restartBroker(broker.env), topicPrefix };
}

/**
 * The environment that restarts the broker of `home` on its own ports. start.sh falls back to the
 * default ports when KAFKA_PORT / KAFKA_CONTROLLER_PORT are unset, which would restart the broker
 * on another port (or collide with someone else's broker there): the ports it runs on are read
 * from the server.properties that start.sh wrote into its home dir.
 */
function brokerEnv(home: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const props = join(home, 'server.properties');
  if (env.KAFKA_PORT && env.KAFKA_CONTROLLER_PORT) return env;
  if (!existsSync(props)) return env;
  const listeners = /^listeners=(.*)$/m.exec(readFileSync(props, 'utf8'))?.[1] ?? '';
  const port = (name: string) => new RegExp(`${name}://[^,]*:(\\d+)`).exec(listeners)?.[1];
  env.KAFKA_PORT ??= port('PLAINTEXT');
  env.KAFKA_CONTROLLER_PORT ??= port('CONTROLLER');
  return env;
}

export interface LogLine {
  level: string;
  line: string;
}

export interface BusTestContext {
  k: KafkaTestEnv;
  /** Logical → real topic names, created with `partitions` partitions. */
  topics: Record<Topic, string>;
  /** A plain kafkajs admin, disconnected after the test. */
  admin: Admin;
  /** Everything every bus of this context logged. */
  logs: LogLine[];
  group(name: string): string;
  /** A KafkaBus on these topics with short test timings, stopped after the test. */
  bus(extra?: Partial<KafkaBusOptions>): KafkaBus;
}

/** Topics, admin and bus factory for one test; undefined when no broker (test marked unavailable). */
export async function busSetup(t: TestContext, partitions: number): Promise<BusTestContext | undefined> {
  const k = await getKafka(t);
  if (!k) return undefined;
  await waitForBroker(k.brokers, 60_000);
  const topics = kafkaTopics(k.topicPrefix);
  await createTopics({ brokers: k.brokers }, topics, partitions, { replicationFactor: 1 });
  const admin = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const logs: LogLine[] = [];
  const record =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void =>
      void logs.push({ level, line: `${msg} ${JSON.stringify(obj)}` });
  const logger: BusLogger = {
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  };
  return {
    k,
    topics,
    admin,
    logs,
    group: (name) => `${k.topicPrefix}.${name}`,
    bus: (extra = {}) => {
      const bus = new KafkaBus({
        brokers: k.brokers,
        clientId: 'kafka-bus-test',
        topics,
        partitions,
        logger,
        handlerRetry: { initialMs: 100, maxMs: 1_000 },
        restartBackoff: { initialMs: 500, maxMs: 3_000 },
        consumer: { sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 },
        ...extra,
      });
      t.after(() => bus.stop());
      return bus;
    },
  };
}

/** stop.sh, then start.sh with KEEP_DATA=1; one restart at a time. */
function restartBroker(env: NodeJS.ProcessEnv): Promise<void> {
  restarting = restarting.then(async () => {
    await runScript('stop.sh', env);
    await runScript('start.sh', { ...env, KEEP_DATA: '1' });
  });
  return restarting;
}

/** The six real topic names for a prefix. */
export function kafkaTopics(prefix: string): Record<Topic, string> {
  const names: Topic[] = ['leak', 'offboarding', 'decommission', 'tasks', 'dlq', 'audit'];
  return Object.fromEntries(names.map((n) => [n, `${prefix}.${n}`])) as Record<Topic, string>;
}

async function startLocal(): Promise<LocalBroker> {
  const [port, controllerPort] = await freePorts(2);
  const home = mkdtempSync(join(tmpdir(), 'tourniquet-kafka-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_HOME_DIR: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
  };
  // Registered before starting, so a start that times out still cleans up what it left.
  process.once('exit', () => {
    spawnSync(join(INFRA, 'stop.sh'), { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  });
  // A signal would skip 'exit' handlers and orphan the broker; exit properly instead.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  await runScript('start.sh', env);
  return { brokers: [`127.0.0.1:${port}`], env };
}

function runScript(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(join(INFRA, name), [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`infra/kafka/${name} exited with ${code}:\n${output}`)),
    );
  });
}

function hasCommand(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Ports the OS just handed out; a tiny race remains until the broker binds them. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => done(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}
