/**
 * GitHub `secret_scanning_alert` webhook (header `X-GitHub-Event: secret_scanning_alert`).
 * The webhook omits the secret value: the trigger carries a LeakReference that a resolver turns into
 * the secret through `GET /repos/{owner}/{repo}/secret-scanning/alerts/{number}`.
 */
import { z } from 'zod';
import { Label, Text, TimeText } from './common.js';

/** Actions that mean "a live secret may be out there". Every other action is acknowledged and ignored. */
export const GITHUB_ALERT_ACTIONS_ACTED_ON = ['created', 'publicly_leaked', 'reopened', 'validated'] as const;

/** Documented actions, used only to name an ignored action without echoing arbitrary input. */
export const GITHUB_ALERT_ACTIONS = [
  ...GITHUB_ALERT_ACTIONS_ACTED_ON,
  'resolved',
  'assigned',
  'unassigned',
] as const;

export const GitHubSecretScanningAlert = z.looseObject({
  number: z.number().int().positive(),
  created_at: TimeText.nullish(),
  updated_at: TimeText.nullish(),
  html_url: z.string().max(2000).nullish(),
  /** e.g. `github_personal_access_token`, `aws_access_key_id`, `slack_api_token`. */
  secret_type: Label,
  secret_type_display_name: z.string().max(200).nullish(),
  /** `active` | `inactive` | `unknown`; kept as a string so a new value does not reject the event. */
  validity: z.string().max(50).nullish(),
  publicly_leaked: z.boolean().nullish(),
  multi_repo: z.boolean().nullish(),
  push_protection_bypassed: z.boolean().nullish(),
  resolution: Text,
});

export const GitHubSecretScanningAlertEvent = z.looseObject({
  action: Label,
  alert: GitHubSecretScanningAlert,
  repository: z.looseObject({
    full_name: z.string().min(3).max(300),
    html_url: z.string().max(2000).nullish(),
  }),
  organization: z.looseObject({ login: z.string().max(200) }).nullish(),
});
export type GitHubSecretScanningAlertEvent = z.infer<typeof GitHubSecretScanningAlertEvent>;
