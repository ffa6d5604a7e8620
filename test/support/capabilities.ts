/**
 * Capability views of real adapters built from real configurations (nothing is called: adapters
 * connect lazily). The planner's tests plan against what the adapters really declare.
 */
import { pino } from 'pino';
import type { CapabilityView } from '../../schemas/capability.js';
import { ProviderConfig } from '../../schemas/config.js';
import { buildRegistry } from '../../src/providers/registry.js';

const TOKEN = 'test-admin-token-not-a-secret';

/** One instance of every provider type, fully configured (admin tokens, org, team). */
export const FULL_CONFIGS: readonly unknown[] = [
  {
    type: 'github',
    name: 'github-main',
    org: 'acme',
    baseUrl: 'http://127.0.0.1:9',
    auth: { token: TOKEN, appToken: TOKEN },
  },
  {
    type: 'slack',
    name: 'slack-main',
    adminToken: TOKEN,
    teamId: 'T0ACME',
    slackApiUrl: 'http://127.0.0.1:9/api/',
  },
  { type: 'aws_iam', name: 'aws-iam', endpoint: 'http://127.0.0.1:9' },
  { type: 'aws_secrets', name: 'aws-sm', endpoint: 'http://127.0.0.1:9' },
  { type: 'vault', name: 'vault-main', address: 'http://127.0.0.1:9', token: TOKEN },
  {
    type: 'oauth',
    name: 'oauth-main',
    revocationEndpoint: 'http://127.0.0.1:9/revoke',
    introspectionEndpoint: 'http://127.0.0.1:9/introspect',
    clientId: 'c',
    clientSecret: 's',
  },
];

export function capabilitiesOf(configs: readonly unknown[]): Record<string, CapabilityView> {
  const registry = buildRegistry(
    configs.map((c) => ProviderConfig.parse(c)),
    {
      logger: pino({ level: 'silent' }),
      env: {},
    },
  );
  return { ...registry.capabilities() };
}
