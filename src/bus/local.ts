/**
 * Embedded transport: an in-process bus over a durable local log, one append-only JSONL file per
 * topic under `<dataDir>/log/`. `publish` resolves after fdatasync, so an accepted trigger survives a
 * crash. Each subscription keeps a cursor file (the first offset not yet fully handled), written
 * atomically; on restart everything after the cursor is delivered again (at-least-once).
 *
 * Ordering follows the port: one key's messages run in order, different keys run concurrently up
 * to `concurrency`. A handler that throws is retried with jittered backoff, in place.
 */
import { EventEmitter } from 'node:events';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus, BusHealth, InMessage, OutMessage, Subscription, Topic } from './port.js';

interface Entry {
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
  ts: number;
}

interface LocalLogOptions {
  dir: string;
  concurrency?: number;
  /** Called when a handler throws (infrastructure failure), before the retry. */
  onHandlerError?: (err: unknown, msg: InMessage) => void;
}

/** The local log has one partition per topic; offsets are line numbers. */
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

class TopicLog {
  entries: Entry[] = [];
  private fh: FileHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  constructor(readonly path: string) {}

  async load(): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    for (const line of text.split('\n')) {
      // A torn last line (crash mid-write, before fdatasync returned) was never acknowledged: skip it.
      if (!line) continue;
      try {
        this.entries.push(JSON.parse(line) as Entry);
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
      }
    }
    this.fh = await open(this.path, 'a');
  }

  append(msgs: readonly OutMessage[]): Promise<Entry[]> {
    const run = this.writing.then(async () => {
      const base = this.entries.length;
      const added = msgs.map((m, i) => ({
        offset: base + i,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        ts: Date.now(),
      }));
      await this.fh!.write(added.map((e) => JSON.stringify(e) + '\n').join(''));
      await this.fh!.datasync();
      this.entries.push(...added);
      return added;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.fh?.close();
  }
}

class Cursor {
  private inflight = new Set<number>();
  private done = new Set<number>();
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
  start(o: number) {
    this.inflight.add(o);
  }
  finish(o: number) {
    this.inflight.delete(o);
    this.done.add(o);
    while (this.done.has(this.committed)) this.done.delete(this.committed++);
  }
  private saving: Promise<void> = Promise.resolve();
  private saved = -1;
  /** Serialised (one tmp file per cursor) and coalesced: a save writes the latest committed offset. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (this.saved === this.committed) return;
      const value = this.committed;
      const tmp = `${this.path}.tmp`;
      await writeFile(tmp, String(value));
      await rename(tmp, this.path);
      this.saved = value;
    });
    return this.saving;
  }
}

export class LocalLogBus implements Bus {
  private logs = new Map<Topic, TopicLog>();
  private subs: Subscription[] = [];
  private events = new EventEmitter();
  private running = false;
  private active = new Set<Promise<void>>();
  private cursors: Cursor[] = [];
  private readonly concurrency: number;

  constructor(private readonly opts: LocalLogOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.events.setMaxListeners(0);
  }

  private async log(topic: Topic): Promise<TopicLog> {
    let l = this.logs.get(topic);
    if (!l) {
      await mkdir(this.opts.dir, { recursive: true });
      l = new TopicLog(join(this.opts.dir, `${topic}.jsonl`));
      this.logs.set(topic, l);
      await l.load();
    }
    return l;
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
    this.running = true;
    for (const sub of this.subs) {
      for (const topic of sub.topics) {
        const log = await this.log(topic);
        const cursor = new Cursor(topic, join(this.opts.dir, `${topic}.${sub.group}.cursor`));
        await cursor.load();
        this.cursors.push(cursor);
        this.consume(log, cursor, sub);
      }
    }
  }

  /** Dispatches messages after the cursor, respecting per-key order and the concurrency limit. */
  private consume(log: TopicLog, cursor: Cursor, sub: Subscription): void {
    const busyKeys = new Set<string>();
    const waiting: Entry[] = [];
    let inflight = 0;
    const pump = () => {
      if (!this.running) return;
      while (cursor.next < log.entries.length) waiting.push(log.entries[cursor.next++]!);
      for (let i = 0; i < waiting.length && inflight < this.concurrency;) {
        const e = waiting[i]!;
        if (busyKeys.has(e.key)) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        busyKeys.add(e.key);
        inflight++;
        cursor.start(e.offset);
        const p = this.deliver(cursor.topic, e, sub).then(async (handled) => {
          busyKeys.delete(e.key);
          inflight--;
          // Not handled (stopped mid-retry): leave the cursor behind it so the next start redelivers.
          if (!handled) return;
          cursor.finish(e.offset);
          await cursor.save();
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
        const cap = Math.min(30_000, 200 * 2 ** Math.min(attempt, 8));
        await new Promise((r) => setTimeout(r, Math.random() * cap));
      }
    }
  }

  /** Resolves when every published message has been handled (used by `ingest` without a service). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = this.cursors.some((c) => c.committed < (this.logs.get(c.topic)?.entries.length ?? 0));
      if (!pending && this.active.size === 0) return;
      await Promise.race([...this.active, new Promise((r) => setTimeout(r, 20))]);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled([...this.active]);
    await Promise.all(this.cursors.map((c) => c.save()));
    for (const l of this.logs.values()) await l.close();
    this.events.removeAllListeners();
  }

  async health(): Promise<BusHealth> {
    const lag: BusHealth['lag'] = {};
    for (const c of this.cursors) lag[c.topic] = (this.logs.get(c.topic)?.entries.length ?? 0) - c.committed;
    return { connected: true, member: this.running, lag };
  }

  /** Messages of a topic in a time range, for replay from the embedded log. */
  async read(topic: Topic, fromTs = 0, toTs = Number.MAX_SAFE_INTEGER): Promise<InMessage[]> {
    const log = await this.log(topic);
    return log.entries.filter((e) => e.ts >= fromTs && e.ts < toTs).map((e) => inMessage(topic, e));
  }
}
