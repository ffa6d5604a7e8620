/**
 * Every credential kind each provider type knows, whether or not this configuration can act on it:
 * an inventory record of a kind no adapter knows is a typo, and is refused at import.
 * (`tourniquet inventory check` reports known kinds that no configured instance can act on.)
 */
import { ENTRA_CREDENTIAL_KINDS } from '../../schemas/providers/entra.js';
import { GITHUB_CREDENTIAL_KINDS } from '../../schemas/providers/github.js';
import { GCP_IAM_KINDS, GOOGLE_WORKSPACE_KINDS } from '../../schemas/providers/google.js';
import { OKTA_CREDENTIAL_KINDS } from '../../schemas/providers/okta.js';
import { SLACK_CREDENTIAL_KINDS } from '../../schemas/providers/slack.js';
import { AWS_ACCESS_KEY_KIND } from './aws-iam.js';
import { AWS_SECRET_KIND } from './aws-secrets.js';
import { VAULT_KINDS } from './vault.js';
import { FAMILIES } from './families/index.js';

export const KINDS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  github: GITHUB_CREDENTIAL_KINDS,
  slack: SLACK_CREDENTIAL_KINDS,
  aws: [AWS_ACCESS_KEY_KIND, AWS_SECRET_KIND, 'aws.iam_user'],
  vault: Object.values(VAULT_KINDS),
  oauth: ['oauth.access_token', 'oauth.refresh_token'],
  okta: OKTA_CREDENTIAL_KINDS,
  entra: ENTRA_CREDENTIAL_KINDS,
  google_workspace: GOOGLE_WORKSPACE_KINDS,
  gcp_iam: GCP_IAM_KINDS,
  ...Object.fromEntries(Object.values(FAMILIES).map((f) => [f.name, f.kinds.map((k) => k.kind)])),
};

/** Whether a kind is known; `oauth.*` kinds are configurable per instance, so any oauth kind is. */
export function isKnownKind(kind: string, type?: string): boolean {
  const lists = type === undefined ? Object.values(KINDS_BY_TYPE) : [KINDS_BY_TYPE[type] ?? []];
  return (
    lists.some((l) => l.includes(kind)) ||
    ((type === undefined || type === 'oauth') && kind.startsWith('oauth.'))
  );
}
