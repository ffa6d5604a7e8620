/**
 * SARIF 2.1.0 (OASIS) as secret scanners write it (Gitleaks, Kingfisher, Betterleaks, ggshield,
 * TruffleHog via converters): `runs[].results[]`, each with a `ruleId` (or `rule.id`, or a
 * `ruleIndex` into `tool.driver.rules`), `locations[].physicalLocation.{artifactLocation.uri,
 * region.{startLine, snippet.text}}`, `fingerprints` / `partialFingerprints` (string maps), and
 * `properties` bags. Where the secret and the commit are is the tool's choice: Gitleaks puts the
 * secret in `region.snippet.text` and the commit, author and date in `partialFingerprints`;
 * Kingfisher puts its `git_metadata` in the location's `properties`; the run's
 * `versionControlProvenance` names the repository and revision.
 *
 * `message.text` and `contextRegion` may quote the secret or its line and are never read.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, OpenMap } from './common.js';

const Text = z.string().max(8192);

export const SarifLocation = z.looseObject({
  physicalLocation: z
    .looseObject({
      artifactLocation: z.looseObject({ uri: z.string().max(2000).nullish() }).nullish(),
      region: z
        .looseObject({
          startLine: z.number().int().nullish(),
          endLine: z.number().int().nullish(),
          snippet: z.looseObject({ text: Text.nullish() }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
  /** Producer-keyed bag (Kingfisher's `git_metadata`): read by the handler by name only. */
  properties: OpenMap.nullish(),
});

export const SarifResult = z.looseObject({
  ruleId: z.string().min(1).max(200).nullish(),
  ruleIndex: z.number().int().nonnegative().nullish(),
  rule: z.looseObject({ id: z.string().min(1).max(200).nullish() }).nullish(),
  level: z.string().max(50).nullish(),
  locations: z.array(SarifLocation).max(100).nullish(),
  fingerprints: OpenMap.nullish(),
  partialFingerprints: OpenMap.nullish(),
  properties: OpenMap.nullish(),
});
export type SarifResult = z.infer<typeof SarifResult>;

export const SarifRun = z.looseObject({
  tool: z.looseObject({
    driver: z.looseObject({
      name: z.string().min(1).max(200),
      version: z.string().max(100).nullish(),
      semanticVersion: z.string().max(100).nullish(),
      rules: z
        .array(z.looseObject({ id: z.string().max(200).nullish() }))
        .max(5000)
        .nullish(),
    }),
  }),
  /** Validated one by one by the handler, so one bad result is skipped, not the whole run. */
  results: z.array(z.unknown()).max(MAX_BATCH_RECORDS).nullish(),
  versionControlProvenance: z
    .array(
      z.looseObject({
        repositoryUri: z.string().max(2000).nullish(),
        revisionId: z.string().max(100).nullish(),
        branch: z.string().max(300).nullish(),
      }),
    )
    .max(100)
    .nullish(),
});
export type SarifRun = z.infer<typeof SarifRun>;

export const SarifLog = z.looseObject({
  version: z.literal('2.1.0'),
  runs: z.array(SarifRun).max(100),
});
export type SarifLog = z.infer<typeof SarifLog>;
