/**
 * The discoverer registry: config `type` → a factory that builds the discoverer of one configured
 * instance. A plain map (one line per type) so each provider's discoverer merges without conflict;
 * a type without an entry cannot be synced (the sync reports it, it does not fail). A factory may
 * also answer null: that instance's configuration gives it nothing to list (a github instance with
 * no `org`).
 */
import type { ProviderConfig } from '../../schemas/config.js';
import { createAwsIamDiscoverer, createAwsSecretsDiscoverer } from './aws.js';
import type { DiscovererDeps } from './deps.js';
import { createEntraDiscoverer } from './entra.js';
import { createFamilyDiscoverer } from './family.js';
import { createGcpIamDiscoverer } from './gcp.js';
import { createGithubDiscoverer } from './github.js';
import { createGoogleWorkspaceDiscoverer } from './google-workspace.js';
import { createOktaDiscoverer } from './okta.js';
import type { Discoverer } from './port.js';
import { createSlackDiscoverer } from './slack.js';
import { createVaultDiscoverer } from './vault.js';

export type { DiscovererDeps };

type Factory<T extends ProviderConfig['type']> = (
  cfg: Extract<ProviderConfig, { type: T }>,
  deps: DiscovererDeps,
) => Discoverer | null;
type Factories = { [T in ProviderConfig['type']]?: Factory<T> };

export const DISCOVERERS: Factories = {
  aws_iam: createAwsIamDiscoverer,
  aws_secrets: createAwsSecretsDiscoverer,
  entra: createEntraDiscoverer,
  gcp_iam: createGcpIamDiscoverer,
  github: createGithubDiscoverer,
  google_workspace: createGoogleWorkspaceDiscoverer,
  http_family: createFamilyDiscoverer,
  okta: createOktaDiscoverer,
  slack: createSlackDiscoverer,
  vault: createVaultDiscoverer,
};

/** The instance's discoverer, or null when its type has none. */
export function buildDiscoverer(cfg: ProviderConfig, deps: DiscovererDeps = {}): Discoverer | null {
  const factory = DISCOVERERS[cfg.type] as Factory<ProviderConfig['type']> | undefined;
  return factory ? factory(cfg as never, deps) : null;
}
