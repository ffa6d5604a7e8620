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
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
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
      return { brokers, canRestart: true, restart: () => restartBroker(process.env), topicPrefix };
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
