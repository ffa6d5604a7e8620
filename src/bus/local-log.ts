/**
 * One topic of the embedded log (src/bus/local.ts) on disk and in memory.
 *
 * Format: append-only JSON Lines segment files in the log directory, one entry per line, each line
 * carrying its own offset. The first segment is `<topic>.jsonl` (the name the log always had, so a
 * data dir written before segments existed loads unchanged); each later one is
 * `<topic>.<first offset>.jsonl`. A segment is closed once it reaches `segmentBytes` (default
 * 64 MiB): the next append starts a new one. A batch never spans two segments.
 *
 * Durability: an append resolves only after its bytes were written and fdatasync'd (plus an fsync of
 * the directory when it created the segment file). Appends that queue up while one is being written
 * are written together with one fdatasync (group commit); each still resolves only after the sync
 * that covers it. A failed write or sync is rolled back by truncating to the last acknowledged size;
 * if even that fails the log refuses further appends until the process restarts (the file is then
 * re-read from disk, the source of truth). At load, an incomplete last line (a crash mid-write,
 * never acknowledged) is cut off, so the next append starts on a line of its own.
 *
 * Damage: offsets are contiguous within and across segments, and every complete line is an entry.
 * At load, a complete line that is not an entry (`corrupt`) and a jump in offsets (`gap`) are
 * recorded in `damage`; the bus refuses to start on them unless told to accept the loss
 * (src/bus/local.ts). Only a missing prefix is normal: retention deletes the oldest segments.
 *
 * Retention (`prune`): a closed segment is deleted, oldest first, only when
 *   1. every consumer group that has a cursor file for the topic has committed past its last
 *      offset (a message not yet handled by every group is never dropped; a topic without any
 *      cursor file, such as the dead-letter topic, is never pruned), and
 *   2. its newest message is older than `retentionMs` (default 7 days, Kafka's default), so replay
 *      from the log (src/pipeline/replay.ts, `origin: 'log'`, and forced replays, which need the
 *      sealed secret only the log keeps) covers at least that much recent history.
 * The segment being written is never deleted. A group whose cursor file is deleted no longer holds
 * retention back; a new group starts at the oldest offset still on disk.
 *
 * Memory: only a bounded tail of recent entries is kept (what live consumers have not fetched yet,
 * at most TAIL_MAX entries) plus, per segment, a sparse offset → byte position index. Consumers
 * further behind, and `readRange` (replay), read the files.
 */
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TourniquetError } from '../errors.js';
import type { OutMessage } from './port.js';

export interface Entry {
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
  ts: number;
}

/** Where a live consumer will fetch next; the tail keeps what the slowest one has not fetched. */
export interface Reader {
  next: number;
}

/** Something the log lost or cannot read, found at start (see the file header). */
export interface LogDamage {
  kind: 'corrupt' | 'gap' | 'cursor_past_end';
  topic: string;
  /** The segment file (corrupt, gap) or the cursor's group (cursor_past_end). */
  where: string;
  /** corrupt: the line's byte position; gap and cursor_past_end: the first offset missing. */
  from: number;
  /** gap and cursor_past_end: one past the last offset missing. */
  to?: number;
}

export function describeDamage(d: LogDamage): string {
  switch (d.kind) {
    case 'corrupt':
      return `${d.topic}: a corrupt record in ${d.where} at byte ${d.from}`;
    case 'gap':
      return `${d.topic}: offsets ${d.from}..${d.to! - 1} are missing in ${d.where}`;
    case 'cursor_past_end':
      return `${d.topic}: group ${d.where} has handled up to offset ${d.to! - 1} but the log ends at ${d.from} (its tail was lost)`;
  }
}

export interface TopicLogOptions {
  segmentBytes?: number;
  retentionMs?: number;
  /**
   * Closed segments go, oldest first, while the topic holds more than this (still only past every
   * group's cursor). Unset: no size limit.
   */
  maxBytes?: number;
}

const TAIL_MAX = 4096;
const INDEX_EVERY = 1024;
const READ_CHUNK = 1 << 20;

interface Segment {
  base: number;
  path: string;
  /** Acknowledged bytes: everything before is complete, synced lines. */
  bytes: number;
  /** One past the last offset it holds (= base when empty). */
  next: number;
  minTs: number;
  maxTs: number;
  /** Byte position of every INDEX_EVERY-th entry, so a read from an offset skips the lines before. */
  index: { offset: number; pos: number }[];
}

interface Line {
  text: string;
  pos: number;
  end: number;
  complete: boolean;
}

/** The lines of `path` from byte `from` up to byte `until`; the last one may lack its newline. */
async function* scanLines(path: string, from: number, until: number): AsyncGenerator<Line> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let pos = from; // file position of carry[0]
    for (;;) {
      const want = Math.min(buf.length, until - pos - carry.length);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, 0, want, pos + carry.length);
      if (bytesRead === 0) break;
      const data = carry.length
        ? Buffer.concat([carry, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
        yield { text: data.toString('utf8', start, nl), pos: pos + start, end: pos + nl + 1, complete: true };
        start = nl + 1;
      }
      // Copied: `buf` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
      pos += start;
    }
    if (carry.length) yield { text: carry.toString('utf8'), pos, end: pos + carry.length, complete: false };
  } finally {
    await fh.close();
  }
}

function parseEntry(text: string): Entry | undefined {
  try {
    const e = JSON.parse(text) as Entry;
    return typeof e?.offset === 'number' ? e : undefined;
  } catch (err) {
    // A line that is not an entry (only a legacy torn write can leave one) is skipped, as it always was.
    if (!(err instanceof SyntaxError)) throw err;
    return undefined;
  }
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

function note(seg: Segment, e: Entry, pos: number): void {
  if ((e.offset - seg.base) % INDEX_EVERY === 0) seg.index.push({ offset: e.offset, pos });
  seg.next = Math.max(seg.next, e.offset + 1);
  seg.minTs = Math.min(seg.minTs, e.ts);
  seg.maxTs = Math.max(seg.maxTs, e.ts);
}

interface Pending {
  msgs: readonly OutMessage[];
  resolve: (added: Entry[]) => void;
  reject: (e: unknown) => void;
}

export class TopicLog {
  /** One past the last acknowledged offset. */
  end = 0;
  readonly readers = new Set<Reader>();
  /** Called after a new segment was started (the bus then applies retention). */
  onRoll: (() => void) | undefined;
  /** What load() found damaged (file header); empty for a healthy log. */
  readonly damage: LogDamage[] = [];
  private segments: Segment[] = [];
  private tail: Entry[] = [];
  private tailBase = 0;
  private fh: FileHandle | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private broken: TourniquetError | undefined;
  private readonly segmentBytes: number;
  private readonly retentionMs: number;
  private readonly maxBytes: number;

  constructor(
    private readonly dir: string,
    readonly topic: string,
    opts: TopicLogOptions = {},
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.retentionMs = opts.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.maxBytes = opts.maxBytes ?? Infinity;
  }

  private segmentPath(base: number): string {
    return join(this.dir, base === 0 ? `${this.topic}.jsonl` : `${this.topic}.${base}.jsonl`);
  }

  async load(): Promise<void> {
    const pattern = new RegExp(`^${this.topic}(?:\\.(\\d+))?\\.jsonl$`);
    const bases = (await readdir(this.dir))
      .map((name) => pattern.exec(name))
      .filter((m) => m !== null)
      .map((m) => Number(m[1] ?? 0))
      .sort((a, b) => a - b);
    let expected: number | undefined;
    for (const base of bases) {
      const name = base === 0 ? `${this.topic}.jsonl` : `${this.topic}.${base}.jsonl`;
      if (expected !== undefined && base > expected) {
        this.damage.push({ kind: 'gap', topic: this.topic, where: name, from: expected, to: base });
      }
      expected = base;
      const seg: Segment = {
        base,
        path: this.segmentPath(base),
        bytes: 0,
        next: base,
        minTs: Infinity,
        maxTs: -Infinity,
        index: [],
      };
      for await (const line of scanLines(seg.path, 0, Infinity)) {
        if (!line.complete) break;
        const e = parseEntry(line.text);
        if (!e || e.offset < expected) {
          this.damage.push({ kind: 'corrupt', topic: this.topic, where: name, from: line.pos });
        } else {
          if (e.offset > expected) {
            this.damage.push({ kind: 'gap', topic: this.topic, where: name, from: expected, to: e.offset });
          }
          expected = e.offset + 1;
          note(seg, e, line.pos);
        }
        seg.bytes = line.end;
      }
      this.segments.push(seg);
    }
    const last = this.segments.at(-1);
    this.end = this.tailBase = last?.next ?? 0;
    if (last) {
      // Cut off a torn last line (never acknowledged) so the next append starts a line of its own.
      const fh = await open(last.path, 'r+');
      try {
        if ((await fh.stat()).size > last.bytes) {
          await fh.truncate(last.bytes);
          await fh.datasync();
        }
      } finally {
        await fh.close();
      }
      this.fh = await open(last.path, 'a', 0o600);
    }
  }

  /** Entries from `from` on, up to `max`, when they are still in memory; undefined when not. */
  fromMemory(from: number, max: number): Entry[] | undefined {
    if (from < this.tailBase) return undefined;
    const i = from - this.tailBase;
    return this.tail.slice(i, i + max);
  }

  /** Drops tail entries every reader has fetched, and any beyond TAIL_MAX (readers then read files). */
  trim(): void {
    let keep = this.end;
    for (const r of this.readers) keep = Math.min(keep, r.next);
    keep = Math.max(keep, this.end - TAIL_MAX);
    const drop = keep - this.tailBase;
    // Amortised: slice only once a fair share of the array can go.
    if (drop > 0 && (drop >= 256 || drop * 2 >= this.tail.length)) {
      this.tail = this.tail.slice(drop);
      this.tailBase = keep;
    }
  }

  /** Acknowledged entries from offset `from` on, up to `max`, read from the segment files. */
  async readFrom(from: number, max: number): Promise<Entry[]> {
    const out: Entry[] = [];
    for (const seg of [...this.segments]) {
      if (seg.next <= from) continue;
      const start = seg.index.findLast((x) => x.offset <= from)?.pos ?? 0;
      await this.scan(seg, start, (e) => e.offset >= from && out.push(e) >= max);
      if (out.length >= max) break;
    }
    return out;
  }

  /** Acknowledged entries appended in [fromTs, toTs), from the segment files (replay). */
  async readRange(fromTs: number, toTs: number): Promise<Entry[]> {
    const out: Entry[] = [];
    for (const seg of [...this.segments]) {
      if (seg.maxTs < fromTs || seg.minTs >= toTs) continue;
      await this.scan(seg, 0, (e) => void (e.ts >= fromTs && e.ts < toTs && out.push(e)));
    }
    return out;
  }

  /**
   * Feeds the acknowledged entries of `seg` from byte `start` to `visit` until it returns true. A
   * segment deleted by retention meanwhile holds nothing anyone still needs: it reads as empty.
   */
  private async scan(seg: Segment, start: number, visit: (e: Entry) => boolean | void): Promise<void> {
    // An entry at or below one already seen is corrupt (reported at load): it is not read twice.
    let last = -1;
    try {
      for await (const line of scanLines(seg.path, start, seg.bytes)) {
        const e = line.complete ? parseEntry(line.text) : undefined;
        if (!e || e.offset <= last || e.offset >= this.end) continue;
        last = e.offset;
        if (visit(e) === true) return;
      }
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  append(msgs: readonly OutMessage[]): Promise<Entry[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msgs, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Writes queued appends, all that queued meanwhile in one write and one fdatasync. `flushing` is
   * cleared in the same synchronous step as the final empty-queue check, so an append can never
   * queue behind a flush that has already decided to stop.
   */
  private async flush(): Promise<void> {
    // Always yields before the loop, so `this.flushing` is assigned before it can be cleared.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const group = this.queue.splice(0);
      try {
        const added = await this.write(group.map((p) => p.msgs));
        group.forEach((p, i) => p.resolve(added[i]!));
      } catch (e) {
        const err =
          e instanceof TourniquetError
            ? e
            : new TourniquetError('BUS_UNAVAILABLE', `embedded log: append to ${this.topic} failed`, {
                retriable: true,
                cause: e,
              });
        for (const p of group) p.reject(err);
      }
    }
    this.flushing = undefined;
  }

  private async write(batches: readonly (readonly OutMessage[])[]): Promise<Entry[][]> {
    if (this.broken) throw this.broken;
    await this.rollIfFull();
    const seg = this.segments.at(-1)!;
    const ts = Date.now();
    let offset = this.end;
    const added = batches.map((msgs) =>
      msgs.map((m) => ({ offset: offset++, key: m.key, value: m.value, headers: m.headers ?? {}, ts })),
    );
    const lines = added.flat().map((e) => Buffer.from(JSON.stringify(e) + '\n'));
    const buf = Buffer.concat(lines);
    try {
      for (let done = 0; done < buf.length;) {
        done += (await this.fh!.write(buf, done, buf.length - done)).bytesWritten;
      }
      await this.fh!.datasync();
    } catch (e) {
      await this.rollBack(seg, e);
      throw e;
    }
    let pos = seg.bytes;
    for (const [i, e] of added.flat().entries()) {
      note(seg, e, pos);
      pos += lines[i]!.length;
    }
    seg.bytes = pos;
    this.end = offset;
    for (const batch of added) for (const e of batch) this.tail.push(e);
    this.trim();
    return added;
  }

  /** Undoes a failed write: nothing of it may be read back as acknowledged, now or after a restart. */
  private async rollBack(seg: Segment, cause: unknown): Promise<void> {
    try {
      await this.fh!.truncate(seg.bytes);
      await this.fh!.datasync();
    } catch (e) {
      this.broken = new TourniquetError(
        'BUS_UNAVAILABLE',
        `embedded log: ${this.topic} could not be restored after a failed write; restart the service`,
        { retriable: false, cause: [cause, e] },
      );
    }
  }

  private async rollIfFull(): Promise<void> {
    const last = this.segments.at(-1);
    // A segment also closes once its oldest entry is past retention, so that retention can drop it
    // even on a topic that is written rarely (the dead-letter topic).
    const expired = last !== undefined && last.minTs < Date.now() - this.retentionMs;
    if (last && ((last.bytes < this.segmentBytes && !expired) || last.next === last.base)) return;
    const seg: Segment = {
      base: this.end,
      path: this.segmentPath(this.end),
      bytes: 0,
      next: this.end,
      minTs: Infinity,
      maxTs: -Infinity,
      index: [],
    };
    const fh = await open(seg.path, 'a', 0o600);
    // The new file's directory entry must be durable before anything in it is acknowledged.
    const dirFh = await open(this.dir, 'r');
    try {
      await dirFh.sync();
    } finally {
      await dirFh.close();
    }
    await this.fh?.close();
    this.fh = fh;
    this.segments.push(seg);
    if (last) this.onRoll?.();
  }

  /** Applies the retention rule (file header) given the lowest committed offset of every group. */
  async prune(committedFloor: number, now = Date.now()): Promise<number> {
    let deleted = 0;
    let total = this.segments.reduce((n, x) => n + x.bytes, 0);
    while (this.segments.length > 1) {
      const seg = this.segments[0]!;
      const tooBig = total > this.maxBytes;
      if (seg.next > committedFloor || (seg.maxTs >= now - this.retentionMs && !tooBig)) break;
      total -= seg.bytes;
      await unlink(seg.path).catch((e: unknown) => {
        if (!isMissing(e)) throw e;
      });
      this.segments.shift();
      deleted++;
    }
    return deleted;
  }

  /** Segment files currently on disk, oldest first (for tests and diagnostics). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  async close(): Promise<void> {
    // Appends already queued are written (the flush loop takes them) before the file closes.
    await this.flushing;
    this.broken ??= new TourniquetError('BUS_UNAVAILABLE', 'embedded log is closed');
    await this.fh?.close();
    this.fh = undefined;
  }
}
