/**
 * One configured instance of a declared provider family: its definition, its resolved secrets and
 * the kinds it serves. The revoking adapter (http-family.ts) and the discoverer
 * (src/discovery/family.ts) are built from the same instance, so they agree on what is configured.
 */
import {
  FamilyProviderConfig,
  type FamilyDefinition,
  type FamilyProviderConfigInput,
} from '../../schemas/providers/family.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import { FAMILIES } from './families/index.js';
import type { CallContext } from './http-family-call.js';

export interface FamilyInstance {
  config: FamilyProviderConfig;
  def: FamilyDefinition;
  secrets: Readonly<Record<string, string>>;
  /** Every secret the definition's own auth names is set: `auth: admin` requests can be sent. */
  adminConfigured: boolean;
  /** The kinds this instance serves (`credentialKinds`, default all the definition's). */
  wanted: ReadonlySet<string>;
  /** A call's context, under `signal`. */
  context(signal: AbortSignal): CallContext;
}

export function familyInstance(
  cfg: FamilyProviderConfigInput,
  deps: { env?: Env; now?: () => number; families?: Readonly<Record<string, FamilyDefinition>> } = {},
): FamilyInstance {
  const config = FamilyProviderConfig.parse(cfg);
  const families = deps.families ?? FAMILIES;
  // Own properties only: a family named `constructor` or `toString` is just an unknown name.
  const def = Object.hasOwn(families, config.family) ? families[config.family] : undefined;
  if (!def) {
    throw new TourniquetError('INVALID_CONFIG', `provider ${config.name}: unknown family ${config.family}`);
  }
  const env = deps.env ?? process.env;
  // Resolved now so that a missing env variable fails at start, not mid-incident.
  const secrets: Record<string, string> = {};
  for (const [key, setting] of Object.entries(config.secrets)) {
    if (!Object.hasOwn(def.secrets, key)) {
      throw new TourniquetError(
        'INVALID_CONFIG',
        `provider ${config.name}: ${def.name} takes no secret ${key}`,
      );
    }
    secrets[key] = resolveSecret(setting, env);
  }
  for (const key of Object.keys(def.vars)) {
    if (config.vars[key] === undefined) {
      throw new TourniquetError('INVALID_CONFIG', `provider ${config.name}: ${def.name} needs vars.${key}`);
    }
  }
  const adminConfigured =
    def.auth.every((part) =>
      part.type === 'header'
        ? secrets[part.secret] !== undefined
        : secrets[part.user] !== undefined && secrets[part.password] !== undefined,
    ) && def.auth.length > 0;

  const wanted = new Set(config.credentialKinds ?? def.kinds.map((k) => k.kind));
  const unknown = [...wanted].filter((k) => !def.kinds.some((d) => d.kind === k));
  if (unknown.length > 0) {
    throw new TourniquetError(
      'INVALID_CONFIG',
      `provider ${config.name}: ${def.name} has no kind ${unknown.join(', ')}`,
    );
  }
  const baseUrls = { ...def.baseUrls, ...config.baseUrls };
  const now = deps.now ?? Date.now;
  return {
    config,
    def,
    secrets,
    adminConfigured,
    wanted,
    context: (signal) => ({
      def,
      baseUrls,
      vars: config.vars,
      secrets,
      timeoutMs: config.timeoutMs,
      now,
      signal,
    }),
  };
}
