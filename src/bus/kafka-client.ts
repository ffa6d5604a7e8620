/**
 * Shared plumbing for the Kafka adapter: the kafkajs client factory (logs routed to our logger,
 * connection-level retry), error classification, and the jittered backoff used for handler retries
 * and consumer restarts.
 *
 * Two retry layers exist and each owns one thing: kafkajs retries *requests* (a broker connection
 * dropped, a leader moved); KafkaBus retries *handlers* and *consumer restarts*. Nothing retries a
 * handler inside kafkajs.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel, type ISocketFactory, type LogEntry, type RetryOptions } from 'kafkajs';
import { TourniquetError } from '../errors.js';
import { backoffMs } from '../util/backoff.js';

/** The pino subset the bus logs through. */
export interface BusLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
}

export interface KafkaConnection {
  brokers: readonly string[];
  clientId?: string;
  /** Without a logger kafkajs is silent. */
  logger?: BusLogger;
}

/**
 * Request-level retry for every client: about 15 s of attempts (300 ms doubling, capped at 5 s)
 * before an operation gives up, long enough to ride out a broker restart.
 */
export const CLIENT_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 6 };

/**
 * kafkajs log fields that may be forwarded. kafkajs attaches request payloads, offsets maps and
 * stack traces to some entries; only these scalar, value-free fields pass, so no message key,
 * value or header can reach a log through kafkajs.
 */
const SAFE_FIELDS = [
  'groupId',
  'memberId',
  'topic',
  'partition',
  'broker',
  'clientId',
  'nodeId',
  'retryCount',
  'retryTime',
  'generationId',
] as const;

function forwardKafkaLog(logger: BusLogger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const fields: Record<string, unknown> = { component: 'kafkajs', namespace };
      for (const k of SAFE_FIELDS) {
        const v: unknown = log[k];
        if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
      }
      // `error` is a message string in most entries and an Error object in a few; both are kafkajs'
      // own protocol/network errors (our handlers never throw into kafkajs).
      const err: unknown = log['error'];
      if (typeof err === 'string') fields['error'] = err;
      else if (err instanceof Error) fields['error'] = `${err.name}: ${err.message}`;
      const msg = `kafkajs: ${log.message}`;
      if (level === logLevel.ERROR) logger.error(fields, msg);
      else if (level === logLevel.WARN) logger.warn(fields, msg);
      else if (level === logLevel.INFO) logger.info(fields, msg);
      else logger.debug(fields, msg);
    };
}

/**
 * Records every socket a kafkajs client opens, so that stop() can close what kafkajs forgets.
 * kafkajs 2.2.4 leaks one: after a broker restart the pool drops the old coordinator, but the
 * consumer group keeps that object and reconnects it for heartbeats; `disconnect()` then never
 * closes the new socket, and the process cannot exit until the broker's idle timeout (10 min).
 * Same socket setup as kafkajs' default factory.
 */
export class SocketTracker {
  private readonly open = new Set<Socket>();

  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /**
   * Closes the sockets still open; returns how many there were. A graceful end() first: the broker
   * answers with FIN, and kafkajs' own 'end' handler then tears down its request queue timers
   * (a plain destroy() would leave those ticking). What does not close in time is destroyed with
   * an error, which kafkajs handles the same way.
   */
  async closeAll(graceMs = 1_000): Promise<number> {
    const sockets = [...this.open];
    if (sockets.length === 0) return 0;
    const closed = sockets.map((s) => new Promise((done) => s.once('close', done)));
    for (const s of sockets) s.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise((done) => {
        timer = setTimeout(done, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const s of this.open)
      s.destroy(new Error('kafka connection abandoned by its client; closed on stop'));
    this.open.clear();
    return sockets.length;
  }
}

/** A kafkajs client. WARN and ERROR go to the logger; INFO is lifecycle chatter, DEBUG dumps requests. */
export function createKafkaClient(
  conn: KafkaConnection,
  retry: RetryOptions = CLIENT_RETRY,
  sockets?: SocketTracker,
): Kafka {
  return new Kafka({
    brokers: [...conn.brokers],
    clientId: conn.clientId ?? 'tourniquet',
    retry,
    logLevel: conn.logger ? logLevel.WARN : logLevel.NOTHING,
    ...(conn.logger ? { logCreator: forwardKafkaLog(conn.logger) } : {}),
    ...(sockets ? { socketFactory: sockets.factory } : {}),
  });
}

interface KafkaLikeError {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** The innermost cause: kafkajs wraps the real failure in KafkaJSNumberOfRetriesExceeded. */
export function rootCause(e: unknown): unknown {
  let cur = e;
  for (let i = 0; i < 10; i++) {
    const next = (cur as KafkaLikeError | null)?.cause;
    if (next === undefined || next === null) break;
    cur = next;
  }
  return cur;
}

/** "KafkaJSProtocolError UNKNOWN_TOPIC_OR_PARTITION: ..." — kafkajs messages carry no message data. */
export function describeKafkaError(e: unknown): string {
  const root = rootCause(e) as KafkaLikeError | null;
  if (root === null || typeof root !== 'object') return String(root);
  const name = typeof root.name === 'string' ? root.name : 'Error';
  const type = typeof root.type === 'string' ? ` ${root.type}` : '';
  const message = typeof root.message === 'string' ? `: ${root.message}` : '';
  return `${name}${type}${message}`;
}

/** The protocol error type (e.g. UNKNOWN_TOPIC_OR_PARTITION) of the innermost cause, if any. */
export function kafkaErrorType(e: unknown): string | undefined {
  const type = (rootCause(e) as KafkaLikeError | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Whether trying again later can help. kafkajs nests retriers, and an inner "retries exceeded"
 * reaches the caller wrapped in a KafkaJSNonRetriableError — marked non-retriable only to stop the
 * outer retrier. So: exhausted retries anywhere in the chain mean the broker stayed away for a
 * while (transient); otherwise the innermost cause decides, as in kafkajs' own crash handling.
 */
export function kafkaRetriable(e: unknown): boolean {
  const chain: (KafkaLikeError | null)[] = [];
  let cur = e as KafkaLikeError | null;
  for (let i = 0; i < 10 && cur !== undefined; i++) {
    chain.push(cur);
    if (cur === null || typeof cur !== 'object' || cur.cause === undefined) break;
    cur = cur.cause as KafkaLikeError | null;
  }
  if (chain.some((x) => x?.name === 'KafkaJSNumberOfRetriesExceeded')) return true;
  const root = chain[chain.length - 1];
  // Programming errors never heal by waiting (kafkajs treats these as unrecoverable too).
  if (
    typeof root?.name === 'string' &&
    ['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'].includes(root.name)
  ) {
    return false;
  }
  return root?.retriable !== false;
}

/**
 * Whether a broker received the request and answered it with an error code (e.g.
 * NOT_LEADER_FOR_PARTITION, UNKNOWN_TOPIC_OR_PARTITION): the connection works, the request did not.
 * kafkajs builds such errors (KafkaJSProtocolError and its subclasses) only from a response, with
 * the numeric protocol code and its name; connection errors carry a string code (ECONNREFUSED) or
 * none, as do timeouts. (The class itself is not importable: ESM sees only part of kafkajs' CJS
 * exports.)
 */
export function brokerAnswered(e: unknown): boolean {
  const root = rootCause(e) as (KafkaLikeError & { code?: unknown }) | null;
  return typeof root?.type === 'string' && typeof root.code === 'number';
}

export function busUnavailable(what: string, e: unknown): TourniquetError {
  const hint =
    kafkaErrorType(e) === 'UNKNOWN_TOPIC_OR_PARTITION' ? ' (create topics: `tourniquet topics create`)' : '';
  return new TourniquetError('BUS_UNAVAILABLE', `${what}: ${describeKafkaError(e)}${hint}`, {
    retriable: kafkaRetriable(e),
    cause: e,
  });
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The one backoff (src/util/backoff.ts), jittered so retries never synchronise, with a floor of half
 * the first delay: a failing handler or a crashed consumer is never retried at once.
 */
export function jitteredDelay(attempt: number, { initialMs, maxMs }: Backoff): number {
  return backoffMs(attempt, { baseMs: initialMs, capMs: maxMs, minMs: initialMs / 2 });
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Rejects with BUS_UNAVAILABLE if `p` has not settled within `ms`; `p` keeps running but is observed. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TourniquetError('BUS_UNAVAILABLE', `${what}: no answer within ${ms} ms`, { retriable: true }),
        ),
      ms,
    );
  });
  // The loser of the race may reject later; that rejection is expected and already reported.
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
