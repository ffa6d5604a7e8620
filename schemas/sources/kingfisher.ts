/**
 * Kingfisher (MongoDB's secret scanner) `--format json` and `--format jsonl` output. JSON is an
 * envelope `{findings: [...], audit?, metadata?}`; JSON Lines has one `{rule, finding}` per line
 * and closing lines without `rule` (`{audit}`, `{metadata}`) that carry no finding. Rule ids are
 * `kingfisher.<family>.<n>` (1.x) or `betterleaks.<name>` (2.x, Betterleaks' rules).
 *
 * `finding.snippet` is the raw secret and `dependent_captures` holds the other half of a pair
 * (`AWS_SECRET_ACCESS_KEY` for an AWS key id). `validate_command` and `blast_radius_command` quote
 * the secret and are never read; `fingerprint` is Kingfisher's hash of the finding's location.
 */
import { z } from 'zod';
import { Label, MAX_BATCH_RECORDS, OpenMap } from './common.js';

const Person = z.looseObject({
  name: z.string().max(300).nullish(),
  email: z.string().max(300).nullish(),
});

export const KingfisherGitMetadata = z.looseObject({
  repository_url: z.string().max(2000).nullish(),
  commit: z
    .looseObject({
      id: z.string().max(100).nullish(),
      url: z.string().max(2000).nullish(),
      /** The commit date (`2026-11-20`, day only in 1.x and 2.x) or a full timestamp. */
      date: z.string().max(100).nullish(),
      author: Person.nullish(),
      committer: Person.nullish(),
    })
    .nullish(),
  file: z
    .looseObject({ path: z.string().max(2000).nullish(), url: z.string().max(2000).nullish() })
    .nullish(),
});

export const KingfisherFinding = z.looseObject({
  rule: z.looseObject({
    id: Label,
    name: z.string().max(500).nullish(),
    title: z.string().max(500).nullish(),
  }),
  finding: z.looseObject({
    snippet: z.string().min(1).max(8192),
    /** Producer-keyed (`AWS_SECRET_ACCESS_KEY`, …): read by the handler, never validated in place. */
    dependent_captures: OpenMap.nullish(),
    fingerprint: z.string().max(100).nullish(),
    confidence: z.string().max(50).nullish(),
    line: z.number().int().nullish(),
    path: z.string().max(2000).nullish(),
    validation: z.looseObject({ outcome: z.string().max(100).nullish() }).nullish(),
    git_metadata: KingfisherGitMetadata.nullish(),
  }),
});
export type KingfisherFinding = z.infer<typeof KingfisherFinding>;

export const KingfisherReport = z.looseObject({
  findings: z.array(z.unknown()).max(MAX_BATCH_RECORDS),
});
