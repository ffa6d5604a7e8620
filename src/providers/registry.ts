/**
 * The provider registry: configured instances by name, and which instance revokes by value for a
 * provider type. Factories are looked up by config `type`; the composition root builds it once.
 */
import type { ProviderConfig } from '../../schemas/config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CapabilityView } from '../../schemas/capability.js';
import { capabilityView } from './capabilities.js';
import type { Provider } from './port.js';
import { createAwsIamProvider } from './aws-iam.js';
import { createAwsSecretsProvider } from './aws-secrets.js';
import { createEntraProvider } from './entra.js';
import { createGcpIamProvider } from './gcp-iam.js';
import { createGithubProvider } from './github.js';
import { createGoogleWorkspaceProvider } from './google-workspace.js';
import { createFamilyProvider } from './http-family.js';
import { createOAuthProvider } from './oauth.js';
import { createOktaProvider } from './okta.js';
import { createSlackProvider } from './slack.js';
import { createVaultProvider } from './vault.js';

export interface ProviderRegistry {
  get(name: string): Provider | undefined;
  names(): ReadonlySet<string>;
  /** What each configured instance can do, as the planner sees it (computed once). */
  capabilities(): Readonly<Record<string, CapabilityView>>;
  close(): Promise<void>;
}

type Deps = { logger: Logger; env: NodeJS.ProcessEnv };
type Factories = {
  [T in ProviderConfig['type']]: (cfg: Extract<ProviderConfig, { type: T }>, deps: Deps) => Provider;
};

/** Exhaustive: a provider type in the config schema without a factory fails to compile. */
const FACTORIES: Factories = {
  oauth: createOAuthProvider,
  aws_secrets: createAwsSecretsProvider,
  aws_iam: createAwsIamProvider,
  vault: createVaultProvider,
  github: createGithubProvider,
  slack: createSlackProvider,
  okta: createOktaProvider,
  entra: createEntraProvider,
  google_workspace: createGoogleWorkspaceProvider,
  gcp_iam: createGcpIamProvider,
  http_family: createFamilyProvider,
};

export function build(cfg: ProviderConfig, deps: Deps): Provider {
  const factory = FACTORIES[cfg.type] as (c: ProviderConfig, d: Deps) => Provider;
  return factory(cfg, deps);
}

export function buildRegistry(
  configs: readonly ProviderConfig[],
  deps: { logger: Logger; env?: NodeJS.ProcessEnv },
) {
  return registryOf(configs.map((c) => build(c, { logger: deps.logger, env: deps.env ?? process.env })));
}

export function registryOf(providers: readonly Provider[]): ProviderRegistry {
  const byName = new Map<string, Provider>();
  // No prototype: a provider named `constructor` or `__proto__` is just a name.
  const views: Record<string, CapabilityView> = Object.create(null) as Record<string, CapabilityView>;
  for (const p of providers) {
    if (byName.has(p.name)) throw new TourniquetError('INVALID_CONFIG', `two providers are named ${p.name}`);
    byName.set(p.name, p);
    views[p.name] = capabilityView(p);
  }
  Object.freeze(views);
  return {
    get: (name) => byName.get(name),
    names: () => new Set(byName.keys()),
    capabilities: () => views,
    async close() {
      await Promise.all([...byName.values()].map((p) => p.close?.()));
    },
  };
}
