/**
 * Embedded transport: an in-process bus over a durable local log, append-only JSON Lines segment
 * files per topic under `<dataDir>/log/` (format, durability, retention and memory rules: see
 * src/bus/local-log.ts). `publish` resolves after fdatasync, so an accepted trigger survives a crash;
 * concurrent publishes to one topic share one write and one fdatasync. Each subscription keeps a
 * cursor file (the first offset not yet fully handled), written atomically; on restart everything
 * after the cursor is delivered again (at-least-once).
 *
 * Ordering follows the port: one key's messages run in order, different keys run concurrently up
 * to `concurrency`. A handler that throws is retried with jittered backoff, in place.
 *
 * Memory is bounded: a consumer fetches at most `window` messages past its committed cursor (from
 * the log's in-memory tail, or from the files when it is further behind), and the log keeps only
 * the tail live consumers have not fetched yet. The files are the source of truth.
 *
 * Lost data is never silent: at start every topic on disk is loaded and checked (corrupt records
 * and gaps, src/bus/local-log.ts), and so is every cursor against its log's end: a cursor past the
 * end means the log lost its tail, and new messages would get offsets the consumer believes it has
 * handled. Any of these refuses the start (LOG_DAMAGED) unless `acceptLoss` is set, in which case
 * the loss is reported through `onLossAccepted` (the runtime audits it), cursors past the end are
 * moved back to it, and what cannot be read is skipped.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus, BusHealth, InMessage, OutMessage, Subscription, Topic } from './port.js';
import { TourniquetError } from '../errors.js';
import { backoffMs } from '../util/backoff.js';
import { describeDamage, TopicLog, type Entry, type LogDamage, type TopicLogOptions } from './local-log.js';

/** A throwing handler gets its message again after this backoff (src/util/backoff.ts). */
const HANDLER_RETRY = { baseMs: 200, capMs: 30_000 };

export interface LocalLogOptions extends TopicLogOptions {
  dir: string;
  concurrency?: number;
  /**
   * Called when a handler throws (infrastructure failure), before the retry; also when the bus
   * itself failed in the background (reading the log, saving a cursor, applying retention), with a
   * stand-in message naming the topic and offset. Those are retried too.
   */
  onHandlerError?: (err: unknown, msg: InMessage) => void;
  /** Start despite damage found at start (see the header), skipping what is lost. */
  acceptLoss?: boolean;
  /** Called once at start with the damage that `acceptLoss` let through, before consuming. */
  onLossAccepted?: (damage: readonly LogDamage[]) => Promise<void>;
  /** Per-topic retention and segment size, over the defaults above. */
  topicOptions?: Partial<Record<Topic, TopicLogOptions>>;
  /**
   * Topics no consumer group reads (the dead-letter topic): retention applies to them without
   * waiting for a cursor. Other topics without a cursor file are never pruned.
   */
  readerless?: readonly Topic[];
}

const ALL_TOPICS: readonly Topic[] = ['leak', 'offboarding', 'decommission', 'tasks', 'dlq', 'audit'];

/** The local log has one partition per topic. */
function inMessage(topic: Topic, e: Entry): InMessage {
  return {
    topic,
    key: e.key,
    value: e.value,
    headers: e.headers,
    partition: 0,
    offset: String(e.offset),
    timestamp: e.ts,
  };
}

/** For background failures reported through `onHandlerError`: no message, just where. */
function position(topic: Topic, offset: number): InMessage {
  return {
    topic,
    key: '',
    value: '',
    headers: {},
    partition: 0,
    offset: String(offset),
    timestamp: Date.now(),
  };
}

class Cursor {
  private done = new Set<number>();
  /** The next offset to fetch: everything before is handled or in the consumer's hands. */
  next = 0;
  committed = 0;
  constructor(
    readonly topic: Topic,
    readonly path: string,
  ) {}
  async load(): Promise<void> {
    const raw = await readFile(this.path, 'utf8').catch(() => '0');
    this.committed = this.next = Number(raw) || 0;
  }
  finish(o: number) {
    this.done.add(o);
    while (this.done.has(this.committed)) this.done.delete(this.committed++);
  }
  /** Offsets below `o` hold no entry (retention deleted them, or a legacy torn line): nothing to run. */
  skipTo(o: number) {
    if (this.committed === this.next) this.committed = Math.max(this.committed, o);
    else for (let x = this.next; x < o; x++) this.finish(x);
    this.next = Math.max(this.next, o);
  }
  private saving: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private saved = -1;
  /**
   * Serialised (one tmp file per cursor) and coalesced: at most one save waits behind the running
   * one, and it writes the committed offset of when it starts, so it covers every caller.
   */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.saving.then(async () => {
      this.queued = undefined;
      if (this.saved === this.committed) return;
      const value = this.committed;
      const tmp = `${this.path}.tmp`;
      await writeFile(tmp, String(value), { mode: 0o600 });
      await rename(tmp, this.path);
      this.saved = value;
    });
    this.queued = run;
    // The chain goes on after a failed save (the caller of `run` gets the error); the next save
    // writes the then-committed offset.
    this.saving = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

export class LocalLogBus implements Bus {
  private logs = new Map<Topic, TopicLog>();
  private opening = new Map<Topic, Promise<TopicLog>>();
  private subs: Subscription[] = [];
  private events = new EventEmitter();
  private running = false;
  private active = new Set<Promise<void>>();
  private cursors: Cursor[] = [];
  private readonly concurrency: number;
  /** Messages a consumer may hold past its committed cursor (fetched, running or done out of order). */
  private readonly window: number;

  constructor(private readonly opts: LocalLogOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.window = Math.max(1024, this.concurrency * 64);
    this.events.setMaxListeners(0);
  }

  private log(topic: Topic): Promise<TopicLog> {
    let p = this.opening.get(topic);
    if (!p) {
      p = (async () => {
        await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
        const l = new TopicLog(this.opts.dir, topic, { ...this.opts, ...this.opts.topicOptions?.[topic] });
        await l.load();
        l.onRoll = () => void this.prune(topic, l);
        this.logs.set(topic, l);
        return l;
      })();
      // A failed open is not cached: the next call tries again.
      p.catch(() => this.opening.delete(topic));
      this.opening.set(topic, p);
    }
    return p;
  }

  async publish(topic: Topic, messages: readonly OutMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await (await this.log(topic)).append(messages);
    this.events.emit('appended', topic);
  }

  async subscribe(sub: Subscription): Promise<void> {
    this.subs.push(sub);
  }

  async start(): Promise<void> {
    const damage: LogDamage[] = [];
    for (const topic of ALL_TOPICS) damage.push(...(await this.log(topic)).damage);
    const started: { log: TopicLog; cursor: Cursor; sub: Subscription }[] = [];
    for (const sub of this.subs) {
      for (const topic of sub.topics) {
        const log = await this.log(topic);
        const cursor = new Cursor(topic, join(this.opts.dir, `${topic}.${sub.group}.cursor`));
        await cursor.load();
        if (cursor.committed > log.end) {
          damage.push({
            kind: 'cursor_past_end',
            topic,
            where: sub.group,
            from: log.end,
            to: cursor.committed,
          });
          // Only applied with acceptLoss: new messages get offsets from the end on, and must run.
          cursor.committed = cursor.next = log.end;
        }
        started.push({ log, cursor, sub });
      }
    }
    if (damage.length > 0) {
      if (!this.opts.acceptLoss) {
        throw new TourniquetError(
          'LOG_DAMAGED',
          `the embedded log in ${this.opts.dir} lost or cannot read data: ` +
            `${damage.map(describeDamage).join('; ')}. Restore the data dir from a backup, or ` +
            'start once with --accept-log-loss to skip what is lost (recorded in the audit trail)',
          { details: damage },
        );
      }
      await this.opts.onLossAccepted?.(damage);
    }
    this.running = true;
    for (const { log, cursor, sub } of started) {
      // On disk from the start, so retention sees this group before it commits anything.
      await cursor.save();
      this.cursors.push(cursor);
      log.readers.add(cursor);
      this.consume(log, cursor, sub);
    }
    for (const topic of this.opts.readerless ?? []) await this.log(topic);
    for (const [topic, log] of this.logs) await this.prune(topic, log);
  }

  /** Dispatches messages after the cursor, respecting per-key order and the concurrency limit. */
  private consume(log: TopicLog, cursor: Cursor, sub: Subscription): void {
    const busyKeys = new Set<string>();
    const waiting: Entry[] = [];
    let inflight = 0;
    let fetching = false;
    const take = (batch: readonly Entry[]) => {
      for (const e of batch) {
        if (e.offset < cursor.next) continue;
        cursor.skipTo(e.offset);
        waiting.push(e);
        cursor.next = e.offset + 1;
      }
    };
    /** Tops `waiting` up from memory, or starts one read from the files when the cursor is behind. */
    const fill = () => {
      while (cursor.next < log.end && cursor.next - cursor.committed < this.window) {
        const room = this.window - (cursor.next - cursor.committed);
        const mem = log.fromMemory(cursor.next, room);
        if (mem?.length) {
          take(mem);
          continue;
        }
        if (fetching) return;
        fetching = true;
        const from = cursor.next;
        const end = log.end;
        log.readFrom(from, room).then(
          (batch) => {
            fetching = false;
            if (cursor.next !== from) return pump();
            take(batch);
            // Nothing on disk in [from, end): those offsets are gone or never held an entry.
            if (batch.length === 0) cursor.skipTo(end);
            pump();
          },
          (err: unknown) => {
            fetching = false;
            this.opts.onHandlerError?.(err, position(cursor.topic, from));
            setTimeout(pump, 1000).unref();
          },
        );
        return;
      }
      log.trim();
    };
    const pump = () => {
      if (!this.running) return;
      fill();
      for (let i = 0; i < waiting.length && inflight < this.concurrency;) {
        const e = waiting[i]!;
        if (busyKeys.has(e.key)) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        busyKeys.add(e.key);
        inflight++;
        const p = this.deliver(cursor.topic, e, sub).then((handled) => {
          busyKeys.delete(e.key);
          inflight--;
          // Not handled (stopped mid-retry): leave the cursor behind it so the next start redelivers.
          if (handled) {
            cursor.finish(e.offset);
            // Not awaited: saves coalesce, and stop() saves the final position.
            cursor
              .save()
              .catch((err: unknown) => this.opts.onHandlerError?.(err, inMessage(cursor.topic, e)));
          }
          this.events.emit('handled');
          pump();
        });
        this.active.add(p);
        void p.finally(() => this.active.delete(p));
      }
    };
    this.events.on('appended', (topic: Topic) => topic === cursor.topic && pump());
    pump();
  }

  private async deliver(topic: Topic, e: Entry, sub: Subscription): Promise<boolean> {
    const msg = inMessage(topic, e);
    for (let attempt = 0; ; attempt++) {
      try {
        await sub.handler(msg);
        return true;
      } catch (err) {
        this.opts.onHandlerError?.(err, msg);
        if (!this.running) return false;
        const delay = backoffMs(attempt + 1, HANDLER_RETRY);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Retention (src/bus/local-log.ts): closed segments older than the retention window that every
   * group with a cursor file on disk has committed past. The on-disk cursors count, not the
   * in-memory ones: after a crash a group resumes from its file.
   */
  private async prune(topic: Topic, log: TopicLog): Promise<void> {
    try {
      const prefix = `${topic}.`;
      const files = (await readdir(this.opts.dir)).filter(
        (f) => f.startsWith(prefix) && f.endsWith('.cursor'),
      );
      if (files.length === 0 && !this.opts.readerless?.includes(topic)) return;
      let floor = Infinity;
      for (const f of files)
        floor = Math.min(floor, Number(await readFile(join(this.opts.dir, f), 'utf8')) || 0);
      await log.prune(floor);
    } catch (err) {
      // Retention is retried at the next segment roll or start; nothing is lost by waiting.
      this.opts.onHandlerError?.(err, position(topic, log.end));
    }
  }

  /** Resolves when every published message has been handled (used by `ingest` without a service). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = this.cursors.some((c) => c.committed < (this.logs.get(c.topic)?.end ?? 0));
      if (!pending && this.active.size === 0) return;
      // Woken by the next handled message; the timer is a safety net, not the mechanism.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.events.off('handled', done);
          resolve();
        };
        const timer = setTimeout(done, 100);
        this.events.once('handled', done);
      });
    }
  }

  async stopConsuming(): Promise<void> {
    this.running = false;
    await Promise.allSettled([...this.active]);
  }

  async stop(): Promise<void> {
    await this.stopConsuming();
    await Promise.all(this.cursors.map((c) => c.save()));
    for (const l of this.logs.values()) await l.close();
    this.events.removeAllListeners();
  }

  async health(): Promise<BusHealth> {
    const lag: BusHealth['lag'] = {};
    for (const c of this.cursors) lag[c.topic] = (this.logs.get(c.topic)?.end ?? 0) - c.committed;
    return { connected: true, member: this.running, lag };
  }

  /** Messages of a topic in a time range, for replay: read from the files, the source of truth. */
  async read(topic: Topic, fromTs = 0, toTs = Number.MAX_SAFE_INTEGER): Promise<InMessage[]> {
    const log = await this.log(topic);
    return (await log.readRange(fromTs, toTs)).map((e) => inMessage(topic, e));
  }
}
