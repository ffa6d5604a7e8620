/**
 * The one retry policy. The one backoff (src/util/backoff.ts): full jitter and a cap; a provider's
 * own delay (Retry-After, x-ratelimit-reset, Slack's 429) takes precedence. Past max attempts or max age the
 * task is dead-lettered. Delays are durable (stored as next_attempt_at), so nothing sleeps on a
 * partition and a restart keeps the schedule.
 */
import type { Config } from '../../schemas/config.js';
import { backoffMs } from '../util/backoff.js';

export type RetryDecision =
  { retry: true; delayMs: number } | { retry: false; reason: 'max_attempts' | 'max_age' };

export function nextRetry(
  policy: Config['retry'],
  attempts: number,
  ageMs: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): RetryDecision {
  if (attempts >= policy.maxAttempts) return { retry: false, reason: 'max_attempts' };
  const delayMs = backoffMs(attempts, policy, { retryAfterMs, random });
  if (ageMs + delayMs > policy.maxAgeMs) return { retry: false, reason: 'max_age' };
  return { retry: true, delayMs };
}
