/**
 * Configuration of a Slack provider instance (one workspace or Enterprise Grid org).
 *
 * Credential kinds it serves (see src/providers/slack-actions.ts):
 * - `slack.bot_token`, `slack.user_token`: `revoke` / `revoke_by_value` → auth.revoke called with the
 *   token itself (needs the secret).
 * - `slack.user_session`: `revoke` (providerId = user id) → admin.users.session.reset with `adminToken`.
 * - `slack.user`: `revoke` / `delete` (providerId `teamId:userId`, or `userId` with `teamId` set) →
 *   admin.users.remove, or SCIM deactivate when `userRemoval: 'scim'`; `disable` → SCIM deactivate.
 * - `slack.app_installation`: `revoke` / `delete` → apps.uninstall with the install's token (needs the
 *   secret and `app`); `slack.app`: `revoke` / `delete` (providerId `appId` or `teamId:appId`) →
 *   admin.apps.uninstall with `adminToken`.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const SLACK_CREDENTIAL_KINDS = [
  'slack.bot_token',
  'slack.user_token',
  'slack.user_session',
  'slack.user',
  'slack.app_installation',
  'slack.app',
] as const;
export const SlackCredentialKind = z.enum(SLACK_CREDENTIAL_KINDS);
export type SlackCredentialKind = z.infer<typeof SlackCredentialKind>;

export const SlackProviderConfig = z
  .object({
    type: z.literal('slack'),
    name: z.string().min(1),
    /** Web API base URL; a local fake in tests. */
    slackApiUrl: z.url().default('https://slack.com/api/'),
    /** SCIM base URL (v2). */
    scimApiUrl: z.url().default('https://api.slack.com/scim/v2/'),
    /** Org-admin user token (`admin.users:write`, `admin.apps:write`, SCIM `admin` scope). */
    adminToken: SecretSetting.optional(),
    /** Default workspace for admin.users.remove / admin.apps.uninstall when the providerId names none. */
    teamId: z.string().min(1).optional(),
    /** Enterprise Grid org for admin.apps.uninstall when no workspace is named. */
    enterpriseId: z.string().min(1).optional(),
    /** How `slack.user` revoke/delete removes a person: from the workspace, or SCIM deactivation. */
    userRemoval: z.enum(['admin', 'scim']).default('admin'),
    /** The app whose installs `slack.app_installation` uninstalls (apps.uninstall needs its credentials). */
    app: z
      .object({ clientId: z.string().min(1), clientSecret: SecretSetting })
      .strict()
      .optional(),
    credentialKinds: z
      .array(SlackCredentialKind)
      .min(1)
      .default([...SLACK_CREDENTIAL_KINDS]),
    timeoutMs: z.number().int().positive().default(10_000),
    propagationMs: z.number().int().nonnegative().default(5_000),
    /** Admin methods are Tier 2 (≥20/min); auth.revoke Tier 3 (≥50/min) per token. */
    rateBudget: RateBudgetSetting.default({ perSecond: 20 / 60, burst: 20, concurrency: 4 }),
  })
  .strict();
export type SlackProviderConfig = z.infer<typeof SlackProviderConfig>;
export type SlackProviderConfigInput = z.input<typeof SlackProviderConfig>;
