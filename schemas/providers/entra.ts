/**
 * Configuration of a Microsoft Entra ID provider instance (one tenant), reached through Microsoft
 * Graph with an app registration's client credentials (application permissions
 * User.RevokeSessions.All, User.EnableDisableAccount.All or User.ReadWrite.All, and
 * Application.ReadWrite.All for app credentials).
 *
 * Credential kinds it serves (src/providers/entra.ts):
 * - `entra.user`: `revoke` / `disable` (providerId = object id or userPrincipalName, a person's
 *   `identities` entry) → revokeSignInSessions, then `accountEnabled: false`.
 * - `entra.app_password`, `entra.sp_password`: `revoke` / `delete` (providerId `objectId:keyId` of an
 *   application or a service principal) → removePassword: a workload's client secret.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const ENTRA_CREDENTIAL_KINDS = ['entra.user', 'entra.app_password', 'entra.sp_password'] as const;
export const EntraCredentialKind = z.enum(ENTRA_CREDENTIAL_KINDS);

export const EntraProviderConfig = z
  .object({
    type: z.literal('entra'),
    name: z.string().min(1),
    /** Directory (tenant) id or a verified domain. */
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: SecretSetting,
    /** Token authority; the tenant's token endpoint is `<authority>/<tenantId>/oauth2/v2.0/token`. */
    authorityUrl: z.url().default('https://login.microsoftonline.com/'),
    graphUrl: z.url().default('https://graph.microsoft.com/v1.0/'),
    credentialKinds: z
      .array(EntraCredentialKind)
      .min(1)
      .default([...ENTRA_CREDENTIAL_KINDS]),
    timeoutMs: z.number().int().positive().default(10_000),
    /** revokeSignInSessions "can take a few minutes" to reach every service. */
    propagationMs: z.number().int().nonnegative().default(5_000),
    rateBudget: RateBudgetSetting.default({ perSecond: 10, burst: 20, concurrency: 4 }),
  })
  .strict();
export type EntraProviderConfig = z.infer<typeof EntraProviderConfig>;
export type EntraProviderConfigInput = z.input<typeof EntraProviderConfig>;
