/**
 * Scanner rule id → the token type it detects, for evidence: the value's own format decides the
 * classification at intake, but an analyst (and a value whose format says nothing, such as an AWS
 * secret access key alone) is helped by the scanner's word. Rule ids come in several dialects:
 * Gitleaks/Betterleaks names (`aws-access-token`), Kingfisher v2 (`betterleaks.aws-access-token`),
 * Kingfisher 1.x (`kingfisher.aws.2`), detect-secrets plugin names (`AWS Access Key`), GitLab
 * identifiers (`AWS`). Unknown rules map to nothing.
 */

const BY_NAME: Readonly<Record<string, string>> = {
  'aws-access-token': 'aws.access_key',
  'aws-secret-access-key': 'aws.secret_access_key',
  'aws access key': 'aws.access_key',
  aws: 'aws.access_key',
  'github-pat': 'github.pat',
  'github-fine-grained-pat': 'github.fine_grained_pat',
  'github-oauth': 'github.oauth_token',
  'github-app-token': 'github.app_token',
  'github token': 'github.token',
  'slack-bot-token': 'slack.bot_token',
  'slack-user-token': 'slack.user_token',
  'slack-app-token': 'slack.app_token',
  'slack-webhook-url': 'slack.incoming_webhook_url',
  'slack token': 'slack.token',
  'private-key': 'crypto.private_key',
  'private key': 'crypto.private_key',
  'gitlab-pat': 'gitlab.personal_access_token',
  'stripe-access-token': 'stripe.secret_key',
  'generic-api-key': 'generic.api_key',
};

/** Kingfisher 1.x families (`kingfisher.<family>.<n>`). */
const BY_FAMILY: Readonly<Record<string, string>> = {
  aws: 'aws',
  github: 'github',
  slack: 'slack',
  privkey: 'crypto.private_key',
  pem: 'crypto.private_key',
  gitlab: 'gitlab',
};

export function ruleTokenType(ruleId: string | undefined): string | undefined {
  if (!ruleId) return undefined;
  const id = ruleId.trim().toLowerCase();
  const v1 = /^kingfisher\.([a-z0-9_]+)\.\d+$/.exec(id);
  if (v1) return BY_FAMILY[v1[1] ?? ''];
  const name = id.replace(/^(?:kingfisher|betterleaks|gitleaks)\./, '');
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}
