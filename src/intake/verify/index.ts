/**
 * Delivery verifiers, one per signed source. Map of source → verifier (the HTTP layer picks one per
 * route; sources without a signature of their own, like TruffleHog or Gitleaks uploads, rely on the
 * API's own authentication):
 *   github.secret_scanning_alert → verifyGitHubWebhook        github.partner → verifyGitHubPartner
 *   gitguardian → verifyGitGuardian     bamboohr → verifyBambooHr     terraform → verifyTerraform
 *   okta → verifyOkta                   ssf → verifySecurityEventToken (returns the claims)
 */
export * from './common.js';
export { verifyGitHubWebhook, type GitHubWebhookOptions } from './github.js';
export { verifyGitHubPartner, type GitHubPartnerOptions, type PublicKeyLookup } from './github-partner.js';
export { verifyGitGuardian, type GitGuardianOptions } from './gitguardian.js';
export { verifyBambooHr, type BambooHrOptions } from './bamboohr.js';
export { verifyTerraform, type TerraformOptions } from './terraform.js';
export { verifyOkta, type OktaOptions } from './okta.js';
export { verifySecurityEventToken, type SsfOptions, type VerifiedSet, type Rfc8935Error } from './ssf.js';
