/**
 * GitHub secret-scanning partner program: GitHub POSTs a JSON array of matches of *your* token
 * formats found in public content, signed with ECDSA P-256 (src/intake/verify/github-partner.ts).
 * Each match carries the raw `token`: it goes to `subject.token` and nowhere else.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, RawSecret } from './common.js';

export const GitHubPartnerMatch = z.looseObject({
  token: RawSecret,
  /** The partner token type GitHub matched, as registered by the partner. */
  type: Label,
  /** Public location of the match; may be empty. */
  url: z.string().max(2000).nullish(),
  /** `content`, `commit`, `pull_request_comment`, `gist_content`, `npm`, `unknown`, … */
  source: z.string().max(100).nullish(),
});
export type GitHubPartnerMatch = z.infer<typeof GitHubPartnerMatch>;

/** The whole delivery. Handlers validate match by match so one bad match does not lose the batch. */
export const GitHubPartnerBatch = z.array(GitHubPartnerMatch).max(MAX_BATCH_RECORDS);
