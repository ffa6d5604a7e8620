/**
 * Every provider type tourniquet knows, as the planner would see it: each type is built from a sample
 * configuration with every optional credential set (placeholders, never used: nothing is called),
 * and described by the same capability view the planner plans from (capabilities.ts). A configured
 * instance can do at most this; one missing a credential does less.
 */
import { pino } from 'pino';
import { ProviderConfig } from '../../schemas/config.js';
import type { CapabilityView } from '../../schemas/capability.js';
import { capabilityView } from './capabilities.js';
import { FAMILIES } from './families/index.js';
import { build } from './registry.js';

export interface ProviderTypeEntry {
  /** Provider type (what a leaked value's format names, what `credential.provider` instances are). */
  type: string;
  /** The adapter's type as the planner matches it (`aws` for both AWS config types). */
  providerType: string;
  /** The config `type` that makes an instance (`http_family` for declared families). */
  configType: ProviderConfig['type'];
  title: string;
  kinds: CapabilityView['kinds'];
  canVerify: boolean;
  propagationMs: number;
  /** Configuration a full instance needs, with what each is for. */
  config: Record<string, string>;
  docs: string[];
}

const P = 'catalog-placeholder';
/** A service-account key file's shape, with placeholder values (nothing is signed or called). */
const SA_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'project',
  private_key_id: P,
  private_key: P,
  client_email: 'catalog@project.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.invalid/token',
});

const ADAPTERS: readonly { title: string; config: Record<string, string>; sample: ProviderConfig }[] = [
  {
    title: 'OAuth 2.0 (RFC 7009 / RFC 7662)',
    config: {
      revocationEndpoint: 'RFC 7009 endpoint',
      introspectionEndpoint: 'RFC 7662 endpoint (verify)',
      clientSecret: 'client credentials',
    },
    sample: sample({
      type: 'oauth',
      revocationEndpoint: 'https://idp.invalid/revoke',
      introspectionEndpoint: 'https://idp.invalid/introspect',
      clientId: P,
      clientSecret: P,
    }),
  },
  {
    title: 'AWS Secrets Manager',
    config: { credentials: 'AWS credentials (or the default chain)', region: 'region' },
    sample: sample({ type: 'aws_secrets' }),
  },
  {
    title: 'AWS IAM',
    config: { credentials: 'AWS credentials (or the default chain)', accountId: 'the account it acts in' },
    sample: sample({ type: 'aws_iam' }),
  },
  {
    title: 'HashiCorp Vault / OpenBao',
    config: { address: 'server URL', token: 'a token allowed to revoke' },
    sample: sample({ type: 'vault', address: 'https://vault.invalid', token: P }),
  },
  {
    title: 'GitHub',
    config: {
      'auth.token': 'org admin token',
      'auth.appToken': 'GitHub App token',
      'auth.userToken': "a user's own token",
      'auth.oauthApp': 'OAuth app client id + secret',
      org: 'organization',
    },
    sample: sample({
      type: 'github',
      org: 'org',
      auth: { token: P, appToken: P, userToken: P, oauthApp: { clientId: P, clientSecret: P } },
    }),
  },
  {
    title: 'Slack',
    config: { adminToken: 'org admin user token', app: 'app client id + secret', teamId: 'workspace' },
    sample: sample({ type: 'slack', adminToken: P, teamId: 'T0', app: { clientId: P, clientSecret: P } }),
  },
  {
    title: 'Okta',
    config: { orgUrl: 'org URL', apiToken: 'SSWS API token (okta.users.manage)' },
    sample: sample({ type: 'okta', orgUrl: 'https://acme.okta.invalid', apiToken: P }),
  },
  {
    title: 'Microsoft Entra ID',
    config: { tenantId: 'tenant', clientId: 'app registration', clientSecret: 'client secret (Graph)' },
    sample: sample({ type: 'entra', tenantId: 'tenant', clientId: P, clientSecret: P }),
  },
  {
    title: 'Google Workspace',
    config: { serviceAccountKey: 'service account key (domain-wide delegation)', subject: 'admin to act as' },
    sample: sample({ type: 'google_workspace', serviceAccountKey: SA_KEY, subject: 'admin@acme.invalid' }),
  },
  {
    title: 'Google Cloud IAM (service-account keys)',
    config: { serviceAccountKey: 'service account key (iam.serviceAccountKeys.*)', projects: 'projects' },
    sample: sample({ type: 'gcp_iam', serviceAccountKey: SA_KEY, projects: ['project'] }),
  },
];

function sample(fields: Record<string, unknown>): ProviderConfig {
  return ProviderConfig.parse({ name: `catalog-${String(fields.type)}`, ...fields });
}

export function providerCatalog(): ProviderTypeEntry[] {
  const deps = { logger: pino({ level: 'silent' }), env: {} };
  const entries: ProviderTypeEntry[] = ADAPTERS.map(({ title, config, sample: cfg }) => {
    const view = capabilityView(build(cfg, deps));
    return {
      type: cfg.type,
      providerType: view.type,
      configType: cfg.type,
      title,
      kinds: view.kinds,
      canVerify: view.canVerify,
      propagationMs: view.propagationMs,
      config,
      docs: [],
    };
  });
  for (const def of Object.values(FAMILIES)) {
    const cfg = ProviderConfig.parse({
      type: 'http_family',
      name: `catalog-${def.name}`,
      family: def.name,
      secrets: Object.fromEntries(Object.keys(def.secrets).map((k) => [k, P])),
      vars: Object.fromEntries(Object.keys(def.vars).map((k) => [k, P])),
    });
    const view = capabilityView(build(cfg, deps));
    entries.push({
      type: def.name,
      providerType: view.type,
      configType: 'http_family',
      title: def.title,
      kinds: view.kinds,
      canVerify: view.canVerify,
      propagationMs: view.propagationMs,
      config: {
        family: def.name,
        ...Object.fromEntries(Object.entries(def.secrets).map(([k, v]) => [`secrets.${k}`, v])),
        ...Object.fromEntries(Object.entries(def.vars).map(([k, v]) => [`vars.${k}`, v])),
      },
      docs: def.docs,
    });
  }
  return entries;
}

/** The catalog as a table: one row per type × kind × action. */
export function catalogTable(entries: readonly ProviderTypeEntry[]): string {
  const rows = [['TYPE', 'KIND', 'ACTION', 'NEEDS', 'VERIFY', 'PROPAGATION']];
  for (const e of entries) {
    for (const [kind, actions] of Object.entries(e.kinds)) {
      for (const a of actions) {
        rows.push([
          e.type,
          kind,
          a.action,
          a.needs.join('+'),
          e.canVerify ? 'yes' : 'no',
          `${e.propagationMs / 1000}s`,
        ]);
      }
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
