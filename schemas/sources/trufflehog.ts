/**
 * TruffleHog v3 `--json` output: JSON Lines, one finding per line (pkg/output/json.go).
 * `Raw` is the secret (for multi-part detectors such as AWS it is the key id and `RawV2` is the id
 * followed by the secret). `Raw`, `RawV2`, `Redacted` and `ExtraData` are never copied into evidence.
 */
import { z } from 'zod';
import { Label, OpenMap } from './common.js';

export const TruffleHogFinding = z.looseObject({
  /** `{ Data: { Git: {commit, file, repository, line, …} } }`: one key naming the source kind. */
  SourceMetadata: z.looseObject({ Data: OpenMap.nullish() }).nullish(),
  SourceID: z.number().int().nullish(),
  SourceType: z.number().int().nullish(),
  SourceName: z.string().max(200).nullish(),
  DetectorType: z.number().int().nullish(),
  /** e.g. `AWS`, `Github`, `Slack`. */
  DetectorName: Label,
  DecoderName: z.string().max(100).nullish(),
  Verified: z.boolean(),
  Raw: z.string().max(4096),
  RawV2: z.string().max(8192).nullish(),
});
export type TruffleHogFinding = z.infer<typeof TruffleHogFinding>;
