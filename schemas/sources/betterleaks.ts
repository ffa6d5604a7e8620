/**
 * Betterleaks JSON report (`betterleaks git --report-format json`): Gitleaks' report format, kept
 * for compatibility (a top-level array of findings with `RuleID`, `Secret`, `File`, `StartLine`,
 * `Commit`, `Author`, `Email`, `Date`, …). `Secret` is the raw secret; `Match` is never read.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS } from './common.js';
import { GitleaksFinding } from './gitleaks.js';

export const BetterleaksFinding = GitleaksFinding;
export type BetterleaksFinding = z.infer<typeof BetterleaksFinding>;

export const BetterleaksReport = z.array(BetterleaksFinding).max(MAX_BATCH_RECORDS);
