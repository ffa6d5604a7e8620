/** Source normalizers: the registry, the result type, and the JSON Lines helper for line formats. */
export { SOURCES, SOURCE_NAMES, getSource, SourceName, type SourceHandler } from './registry.js';
export type { NormalizeIssue, NormalizeRejectCode, NormalizeResult } from './result.js';
export { splitJsonLines, decodeJson } from './input.js';
export { normalizeGitHubSecretScanningAlert } from './github-secret-scanning.js';
export { normalizeGitHubPartner } from './github-partner.js';
export { normalizeGitGuardian } from './gitguardian.js';
export { normalizeTruffleHog } from './trufflehog.js';
export { normalizeGitleaks } from './gitleaks.js';
export { normalizeAwsHealth } from './aws-health.js';
export { normalizeOkta } from './okta.js';
export { normalizeScim } from './scim.js';
export { normalizeBambooHr } from './bamboohr.js';
export { normalizeHris } from './hris.js';
export { normalizeKubernetesAudit } from './kubernetes-audit.js';
export { normalizeCloudTrail } from './cloudtrail.js';
export { normalizeTerraform } from './terraform.js';
export { normalizeDecommission } from './decommission.js';
export { normalizeSsf } from './ssf.js';
