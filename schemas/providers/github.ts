/**
 * Configuration of a GitHub provider instance (github.com or GitHub Enterprise Server).
 *
 * Credential kinds it serves (action → endpoint, see src/providers/github-actions.ts):
 * - `github.pat_classic`, `github.fine_grained_pat`, `github.oauth_token`, `github.user_to_server_token`,
 *   `github.refresh_token`: `revoke_by_value` → POST /credentials/revoke (unauthenticated on github.com).
 * - `github.fine_grained_pat`: `revoke` with providerId `org:patId` → the org's PAT access is revoked
 *   (needs `auth.appToken`, a GitHub App installation token).
 * - `github.oauth_token`, `github.user_to_server_token`: `revoke` → DELETE /applications/{client_id}/token;
 *   `github.oauth_grant`: `revoke` → DELETE /applications/{client_id}/grant (both need `auth.oauthApp`).
 * - `github.installation_token`: `revoke` / `revoke_by_value` → DELETE /installation/token with that token.
 * - `github.deploy_key` (`owner/repo:keyId`), `github.org_member` and `github.outside_collaborator`
 *   (`org:username`), `github.saml_authorization` (`org:credentialId`): `revoke` / `delete` with `auth.token`.
 * - `github.saml_authorizations` (`org:login`, or her login with `org` set): `revoke` removes every SAML
 *   SSO credential authorization of that person (her PATs and SSH keys) with `auth.token`.
 * - `github.ssh_key` (`keyId`): `revoke` / `delete` with `auth.userToken`, the key owner's own token.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const GITHUB_CREDENTIAL_KINDS = [
  'github.pat_classic',
  'github.fine_grained_pat',
  'github.oauth_token',
  'github.user_to_server_token',
  'github.refresh_token',
  'github.oauth_grant',
  'github.installation_token',
  'github.deploy_key',
  'github.org_member',
  'github.outside_collaborator',
  'github.saml_authorization',
  'github.saml_authorizations',
  'github.ssh_key',
] as const;
export const GithubCredentialKind = z.enum(GITHUB_CREDENTIAL_KINDS);
export type GithubCredentialKind = z.infer<typeof GithubCredentialKind>;

export const GithubProviderConfig = z
  .object({
    type: z.literal('github'),
    name: z.string().min(1),
    /**
     * The organization people are members of: an offboarding removes a leaver from it by her login
     * (`identities` in the inventory), and `github.org_member` providerIds may then be a bare login.
     */
    org: z.string().min(1).max(100).optional(),
    /** REST base URL: `https://HOST/api/v3` for GHES; a local fake in tests. */
    baseUrl: z.url().default('https://api.github.com'),
    auth: z
      .object({
        /** Org/repo admin token (PAT or App installation token): deploy keys, members, SAML, alerts. */
        token: SecretSetting.optional(),
        /** GitHub App installation token with `organization_personal_access_tokens: write`. */
        appToken: SecretSetting.optional(),
        /** The key owner's own token (`admin:public_key`), for DELETE /user/keys/{key_id}. */
        userToken: SecretSetting.optional(),
        /** OAuth app (or GitHub App) client credentials for /applications/{client_id}/token|grant. */
        oauthApp: z
          .object({ clientId: z.string().min(1), clientSecret: SecretSetting })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /**
     * github.com rejects an authenticated POST /credentials/revoke (403); GHES 3.19 requires one.
     * When true the call carries `auth.token`.
     */
    authenticatedCredentialRevoke: z.boolean().default(false),
    credentialKinds: z
      .array(GithubCredentialKind)
      .min(1)
      .default([...GITHUB_CREDENTIAL_KINDS]),
    timeoutMs: z.number().int().positive().default(10_000),
    /** /credentials/revoke answers 202 and revokes asynchronously: give verify time to see it. */
    propagationMs: z.number().int().nonnegative().default(30_000),
    /** Budget for authenticated calls (primary limit 5,000/h per token, secondary limits on writes). */
    rateBudget: RateBudgetSetting.default({ perSecond: 1, burst: 20, concurrency: 4 }),
  })
  .strict();
export type GithubProviderConfig = z.infer<typeof GithubProviderConfig>;
export type GithubProviderConfigInput = z.input<typeof GithubProviderConfig>;
