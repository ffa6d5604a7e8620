/**
 * Configuration of the Google provider types, both authenticated as a service account (its JSON key,
 * a secret) with a JWT bearer grant signed locally:
 *
 * - `google_workspace` (one Workspace customer): the Admin SDK Directory API with domain-wide
 *   delegation, impersonating `subject` (an admin). Kind `google_workspace.user` (providerId = her
 *   primary email or user id, a person's `identities` entry): `revoke` / `disable` → sign her out,
 *   delete her OAuth tokens and application-specific passwords, suspend her.
 * - `gcp_iam` (one or more projects): service-account keys. Kind `gcp.service_account_key`
 *   (providerId `email:keyId` or, for a leaked key, its `private_key_id` with the email known):
 *   `disable` (reversible) and `delete`.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const GOOGLE_WORKSPACE_KINDS = ['google_workspace.user'] as const;
export const GCP_IAM_KINDS = ['gcp.service_account_key'] as const;

const serviceAccount = {
  /** The service account's JSON key file content (`{"type":"service_account","private_key":…}`). */
  serviceAccountKey: SecretSetting,
  /** Overrides the key's `token_uri` (a local fake in tests). */
  tokenUrl: z.url().optional(),
  timeoutMs: z.number().int().positive().default(10_000),
};

export const GoogleWorkspaceProviderConfig = z
  .object({
    type: z.literal('google_workspace'),
    name: z.string().min(1),
    ...serviceAccount,
    /** The admin the service account acts as (domain-wide delegation). */
    subject: z.email(),
    directoryUrl: z.url().default('https://admin.googleapis.com/admin/directory/v1/'),
    propagationMs: z.number().int().nonnegative().default(5_000),
    /** Directory API: 2,400 queries/min per user per project by default; stay well under. */
    rateBudget: RateBudgetSetting.default({ perSecond: 10, burst: 20, concurrency: 4 }),
  })
  .strict();
export type GoogleWorkspaceProviderConfig = z.infer<typeof GoogleWorkspaceProviderConfig>;
export type GoogleWorkspaceProviderConfigInput = z.input<typeof GoogleWorkspaceProviderConfig>;

export const GcpIamProviderConfig = z
  .object({
    type: z.literal('gcp_iam'),
    name: z.string().min(1),
    ...serviceAccount,
    /** Projects this instance acts in: a leaked key goes to the instance of its project. */
    projects: z.array(z.string().min(1)).default([]),
    iamUrl: z.url().default('https://iam.googleapis.com/v1/'),
    /** Key disable/delete takes effect within seconds to minutes. */
    propagationMs: z.number().int().nonnegative().default(60_000),
    rateBudget: RateBudgetSetting.default({ perSecond: 5, burst: 10, concurrency: 4 }),
  })
  .strict();
export type GcpIamProviderConfig = z.infer<typeof GcpIamProviderConfig>;
export type GcpIamProviderConfigInput = z.input<typeof GcpIamProviderConfig>;
