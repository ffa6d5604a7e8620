/**
 * Configuration of the two AWS provider adapters: Secrets Manager (`aws_secrets`, credential kind
 * `aws.secret`) and IAM access keys (`aws_iam`, credential kind `aws.access_key`). Both point at a
 * region, an optional endpoint (moto in tests, a VPC endpoint in production) and optional static
 * credentials; without them the SDK's default chain (env, profile, instance/task role) applies.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

const connection = {
  name: z.string().min(1),
  region: z.string().min(1).default('us-east-1'),
  endpoint: z.url().optional(),
  credentials: z
    .object({
      accessKeyId: SecretSetting,
      secretAccessKey: SecretSetting,
      sessionToken: SecretSetting.optional(),
    })
    .strict()
    .optional(),
  /** Per-call deadline; the SDK's own retries are off (maxAttempts 1), so this bounds one attempt. */
  timeoutMs: z.number().int().positive().default(10_000),
  rateBudget: RateBudgetSetting.optional(),
};

export const AwsSecretsProviderConfig = z
  .object({
    type: z.literal('aws_secrets'),
    ...connection,
    /** `delete` schedules deletion with this recovery window (AWS allows 7–30 days). */
    recoveryWindowDays: z.number().int().min(7).max(30).default(7),
    /** `delete` deletes at once, without a recovery window (irreversible). */
    forceDelete: z.boolean().default(false),
    /** `rotate` writes a fresh random value of this many bytes (default: 32, base64url). */
    generator: z
      .object({
        bytes: z.number().int().min(16).max(4096).default(32),
        encoding: z.enum(['base64url', 'base64', 'hex']).default('base64url'),
      })
      .strict()
      .prefault({}),
    /** `disable` tags the secret `<quarantineTagKey>=<ISO time>`. */
    quarantineTagKey: z.string().min(1).max(128).default('tourniquet:quarantined'),
    /**
     * A tag stops nothing by itself. Set this when a policy (SCP or resource policy) denies reads
     * of secrets carrying the quarantine tag; only then does `verify` report a quarantined secret
     * as dead rather than unknown.
     */
    quarantineEnforced: z.boolean().default(false),
    /** Secrets Manager is eventually consistent; deletion runs in the background. */
    propagationMs: z.number().int().nonnegative().default(30_000),
  })
  .strict();
export type AwsSecretsProviderConfig = z.infer<typeof AwsSecretsProviderConfig>;
export type AwsSecretsProviderConfigInput = z.input<typeof AwsSecretsProviderConfig>;

export const AwsIamProviderConfig = z
  .object({
    type: z.literal('aws_iam'),
    ...connection,
    /**
     * The AWS account this instance acts in. A leaked key that is not in the inventory is looked up
     * (STS GetAccessKeyInfo) and handled by the instance of its account; with several accounts, set
     * it on each instance.
     */
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    /**
     * Deleting a key does not end STS sessions minted from it. With this on, `revoke`/`delete`
     * also put an inline Deny-all policy on the user for tokens issued before now.
     */
    revokeSessions: z.boolean().default(true),
    sessionPolicyName: z
      .string()
      .regex(/^[\w+=,.@-]{1,128}$/, 'an IAM policy name')
      .default('TourniquetRevokeOlderSessions'),
    /** IAM is eventually consistent: key and policy changes can take minutes to apply everywhere. */
    propagationMs: z.number().int().nonnegative().default(300_000),
  })
  .strict();
export type AwsIamProviderConfig = z.infer<typeof AwsIamProviderConfig>;
export type AwsIamProviderConfigInput = z.input<typeof AwsIamProviderConfig>;
