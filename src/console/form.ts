/**
 * Form bodies and query strings for the console: parsed with URLSearchParams (no dependency) and
 * validated with zod like every other input. A field given twice is refused rather than guessed at.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TourniquetError } from '../errors.js';
import { describeIssues, fieldIssues } from '../util/zod-issues.js';

/** Form posts are small (a reason, a few ids): a bound far below the API's body limit. */
export const FORM_LIMIT_BYTES = 16 * 1024;

export function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (Object.hasOwn(out, k)) throw new TourniquetError('INVALID_INPUT', `field ${k} is given twice`);
    out[k] = v;
  }
  return out;
}

/** Registers the urlencoded parser in the console's scope only (the API speaks JSON). */
export function acceptForms(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_req, body, done) => {
      try {
        done(null, parseForm(String(body)));
      } catch (e) {
        done(e as Error, undefined);
      }
    },
  );
}

/** Empty form fields mean "not given": an unfilled filter is no filter. */
function dropEmpty(input: unknown): unknown {
  if (input === null || typeof input !== 'object') return {};
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== ''));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(dropEmpty(input));
  if (!r.success)
    throw new TourniquetError('INVALID_INPUT', describeIssues(r.error), { details: fieldIssues(r.error) });
  return r.data;
}

/** `datetime-local` inputs give minutes without a zone: read as UTC, as every time shown is. */
export const UtcMinute = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'a time like 2026-12-03T17:00 (UTC)')
  .transform((s, ctx) => {
    const d = new Date(`${s.length === 16 ? `${s}:00` : s}Z`);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
    ctx.addIssue({ code: 'custom', message: 'not a calendar time' });
    return z.NEVER;
  });
