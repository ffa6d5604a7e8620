/** Configuration of the generic OAuth 2.0 provider (RFC 7009 revocation, RFC 7662 introspection). */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const OAuthProviderConfig = z
  .object({
    type: z.literal('oauth'),
    name: z.string().min(1),
    /** RFC 7009 revocation endpoint. */
    revocationEndpoint: z.url(),
    /** RFC 7662 introspection endpoint; without it a revocation cannot be verified. */
    introspectionEndpoint: z.url().optional(),
    clientId: z.string().min(1),
    clientSecret: SecretSetting,
    /** Client used for introspection when the resource server differs from the revoking client. */
    introspectionClient: z
      .object({ clientId: z.string().min(1), clientSecret: SecretSetting })
      .strict()
      .optional(),
    /** Credential kinds this instance revokes. */
    credentialKinds: z.array(z.string()).default(['oauth.access_token', 'oauth.refresh_token']),
    /**
     * Deviations from RFC 7009 seen in the field: Google and Salesforce answer 400 for a token that
     * is already invalid, which must count as already revoked rather than as a permanent error.
     */
    invalidTokenAnswers400: z.boolean().default(false),
    /**
     * Introspect before a first revocation attempt too, so that a token that was already dead is
     * reported `already_revoked` (RFC 7009's 200 cannot tell). Costs one call per revocation: a
     * third of the provider's call budget. Re-attempts are always introspected first, whatever
     * this says, so a retried or redelivered task never revokes twice.
     */
    precheck: z.boolean().default(false),
    timeoutMs: z.number().int().positive().default(10_000),
    /** How long a revocation may take to become visible at introspection. */
    propagationMs: z.number().int().nonnegative().default(5_000),
    /** Overrides the default budget of 20 calls/s (an in-house IdP usually allows far more). */
    rateBudget: RateBudgetSetting.optional(),
  })
  .strict();
export type OAuthProviderConfig = z.infer<typeof OAuthProviderConfig>;
