/**
 * One configured instance's settings, parsed by its schema: a bad field is an INVALID_CONFIG
 * error naming `what` (`vault provider`, `github discoverer`) and each bad field, never its value.
 */
import type { z } from 'zod';
import { TourniquetError } from '../errors.js';
import { describeIssues } from './zod-issues.js';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new TourniquetError('INVALID_CONFIG', `${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
