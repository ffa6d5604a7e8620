/**
 * Notification settings: who learns what the pipeline did. Slack is the one channel today: a SOC
 * channel gets one summary per trigger (and every approval request and escalation); a credential's
 * owner (an email in the inventory) gets a direct message. Delivery is best effort: it never delays
 * or fails a revocation.
 */
import { z } from 'zod';
import { SecretSetting } from './common.js';

export const SlackNotificationsConfig = z
  .object({
    /** Bot token with chat:write, users:read and users:read.email. */
    token: SecretSetting,
    /** Channel id (C…) or name where the SOC reads summaries, approvals and escalations. */
    socChannel: z.string().min(1).max(100),
    /** Direct-message credential owners (found with users.lookupByEmail). */
    notifyOwners: z.boolean().default(true),
    /** Web API base URL; a local fake in tests. */
    slackApiUrl: z.url().optional(),
    /** A trigger's summary is sent once its tasks have been quiet this long (or its plan finished). */
    batchQuietMs: z.number().int().positive().default(3_000),
    /** …and at least this often while a large plan is still running. */
    batchMaxWaitMs: z.number().int().positive().default(60_000),
    /** Messages waiting for delivery; past this, new ones are dropped (and counted). */
    queueLimit: z.number().int().positive().default(1_000),
    /** Attempts per message (429 waits for Retry-After; 5xx and network errors back off). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** A Retry-After longer than this is not waited for: the message fails instead. */
    maxRetryAfterMs: z.number().int().positive().default(60_000),
    timeoutMs: z.number().int().positive().default(10_000),
    /** On shutdown, how long pending messages may still be delivered. */
    closeTimeoutMs: z.number().int().nonnegative().default(5_000),
  })
  .strict();
export type SlackNotificationsConfig = z.infer<typeof SlackNotificationsConfig>;

export const NotificationsConfig = z
  .object({
    slack: SlackNotificationsConfig.optional(),
  })
  .strict();
export type NotificationsConfig = z.infer<typeof NotificationsConfig>;
