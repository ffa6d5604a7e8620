/**
 * Source event formats, one file each, and the names by which intake routes them. A source name is
 * also the `source` of every trigger its normalizer emits.
 */
import { z } from 'zod';

export const SourceName = z.enum([
  'github.secret_scanning_alert',
  'github.partner',
  'gitguardian',
  'trufflehog',
  'gitleaks',
  'betterleaks',
  'kingfisher',
  'sarif',
  'detect-secrets',
  'gitlab.secret_detection',
  'aws.health',
  'okta',
  'scim',
  'bamboohr',
  'hris',
  'kubernetes.audit',
  'aws.cloudtrail',
  'terraform',
  'generic.decommission',
  'ssf',
]);
export type SourceName = z.infer<typeof SourceName>;

export * from './result.js';
export * from './github-secret-scanning.js';
export * from './github-partner.js';
export * from './gitguardian.js';
export * from './trufflehog.js';
export * from './gitleaks.js';
export * from './betterleaks.js';
export * from './kingfisher.js';
export * from './sarif.js';
export * from './detect-secrets.js';
export * from './gitlab-secret-detection.js';
export * from './aws-health.js';
export * from './okta.js';
export * from './scim.js';
export * from './bamboohr.js';
export * from './hris.js';
export * from './kubernetes-audit.js';
export * from './cloudtrail.js';
export * from './terraform.js';
export * from './decommission.js';
export * from './ssf.js';
