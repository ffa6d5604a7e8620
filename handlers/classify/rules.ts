/**
 * Offline token-format rules (reference: providers.md §3, gitleaks' config, vendor announcements).
 * Order matters: more specific prefixes come first (`xoxe.xoxb-` before `xoxe-`, `sk-ant-` before
 * OpenAI's `sk-`). Every pattern is anchored with bounded repetition, so matching is linear.
 *
 * `credential: false` marks values that look like keys but grant nothing (AWS unique ids such as
 * AIDA/AROA, Stripe publishable keys): they are recognised so they are not mistaken for secrets.
 */

import { FAMILY_RULES } from './families.js';
import type { TokenRule } from './rule.js';
import { githubChecksum } from './github.js';

export type { TokenRule } from './rule.js';

/** Legacy Vault tokens (`s.`, `b.`, `r.`) are short prefixes: demand random-looking mixed classes. */
function mixedClasses(value: string): boolean {
  const body = value.slice(2);
  return /[0-9]/.test(body) && /[A-Z]/.test(body) && /[a-z]/.test(body);
}

const OPENAI_MARKER = 'T3BlbkFJ';
const hasOpenAiMarker = (value: string): boolean => value.includes(OPENAI_MARKER);

const AWS_UNIQUE_IDS: ReadonlyArray<readonly [string, string]> = [
  ['AIDA', 'user'],
  ['AROA', 'role'],
  ['AGPA', 'group'],
  ['ANPA', 'managed_policy'],
  ['ANVA', 'policy_version'],
  ['APKA', 'public_key'],
  ['ASCA', 'certificate'],
  ['AIPA', 'instance_profile'],
];

export const TOKEN_RULES: readonly TokenRule[] = [
  // GitHub fine-grained PATs (22 + `_` + 59 today); the prefixed classic formats are handled in github.ts.
  { pattern: /^github_pat_\w{82,244}$/, tokenType: 'github.fine_grained_pat', providerType: 'github' },

  // Slack
  {
    pattern: /^xoxe\.xoxb-[A-Za-z0-9-]{20,500}$/,
    tokenType: 'slack.rotating_bot_token',
    providerType: 'slack',
  },
  {
    pattern: /^xoxe\.xoxp-[A-Za-z0-9-]{20,500}$/,
    tokenType: 'slack.rotating_user_token',
    providerType: 'slack',
  },
  { pattern: /^xoxe-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.refresh_token', providerType: 'slack' },
  { pattern: /^xoxb-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.bot_token', providerType: 'slack' },
  { pattern: /^xoxp-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.user_token', providerType: 'slack' },
  { pattern: /^xapp-\d-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.app_token', providerType: 'slack' },
  {
    pattern: /^xoxa-[A-Za-z0-9-]{20,500}$/,
    tokenType: 'slack.legacy_workspace_token',
    providerType: 'slack',
  },
  { pattern: /^xoxr-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.legacy_refresh_token', providerType: 'slack' },
  { pattern: /^xox[so]-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.legacy_token', providerType: 'slack' },
  { pattern: /^xoxc-[A-Za-z0-9-]{20,500}$/, tokenType: 'slack.client_session_token', providerType: 'slack' },
  {
    pattern: /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9_/+-]{10,300}$/,
    tokenType: 'slack.incoming_webhook_url',
    providerType: 'slack',
  },
  {
    pattern: /^https:\/\/hooks\.slack\.com\/(?:workflows|triggers)\/[A-Za-z0-9_/+-]{10,300}$/,
    tokenType: 'slack.workflow_webhook_url',
    providerType: 'slack',
  },

  // A PEM private key: no API revokes it; whoever trusts its public half must stop trusting it.
  {
    pattern:
      /^-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\s\S]{20,4000}-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----$/,
    tokenType: 'crypto.private_key',
    providerType: 'crypto',
  },

  // AWS: access key ids name a credential; unique ids name principals and grant nothing.
  { pattern: /^AKIA[A-Z2-7]{16}$/, tokenType: 'aws.access_key', providerType: 'aws' },
  { pattern: /^ASIA[A-Z2-7]{16}$/, tokenType: 'aws.temporary_access_key', providerType: 'aws' },
  { pattern: /^ABIA[A-Z2-7]{16}$/, tokenType: 'aws.sts_service_bearer_key', providerType: 'aws' },
  { pattern: /^ACCA[A-Z2-7]{16}$/, tokenType: 'aws.context_specific_key', providerType: 'aws' },
  { pattern: /^ABSK[A-Za-z0-9+/]{40,400}={0,2}$/, tokenType: 'aws.bedrock_api_key', providerType: 'aws' },
  ...AWS_UNIQUE_IDS.map(([prefix, what]): TokenRule => ({
    pattern: new RegExp(`^${prefix}[A-Z2-7]{16}$`),
    tokenType: `aws.unique_id.${what}`,
    providerType: 'aws',
    credential: false,
  })),

  // HashiCorp Vault / OpenBao
  { pattern: /^hvs\.[A-Za-z0-9_-]{24,500}$/, tokenType: 'vault.service_token', providerType: 'vault' },
  { pattern: /^hvb\.[A-Za-z0-9_-]{24,1000}$/, tokenType: 'vault.batch_token', providerType: 'vault' },
  { pattern: /^hvr\.[A-Za-z0-9_-]{24,500}$/, tokenType: 'vault.recovery_token', providerType: 'vault' },
  // Legacy / OpenBao formats. A token minted in a namespace carries the namespace id after a dot:
  // 5 characters on Vault Enterprise, 6 on OpenBao (checked against a real OpenBao 2.7 server).
  {
    pattern: /^s\.[A-Za-z0-9]{24}(?:\.[A-Za-z0-9]{5,6})?$/,
    tokenType: 'vault.service_token',
    providerType: 'vault',
    also: mixedClasses,
  },
  {
    pattern: /^b\.[A-Za-z0-9_-]{60,1000}(?:\.[A-Za-z0-9]{5,6})?$/,
    tokenType: 'vault.batch_token',
    providerType: 'vault',
    also: mixedClasses,
  },
  {
    pattern: /^r\.[A-Za-z0-9]{24}$/,
    tokenType: 'vault.recovery_token',
    providerType: 'vault',
    also: mixedClasses,
  },

  // GitLab
  {
    pattern: /^glpat-[A-Za-z0-9_.-]{20,300}$/,
    tokenType: 'gitlab.personal_access_token',
    providerType: 'gitlab',
  },
  { pattern: /^gldt-[A-Za-z0-9_.-]{20,300}$/, tokenType: 'gitlab.deploy_token', providerType: 'gitlab' },
  {
    pattern: /^glptt-[A-Za-z0-9_.-]{20,300}$/,
    tokenType: 'gitlab.pipeline_trigger_token',
    providerType: 'gitlab',
  },
  { pattern: /^glrt-[A-Za-z0-9_.-]{20,300}$/, tokenType: 'gitlab.runner_token', providerType: 'gitlab' },
  {
    pattern: /^GR1348941[A-Za-z0-9_-]{20,300}$/,
    tokenType: 'gitlab.runner_registration_token',
    providerType: 'gitlab',
  },
  { pattern: /^glcbt-[A-Za-z0-9_.-]{20,300}$/, tokenType: 'gitlab.ci_build_token', providerType: 'gitlab' },
  { pattern: /^gloas-[A-Za-z0-9_.-]{20,300}$/, tokenType: 'gitlab.oauth_app_secret', providerType: 'gitlab' },
  { pattern: /^glft-[A-Za-z0-9_.-]{20,300}$/, tokenType: 'gitlab.feed_token', providerType: 'gitlab' },
  {
    pattern: /^glsoat-[A-Za-z0-9_.-]{20,300}$/,
    tokenType: 'gitlab.scim_oauth_token',
    providerType: 'gitlab',
  },

  // Stripe (pk_ keys are public by design)
  { pattern: /^sk_live_[A-Za-z0-9]{10,247}$/, tokenType: 'stripe.secret_key', providerType: 'stripe' },
  { pattern: /^rk_live_[A-Za-z0-9]{10,247}$/, tokenType: 'stripe.restricted_key', providerType: 'stripe' },
  { pattern: /^sk_test_[A-Za-z0-9]{10,247}$/, tokenType: 'stripe.test_secret_key', providerType: 'stripe' },
  {
    pattern: /^rk_test_[A-Za-z0-9]{10,247}$/,
    tokenType: 'stripe.test_restricted_key',
    providerType: 'stripe',
  },
  { pattern: /^whsec_[A-Za-z0-9+/=]{20,200}$/, tokenType: 'stripe.webhook_secret', providerType: 'stripe' },
  {
    pattern: /^pk_(?:live|test)_[A-Za-z0-9]{10,247}$/,
    tokenType: 'stripe.publishable_key',
    providerType: 'stripe',
    credential: false,
  },

  // Anthropic before OpenAI: both start with `sk-`.
  {
    pattern: /^sk-ant-api03-[A-Za-z0-9_-]{80,200}AA$/,
    tokenType: 'anthropic.api_key',
    providerType: 'anthropic',
  },
  {
    pattern: /^sk-ant-admin01-[A-Za-z0-9_-]{80,200}AA$/,
    tokenType: 'anthropic.admin_key',
    providerType: 'anthropic',
  },

  // OpenAI: every format embeds base64("OpenAI") = T3BlbkFJ.
  {
    pattern: /^sk-proj-[A-Za-z0-9_-]{20,300}$/,
    tokenType: 'openai.project_key',
    providerType: 'openai',
    also: hasOpenAiMarker,
  },
  {
    pattern: /^sk-svcacct-[A-Za-z0-9_-]{20,300}$/,
    tokenType: 'openai.service_account_key',
    providerType: 'openai',
    also: hasOpenAiMarker,
  },
  {
    pattern: /^sk-admin-[A-Za-z0-9_-]{20,300}$/,
    tokenType: 'openai.admin_key',
    providerType: 'openai',
    also: hasOpenAiMarker,
  },
  {
    pattern: /^sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}$/,
    tokenType: 'openai.api_key',
    providerType: 'openai',
  },

  // Package registries and others
  // npm uses GitHub's format: the last 6 characters are base62(CRC32(the 30 before them))
  // (github.blog 2021-09-23, "Announcing npm's new access token format").
  {
    pattern: /^npm_[A-Za-z0-9]{36}$/,
    tokenType: 'npm.access_token',
    providerType: 'npm',
    checksum: (v) => githubChecksum(v.slice(4, -6)) === v.slice(-6),
  },
  ...FAMILY_RULES,
  {
    pattern: /^pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}$/,
    tokenType: 'pypi.api_token',
    providerType: 'pypi',
  },
  {
    pattern: /^pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,1000}$/,
    tokenType: 'pypi.test_api_token',
    providerType: 'pypi',
  },
  { pattern: /^AIza[0-9A-Za-z_-]{35}$/, tokenType: 'google.api_key', providerType: 'google' },
  {
    pattern: /^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/,
    tokenType: 'sendgrid.api_key',
    providerType: 'sendgrid',
  },
  // The API key SID: it names a revocable key (its secret is a separate value).
  { pattern: /^SK[0-9a-fA-F]{32}$/, tokenType: 'twilio.api_key', providerType: 'twilio' },
  {
    pattern: /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}$/,
    tokenType: 'terraform.api_token',
    providerType: 'terraform',
  },
];
