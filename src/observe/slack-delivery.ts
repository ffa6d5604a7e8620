/**
 * Best-effort delivery of notification messages to Slack through @slack/web-api: a bounded
 * in-memory queue drained by one worker, so the pipeline only ever appends to an array.
 *
 * One retry layer, ours: SDK retries are off and rate-limited calls are rejected (the SDK would
 * otherwise pause and retry on its own). A 429 waits for its Retry-After (up to a cap); 5xx and
 * network errors back off with full jitter; Slack's `ok:false` answers are final except the few
 * that say "try again". A message that still fails is logged by its error code and counted; a full
 * queue drops new messages (counted too). Messages are lost on a crash: notifications are a courtesy,
 * the audit trail is the record.
 */
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type FetchFunction,
  type Logger as SlackLogger,
} from '@slack/web-api';
import type { Logger } from '../logger.js';
import { backoffMs } from '../util/backoff.js';
import type { NotificationChannel, NotificationResult } from './metrics.js';

export interface OutgoingMessage {
  channelType: NotificationChannel;
  /** A channel id or name, or a person to find by email (a direct message). */
  to: { channel: string } | { email: string };
  text: string;
}

export interface DeliverySettings {
  token: string;
  slackApiUrl?: string | undefined;
  queueLimit: number;
  maxAttempts: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
}

export interface DeliveryDeps {
  logger: Logger;
  record?: (channel: NotificationChannel, result: NotificationResult) => void;
}

interface Failure {
  code: string;
  retriable: boolean;
  retryAfterMs?: number;
}

/** Slack `ok:false` errors that mean "not now" rather than "never". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
/** Email → Slack user id (null: no such user), so a fan-out does not look the same person up 1,000 times. */
const USER_CACHE_LIMIT = 5_000;

export class SlackDelivery {
  readonly #queue: OutgoingMessage[] = [];
  readonly #client: WebClient;
  readonly #stop = new AbortController();
  readonly #users = new Map<string, string | null>();
  #worker: Promise<void> | null = null;
  #lastStatus: { status: number; retryAfter: string | null } | undefined;

  constructor(
    private readonly settings: DeliverySettings,
    private readonly deps: DeliveryDeps,
  ) {
    const stop = this.#stop.signal;
    // Our fetch: lets close() abort a call in flight, and remembers the last status and Retry-After,
    // which the SDK drops from some of its errors (a 429 without a usable header).
    const fetchFn: FetchFunction = async (url, init) => {
      const res = await fetch(url, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, stop]) : stop,
      });
      this.#lastStatus = { status: res.status, retryAfter: res.headers.get('retry-after') };
      return res;
    };
    this.#client = new WebClient(settings.token, {
      ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: settings.timeoutMs,
      fetch: fetchFn,
      logger: quietLogger(deps.logger, settings.token),
    });
  }

  /** Queues a message; false (and counted as dropped) when the queue is full or closed. */
  enqueue(msg: OutgoingMessage): boolean {
    if (this.#stop.signal.aborted || this.#queue.length >= this.settings.queueLimit) {
      this.deps.record?.(msg.channelType, 'dropped');
      this.deps.logger.warn({ channelType: msg.channelType, code: 'queue_full' }, 'notification dropped');
      return false;
    }
    this.#queue.push(msg);
    this.#kick();
    return true;
  }

  /** Starts the worker unless it runs; restarts it for a message queued as it was finishing. */
  #kick(): void {
    if (this.#worker || this.#queue.length === 0 || this.#stop.signal.aborted) return;
    this.#worker = this.#drain().finally(() => {
      this.#worker = null;
      this.#kick();
    });
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Resolves once every queued message has been delivered or has failed. */
  async idle(): Promise<void> {
    while (this.#worker) await this.#worker;
  }

  /** Resolves once the queue is empty (or `timeoutMs` passed), then stops for good. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#worker) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#worker, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.#stop.abort();
    await this.#worker;
    const left = this.#queue.splice(0);
    for (const m of left) this.deps.record?.(m.channelType, 'dropped');
    if (left.length > 0)
      this.deps.logger.warn({ dropped: left.length, code: 'shutdown' }, 'notifications dropped at shutdown');
  }

  async #drain(): Promise<void> {
    for (let msg = this.#queue.shift(); msg; msg = this.#queue.shift()) {
      const result = await this.#deliver(msg);
      this.deps.record?.(msg.channelType, result);
      if (this.#stop.signal.aborted) return;
    }
  }

  async #deliver(msg: OutgoingMessage): Promise<NotificationResult> {
    let last: Failure = { code: 'unknown', retriable: false };
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt++) {
      try {
        const channel = 'channel' in msg.to ? msg.to.channel : await this.#userId(msg.to.email);
        if (channel === null) {
          last = { code: 'users_not_found', retriable: false };
          break;
        }
        await this.#client.chat.postMessage({
          channel,
          text: msg.text,
          unfurl_links: false,
          unfurl_media: false,
        });
        return 'sent';
      } catch (err) {
        last = this.#classify(err);
      }
      if (!last.retriable || attempt === this.settings.maxAttempts || this.#stop.signal.aborted) break;
      const wait = backoffMs(
        attempt + 1,
        { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS },
        { retryAfterMs: last.retryAfterMs },
      );
      if (wait > this.settings.maxRetryAfterMs) break;
      if (!(await this.#sleep(wait))) break;
    }
    this.deps.logger.warn({ channelType: msg.channelType, code: last.code }, 'notification failed');
    return 'failed';
  }

  async #userId(email: string): Promise<string | null> {
    const key = email.toLowerCase();
    const cached = this.#users.get(key);
    if (cached !== undefined) return cached;
    let id: string | null;
    try {
      const res = await this.#client.users.lookupByEmail({ email });
      id = res.user?.id ?? null;
    } catch (err) {
      if (!(err instanceof WebAPIPlatformError && err.data.error === 'users_not_found')) throw err;
      id = null;
    }
    if (this.#users.size >= USER_CACHE_LIMIT) this.#users.delete(this.#users.keys().next().value as string);
    this.#users.set(key, id);
    return id;
  }

  #classify(err: unknown): Failure {
    if (err instanceof WebAPIRateLimitedError)
      return { code: 'ratelimited', retriable: true, retryAfterMs: err.retryAfter * 1000 };
    if (err instanceof WebAPIPlatformError) {
      return { code: err.data.error, retriable: TRANSIENT_PLATFORM_ERRORS.has(err.data.error) };
    }
    if (err instanceof WebAPIHTTPError) {
      const after = retryAfterMs(err.headers['retry-after'] ?? null);
      return {
        code: `http_${err.statusCode}`,
        retriable: err.statusCode >= 500 || err.statusCode === 408,
        ...(after !== undefined ? { retryAfterMs: after } : {}),
      };
    }
    if (err instanceof WebAPIRequestError) {
      const name = err.original.name;
      return {
        code: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network',
        retriable: !this.#stop.signal.aborted,
      };
    }
    // A 429 without a usable Retry-After reaches us as a plain Error: the status we saw tells.
    if (this.#lastStatus?.status === 429) return { code: 'ratelimited', retriable: true };
    return { code: 'internal', retriable: false };
  }

  /** Sleeps unless closed meanwhile; false when closed. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const done = () => {
        clearTimeout(timer);
        resolve(!signal.aborted);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', done);
        done();
      }, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The SDK's logger, at debug level only and scrubbed of the token: its lines are for debugging the
 * transport, while failures are logged by code above. (Its body lines hold message text, never a
 * secret, but stay at debug.)
 */
function quietLogger(log: Logger, token: string): SlackLogger {
  const child = log.child({ sdk: 'slack', component: 'notifications' });
  const line = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
      .join(' ')
      .split(token)
      .join('[redacted]');
  const debug = (...msg: unknown[]) => child.debug(line(msg));
  return {
    debug,
    info: debug,
    warn: debug,
    error: debug,
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
