/**
 * Producers write times in several dialects: RFC 3339 (with up to nanoseconds), `+0000` offsets
 * (BambooHR), `2022-06-15 12:00:00 -0700` (git via TruffleHog), RFC 1123 (AWS Health `startTime`),
 * epoch seconds (SETs, GitGuardian). Everything becomes a UTC ISO string that passes `Timestamp`.
 * Date.parse alone is too lenient (it reads "1" as the year 2001), so the shape is checked first.
 */
import { Timestamp } from '../../schemas/common.js';

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?\s?(?:Z|[+-]\d{2}:?\d{2})$/i;
const RFC_1123 = /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})$/;
const EPOCH_SECONDS = /^\d{9,11}$/;

/** Epoch seconds → ISO, or undefined when out of the range a Timestamp can express. */
export function epochSecondsToIso(seconds: number): string | undefined {
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return fromMillis(seconds * 1000);
}

/** A producer's time text → ISO, or undefined when it is not a time in a known dialect. */
export function isoTime(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const t = text.trim();
  if (EPOCH_SECONDS.test(t)) return epochSecondsToIso(Number(t));
  if (!ISO_LIKE.test(t) && !RFC_1123.test(t)) return undefined;
  return fromMillis(Date.parse(t));
}

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Like `isoTime`, but a bare day (Kingfisher's commit `date`) is read as that day's start in UTC:
 * the commit happened that day, which is closer to the truth than the time of ingest.
 */
export function isoTimeOrDay(text: string | null | undefined): string | undefined {
  const t = text?.trim();
  if (t !== undefined && DAY_ONLY.test(t)) return isoTime(`${t}T00:00:00Z`);
  return isoTime(text);
}

function fromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString();
  // Years beyond 9999 serialise as `+010000-…`, which the canonical Timestamp rejects.
  return Timestamp.safeParse(iso).success ? iso : undefined;
}
