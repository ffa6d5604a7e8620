/**
 * The source registry: every SourceName maps to its normalizer. The mapped type makes a missing or
 * misnamed entry a compile error. Intake looks a source up by name (HTTP route, topic, CLI flag),
 * verifies the delivery (src/intake/verify/), then calls `normalize` with the body.
 *
 * `normalize` never throws: a normalizer that fails anyway (a bug) yields a NORMALIZER_FAILED
 * rejection naming only the error class, so a poison event is dead-lettered instead of redelivered.
 */
import { SourceName } from '../../schemas/sources/index.js';
import type { TriggerKind } from '../../schemas/trigger.js';
import { normalizeAwsHealth } from './aws-health.js';
import { normalizeBambooHr } from './bamboohr.js';
import { normalizeCloudTrail } from './cloudtrail.js';
import { normalizeDecommission } from './decommission.js';
import { normalizeGitGuardian } from './gitguardian.js';
import { normalizeGitHubPartner } from './github-partner.js';
import { normalizeGitHubSecretScanningAlert } from './github-secret-scanning.js';
import { normalizeBetterleaks } from './betterleaks.js';
import { normalizeDetectSecrets } from './detect-secrets.js';
import { normalizeGitleaks } from './gitleaks.js';
import { normalizeGitLabSecretDetection } from './gitlab-secret-detection.js';
import { normalizeKingfisher } from './kingfisher.js';
import { normalizeSarif } from './sarif.js';
import { normalizeHris } from './hris.js';
import { normalizeKubernetesAudit } from './kubernetes-audit.js';
import { normalizeOkta } from './okta.js';
import { reject, type NormalizeResult } from './result.js';
import { normalizeScim } from './scim.js';
import { normalizeSsf } from './ssf.js';
import { normalizeTerraform } from './terraform.js';
import { normalizeTruffleHog } from './trufflehog.js';

export { SourceName };
export type { NormalizeResult };

export interface SourceHandler<N extends SourceName = SourceName> {
  readonly name: N;
  /** The trigger kind this source emits; `mixed` when it depends on the event (SSF). */
  readonly kindHint: TriggerKind | 'mixed';
  /** Body as parsed JSON, text or bytes (TruffleHog: JSON Lines text or one parsed finding). */
  normalize(raw: unknown): NormalizeResult;
}

type Normalizer = (raw: unknown) => NormalizeResult;

function guarded(normalize: Normalizer): Normalizer {
  return (raw) => {
    try {
      return normalize(raw);
    } catch (e: unknown) {
      // The error's message may quote input; only its class name is kept.
      const kind = e instanceof Error ? e.name : typeof e;
      return reject('NORMALIZER_FAILED', [{ path: '$', message: `normalizer failed (${kind})` }]);
    }
  };
}

function source<N extends SourceName>(
  name: N,
  kindHint: TriggerKind | 'mixed',
  normalize: Normalizer,
): SourceHandler<N> {
  return Object.freeze({ name, kindHint, normalize: guarded(normalize) });
}

export const SOURCES: { readonly [N in SourceName]: SourceHandler<N> } = Object.freeze({
  'github.secret_scanning_alert': source(
    'github.secret_scanning_alert',
    'leak',
    normalizeGitHubSecretScanningAlert,
  ),
  'github.partner': source('github.partner', 'leak', normalizeGitHubPartner),
  gitguardian: source('gitguardian', 'leak', normalizeGitGuardian),
  trufflehog: source('trufflehog', 'leak', normalizeTruffleHog),
  gitleaks: source('gitleaks', 'leak', normalizeGitleaks),
  betterleaks: source('betterleaks', 'leak', normalizeBetterleaks),
  kingfisher: source('kingfisher', 'leak', normalizeKingfisher),
  sarif: source('sarif', 'leak', normalizeSarif),
  'detect-secrets': source('detect-secrets', 'leak', normalizeDetectSecrets),
  'gitlab.secret_detection': source('gitlab.secret_detection', 'leak', normalizeGitLabSecretDetection),
  'aws.health': source('aws.health', 'leak', normalizeAwsHealth),
  okta: source('okta', 'offboarding', normalizeOkta),
  scim: source('scim', 'offboarding', normalizeScim),
  bamboohr: source('bamboohr', 'offboarding', normalizeBambooHr),
  hris: source('hris', 'offboarding', normalizeHris),
  'kubernetes.audit': source('kubernetes.audit', 'decommission', normalizeKubernetesAudit),
  'aws.cloudtrail': source('aws.cloudtrail', 'decommission', normalizeCloudTrail),
  terraform: source('terraform', 'decommission', normalizeTerraform),
  'generic.decommission': source('generic.decommission', 'decommission', normalizeDecommission),
  ssf: source('ssf', 'mixed', normalizeSsf),
});

/** Looks a source up by an untrusted name (route parameter, topic header); undefined when unknown. */
export function getSource(name: string): SourceHandler | undefined {
  const parsed = SourceName.safeParse(name);
  return parsed.success ? SOURCES[parsed.data] : undefined;
}

export const SOURCE_NAMES: readonly SourceName[] = SourceName.options;
