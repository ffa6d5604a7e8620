/**
 * Configuration of an Okta provider instance (one Okta org), reached with an SSWS API token
 * (https://developer.okta.com/docs/guides/create-an-api-token/).
 *
 * Credential kind it serves (src/providers/okta.ts):
 * - `okta.user`: `revoke` / `disable` (providerId = the Okta user id or login, a person's
 *   `identities` entry) → clear her sessions with her OAuth tokens, revoke her grants and every
 *   client's refresh tokens, then deactivate her. Verified dead when her status is DEPROVISIONED.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const OKTA_CREDENTIAL_KINDS = ['okta.user'] as const;
export const OktaCredentialKind = z.enum(OKTA_CREDENTIAL_KINDS);

export const OktaProviderConfig = z
  .object({
    type: z.literal('okta'),
    name: z.string().min(1),
    /** `https://acme.okta.com`; a local fake in tests. */
    orgUrl: z.url(),
    /** SSWS API token of an admin allowed to manage users (okta.users.manage). */
    apiToken: SecretSetting,
    credentialKinds: z
      .array(OktaCredentialKind)
      .min(1)
      .default([...OKTA_CREDENTIAL_KINDS]),
    timeoutMs: z.number().int().positive().default(10_000),
    propagationMs: z.number().int().nonnegative().default(5_000),
    /** Okta's /api/v1/users limits are per org and minute (600/min on many orgs); stay well under. */
    rateBudget: RateBudgetSetting.default({ perSecond: 5, burst: 10, concurrency: 4 }),
  })
  .strict();
export type OktaProviderConfig = z.infer<typeof OktaProviderConfig>;
export type OktaProviderConfigInput = z.input<typeof OktaProviderConfig>;
