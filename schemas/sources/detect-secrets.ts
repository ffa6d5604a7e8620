/**
 * Yelp detect-secrets. `detect-secrets audit --report --json .secrets.baseline` writes
 * `{results: [{category, filename, lines: {"<n>": "<the line>"}, secrets: "<value>", types: [...]}]}`:
 * `secrets` is what the plugin's pattern captured, which for some plugins is only a prefix
 * (`ghp` for a GitHub token) or a marker (`BEGIN EC PRIVATE KEY`), so the line is read to find the
 * whole credential. Lines may hold other text and are never copied anywhere.
 *
 * The baseline itself (`detect-secrets scan`) holds only SHA-1 hashes of the secrets
 * (`results: {"<file>": [{type, hashed_secret, line_number, …}]}`): it is recognised and refused by
 * value with a reason, since no credential can be revoked by its hash.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, OpenMap } from './common.js';

export const DetectSecretsAuditResult = z.looseObject({
  category: z.string().max(50).nullish(),
  filename: z.string().max(2000).nullish(),
  /** Keyed by line number; values are whole lines: read by the handler, never validated in place. */
  lines: OpenMap.nullish(),
  secrets: z.string().min(1).max(4096),
  types: z.array(z.string().max(200)).max(50).nullish(),
});
export type DetectSecretsAuditResult = z.infer<typeof DetectSecretsAuditResult>;

export const DetectSecretsAuditReport = z.looseObject({
  results: z.array(z.unknown()).max(MAX_BATCH_RECORDS),
});

export const DetectSecretsBaseline = z.looseObject({
  version: z.string().max(50).nullish(),
  plugins_used: z.array(z.unknown()).nullish(),
  results: OpenMap,
});
