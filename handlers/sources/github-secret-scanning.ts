/**
 * GitHub `secret_scanning_alert` webhook → one leak trigger holding a LeakReference (the webhook
 * omits the secret). Id: `github-alert:` + SHA-256(repository full name, alert number), so every
 * delivery about the same alert (created, validated, publicly_leaked, reopened) is one trigger.
 */
import {
  GITHUB_ALERT_ACTIONS,
  GITHUB_ALERT_ACTIONS_ACTED_ON,
  GitHubSecretScanningAlertEvent,
} from '../../schemas/sources/github-secret-scanning.js';
import { evidence, opt } from './evidence.js';
import { hashedId } from './ids.js';
import { parseEvent } from './input.js';
import { ignoredResult, Outcome, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const GITHUB_ALERT_SOURCE = 'github.secret_scanning_alert';

export function normalizeGitHubSecretScanningAlert(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, GitHubSecretScanningAlertEvent);
  if (!parsed.ok) return parsed.result;
  const { action, alert, repository, organization } = parsed.event;
  if (!(GITHUB_ALERT_ACTIONS_ACTED_ON as readonly string[]).includes(action)) {
    // Name the action only when it is a documented one: the field is producer text.
    const named = (GITHUB_ALERT_ACTIONS as readonly string[]).includes(action) ? `'${action}' ` : '';
    return ignoredResult(`alert action ${named}does not signal a live leak`);
  }
  const outcome = new Outcome();
  outcome.add({
    kind: 'leak',
    id: hashedId('github-alert', repository.full_name, String(alert.number)),
    source: GITHUB_ALERT_SOURCE,
    occurredAt: isoTime(alert.updated_at) ?? isoTime(alert.created_at),
    subject: {
      reference: {
        system: 'github_secret_scanning',
        id: `${repository.full_name}#${alert.number}`,
        secretType: alert.secret_type,
        ...(alert.html_url ? { url: alert.html_url } : {}),
      },
    },
    evidence: evidence({
      action,
      repository: repository.full_name,
      organization: opt(organization?.login),
      alertNumber: alert.number,
      secretType: alert.secret_type,
      secretTypeDisplayName: opt(alert.secret_type_display_name),
      validity: opt(alert.validity),
      publiclyLeaked: opt(alert.publicly_leaked),
      multiRepo: opt(alert.multi_repo),
      pushProtectionBypassed: opt(alert.push_protection_bypassed),
      url: opt(alert.html_url),
    }),
  });
  return outcome.result();
}
