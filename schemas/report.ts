/** The governance report's shape (handlers/report.ts): the CLI, the API and its OpenAPI document. */
import { z } from 'zod';

export const Finding = z.object({
  count: z.number().int(),
  /** Of the live credentials, 0–1 (0 when there are none). */
  share: z.number(),
  examples: z.array(z.string()),
});
export type Finding = z.infer<typeof Finding>;

export const Coverage = z.object({ total: z.number().int(), covered: z.number().int(), share: z.number() });
export type Coverage = z.infer<typeof Coverage>;

export const GovernanceReport = z.object({
  generatedAt: z.string(),
  thresholds: z.object({ staleDays: z.number().int(), maxAgeDays: z.number().int() }),
  /** Credentials that are alive (status active). */
  credentials: z.number().int(),
  ownerCoverage: Finding,
  shadowOwnership: Finding.extend({ noOwner: z.number().int(), notAPerson: z.number().int() }),
  ownersLeft: Finding,
  writeScopes: Finding,
  lifetime: z.object({ noExpiry: Finding, olderThanMaxAge: Finding, expiredButLive: Finding }),
  stale: Finding.extend({ lastUseUnknown: z.number().int() }),
  revocationCoverage: Coverage.extend({
    byProvider: z.record(z.string(), Coverage),
    byKind: z.record(z.string(), Coverage),
  }),
});
export type GovernanceReport = z.infer<typeof GovernanceReport>;

/** One live credential's line (CSV): which findings apply. */
export const CredentialFindings = z.object({
  id: z.string(),
  provider: z.string(),
  kind: z.string(),
  owner: z.string(),
  namedOwner: z.boolean(),
  shadow: z.boolean(),
  ownerLeft: z.boolean(),
  writeScope: z.boolean(),
  noExpiry: z.boolean(),
  olderThanMaxAge: z.boolean(),
  stale: z.boolean(),
  revocable: z.boolean(),
});
export type CredentialFindings = z.infer<typeof CredentialFindings>;

/** One credential's drift check (src/pipeline/drift.ts). */
export const DriftCheck = z.object({
  credentialId: z.string(),
  provider: z.string(),
  /** `owner_left_alive`: active, its owner offboarded, and the provider says it still works. */
  outcome: z.enum(['alive_again', 'dead', 'owner_left_alive', 'unchecked', 'deferred', 'error']),
  /** The leak trigger raised for it (alive again, `drift.trigger`). */
  triggerId: z.string().optional(),
  code: z.string().optional(),
});
export type DriftCheck = z.infer<typeof DriftCheck>;
