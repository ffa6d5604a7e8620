/**
 * Building NormalizeResults. Two rules hold for every message produced here:
 * - an issue names a path and describes the problem from the *schema's* point of view (expected
 *   type, bounds, accepted values); it never quotes the value it got, which may be a secret;
 * - paths are built from schema keys and array indices only (producer-keyed maps are typed
 *   `unknown` in the schemas), so a producer cannot smuggle text into a path either.
 */
import type { z } from 'zod';
import { TriggerInput } from '../../schemas/trigger.js';
import type { NormalizeIssue, NormalizeRejectCode, NormalizeResult } from '../../schemas/sources/result.js';

export type { NormalizeIssue, NormalizeRejectCode, NormalizeResult };
export type Path = ReadonlyArray<string | number>;
/** A trigger as a normalizer drafts it; `TriggerInput` fills defaults and checks bounds. */
export type TriggerDraft = z.input<typeof TriggerInput>;

export function formatPath(path: Path): string {
  let out = '$';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `.${seg}`;
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`.slice(0, 500);
    case 'too_small':
      return `too small (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `too big (maximum ${String(issue.maximum)})`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'does not have the expected form' : `expected a ${issue.format}`;
    case 'invalid_union':
      return 'matches none of the accepted shapes';
    case 'unrecognized_keys':
      return 'has fields that are not allowed here';
    case 'custom':
      // Custom messages are written in this code base and never interpolate input.
      return issue.message;
    default:
      return issue.code.replaceAll('_', ' ');
  }
}

/** zod issues → NormalizeIssues under `base` (the location of the validated value in the event). */
export function issuesFromZod(error: z.ZodError, base: Path = []): NormalizeIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath([
      ...base,
      ...issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : p)),
    ]),
    message: describe(issue),
  }));
}

export function reject(code: NormalizeRejectCode, issues: NormalizeIssue[]): NormalizeResult {
  return { ok: false, code, issues };
}

export function rejectAt(code: NormalizeRejectCode, path: Path, message: string): NormalizeResult {
  return reject(code, [{ path: formatPath(path), message }]);
}

export function ignoredResult(reason: string): NormalizeResult {
  return { ok: true, triggers: [], ignored: reason };
}

/** Skipped-record issues kept per result: enough to debug, bounded for huge batches. */
const MAX_SKIPPED = 100;

/**
 * Accumulates the outcome of one source event (possibly a batch of records): drafted triggers,
 * ignored records (with a reason) and skipped records (malformed, with issues).
 */
export class Outcome {
  private readonly drafts: Array<{ draft: TriggerDraft; at: Path }> = [];
  private readonly ignoredReasons = new Map<string, number>();
  private readonly skippedIssues: NormalizeIssue[] = [];
  private readonly skippedCodes = new Set<NormalizeRejectCode>();
  private skippedOverflow = 0;

  add(draft: TriggerDraft, at: Path = []): void {
    this.drafts.push({ draft, at });
  }

  ignore(reason: string): void {
    this.ignoredReasons.set(reason, (this.ignoredReasons.get(reason) ?? 0) + 1);
  }

  /** `code` says why, for the rejection this becomes when no record of the event is usable. */
  skip(issues: readonly NormalizeIssue[], code: NormalizeRejectCode = 'INVALID_SHAPE'): void {
    this.skippedCodes.add(code);
    for (const issue of issues) {
      if (this.skippedIssues.length < MAX_SKIPPED) this.skippedIssues.push(issue);
      else this.skippedOverflow++;
    }
  }

  skipAt(path: Path, message: string): void {
    this.skip([{ path: formatPath(path), message }]);
  }

  /**
   * Every draft is checked against TriggerInput (the contract intake relies on); a draft that fails
   * becomes a skipped record. Nothing valid and something malformed → a rejection.
   */
  result(): NormalizeResult {
    const triggers: TriggerInput[] = [];
    for (const { draft, at } of this.drafts) {
      const parsed = TriggerInput.safeParse(draft);
      if (parsed.success) triggers.push(parsed.data);
      else
        this.skip(
          issuesFromZod(parsed.error).map((i) => ({
            path: formatPath(at),
            message: `does not make a valid trigger (${i.path.replace(/^\$/, 'trigger')}: ${i.message})`,
          })),
        );
    }
    const skipped = [...this.skippedIssues];
    if (this.skippedOverflow > 0) skipped.push({ path: '$', message: `${this.skippedOverflow} more issues` });
    const ignored = this.ignoredText();
    if (triggers.length === 0 && ignored === undefined) {
      if (skipped.length === 0) return ignoredResult('the event holds no records');
      const [only] = this.skippedCodes;
      return reject(this.skippedCodes.size === 1 && only ? only : 'INVALID_SHAPE', skipped);
    }
    return {
      ok: true,
      triggers,
      ...(ignored === undefined ? {} : { ignored }),
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  private ignoredText(): string | undefined {
    if (this.ignoredReasons.size === 0) return undefined;
    return [...this.ignoredReasons]
      .map(([reason, n]) => (n > 1 ? `${reason} (×${n})` : reason))
      .join('; ')
      .slice(0, 2000);
  }
}

/** Validates `value` (at `at` in the event) with `schema`; on failure records the issues as skipped. */
export function parseRecord<S extends z.ZodType>(
  outcome: Outcome,
  schema: S,
  value: unknown,
  at: Path,
): z.infer<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  outcome.skip(issuesFromZod(parsed.error, at));
  return undefined;
}
