/**
 * Token formats of the declared provider families (src/providers/families/*), from each provider's
 * documented prefix (and gitleaks' rules where the docs give no length). A tokenType here that a
 * family declares with `byValue` is revoked by value at a configured instance of that family;
 * the others (Heroku, Atlassian: revoked by id only) go to their owner with a manual step.
 */
import type { TokenRule } from './rule.js';

export const FAMILY_RULES: readonly TokenRule[] = [
  // Hugging Face user access tokens; `api_org_` are legacy organization API tokens.
  { pattern: /^hf_[A-Za-z0-9]{34}$/, tokenType: 'huggingface.access_token', providerType: 'huggingface' },
  {
    pattern: /^api_org_[A-Za-z0-9]{34}$/,
    tokenType: 'huggingface.org_api_token',
    providerType: 'huggingface',
  },
  // DigitalOcean (docs.digitalocean.com/reference/api/: personal, OAuth and refresh tokens).
  {
    pattern: /^dop_v1_[a-f0-9]{64}$/,
    tokenType: 'digitalocean.personal_access_token',
    providerType: 'digitalocean',
  },
  { pattern: /^doo_v1_[a-f0-9]{64}$/, tokenType: 'digitalocean.oauth_token', providerType: 'digitalocean' },
  { pattern: /^dor_v1_[a-f0-9]{64}$/, tokenType: 'digitalocean.refresh_token', providerType: 'digitalocean' },
  // Doppler (docs.doppler.com/reference/auth-token-formats); a service token may carry its config slug.
  { pattern: /^dp\.pt\.[A-Za-z0-9]{40,44}$/, tokenType: 'doppler.personal_token', providerType: 'doppler' },
  {
    pattern: /^dp\.st\.(?:[a-z0-9_-]{2,35}\.)?[A-Za-z0-9]{40,44}$/,
    tokenType: 'doppler.service_token',
    providerType: 'doppler',
  },
  { pattern: /^dp\.ct\.[A-Za-z0-9]{40,44}$/, tokenType: 'doppler.cli_token', providerType: 'doppler' },
  {
    pattern: /^dp\.sa\.[A-Za-z0-9]{40,44}$/,
    tokenType: 'doppler.service_account_token',
    providerType: 'doppler',
  },
  { pattern: /^dp\.scim\.[A-Za-z0-9]{40,44}$/, tokenType: 'doppler.scim_token', providerType: 'doppler' },
  { pattern: /^dp\.audit\.[A-Za-z0-9]{40,44}$/, tokenType: 'doppler.audit_token', providerType: 'doppler' },
  // Buildkite API access tokens.
  { pattern: /^bkua_[a-f0-9]{40}$/, tokenType: 'buildkite.api_token', providerType: 'buildkite' },
  // Heroku API keys (2024 format); revoked by authorization id only.
  { pattern: /^HRKU-AA[0-9A-Za-z_-]{58}$/, tokenType: 'heroku.api_key', providerType: 'heroku' },
  // Atlassian API tokens (2023 format); revoked by account and token id only.
  { pattern: /^ATATT3[A-Za-z0-9_=-]{186}$/, tokenType: 'atlassian.api_token', providerType: 'atlassian' },
];
