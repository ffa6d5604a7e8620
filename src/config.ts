/**
 * Loads configuration once: defaults < config file (TOURNIQUET_CONFIG) < environment. Every problem
 * is reported at once, then the result is frozen. A string `policy` is a path to a policy file.
 */
import { dirname, resolve } from 'node:path';
import { Config, Policy, type SecretSetting } from '../schemas/index.js';
import { TourniquetError } from './errors.js';
import { readStructuredFile } from './util/files.js';
import { describeIssues, fieldIssues } from './util/zod-issues.js';

export type Env = Readonly<Record<string, string | undefined>>;

export async function loadConfig(
  env: Env = process.env,
  overrides: Record<string, unknown> = {},
): Promise<Config> {
  const file = env.TOURNIQUET_CONFIG;
  const fromFile = file ? await readStructuredFile(file) : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new TourniquetError('INVALID_CONFIG', `${file} must hold an object`);
  }
  const raw: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  // An env variable overrides one setting, not its whole section: KAFKA_BROKERS keeps the file's
  // kafka.topics and groupId, TOURNIQUET_HTTP_PORT keeps http.bodyLimitBytes.
  for (const [key, value] of Object.entries(fromEnv(env))) raw[key] = mergeSection(raw[key], value);
  Object.assign(raw, overrides);
  const policySource = env.TOURNIQUET_POLICY ?? raw.policy;
  if (typeof policySource === 'string') {
    const path = file && !env.TOURNIQUET_POLICY ? resolve(dirname(file), policySource) : policySource;
    const parsed = Policy.safeParse(await readStructuredFile(path));
    if (!parsed.success) {
      throw new TourniquetError('INVALID_CONFIG', `policy ${path}: ${describeIssues(parsed.error)}`, {
        details: fieldIssues(parsed.error),
      });
    }
    raw.policy = parsed.data;
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    throw new TourniquetError('INVALID_CONFIG', `configuration: ${describeIssues(parsed.error)}`, {
      details: fieldIssues(parsed.error),
    });
  }
  return deepFreeze(parsed.data);
}

function mergeSection(base: unknown, value: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  return isObject(base) && isObject(value) ? { ...base, ...value } : value;
}

function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.TOURNIQUET_DATA_DIR) out.dataDir = env.TOURNIQUET_DATA_DIR;
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.TOURNIQUET_LOG_LEVEL) out.logLevel = env.TOURNIQUET_LOG_LEVEL;
  if (env.KAFKA_BROKERS) {
    out.kafka = {
      brokers: env.KAFKA_BROKERS.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    };
  }
  if (env.TOURNIQUET_HTTP_PORT || env.TOURNIQUET_HTTP_HOST) {
    out.http = {
      ...(env.TOURNIQUET_HTTP_HOST ? { host: env.TOURNIQUET_HTTP_HOST } : {}),
      ...(env.TOURNIQUET_HTTP_PORT ? { port: Number(env.TOURNIQUET_HTTP_PORT) } : {}),
    };
  }
  const keyEnv = {
    fingerprint: 'TOURNIQUET_FINGERPRINT_KEY',
    seal: 'TOURNIQUET_SEAL_KEY',
    audit: 'TOURNIQUET_AUDIT_KEY',
    anchor: 'TOURNIQUET_ANCHOR_KEY',
  };
  const keys = Object.entries(keyEnv).filter(([, name]) => env[name]);
  if (keys.length > 0) out.keys = Object.fromEntries(keys.map(([k, name]) => [k, { env: name }]));
  // The standard OpenTelemetry variables: the traces URL as given, or the base URL plus its path.
  const otlpBase = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const otlp = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (otlpBase ? `${otlpBase}/v1/traces` : undefined);
  if (otlp || env.OTEL_SERVICE_NAME) {
    out.tracing = {
      ...(otlp ? { otlpEndpoint: otlp } : {}),
      ...(env.OTEL_SERVICE_NAME ? { serviceName: env.OTEL_SERVICE_NAME } : {}),
    };
  }
  if (env.TOURNIQUET_AUDIT_ANCHOR_FILE) out.audit = { anchorFile: env.TOURNIQUET_AUDIT_ANCHOR_FILE };
  return out;
}

/** Resolves a secret setting (inline value or `{ env: NAME }`). */
export function resolveSecret(setting: SecretSetting, env: Env = process.env): string {
  if (typeof setting === 'string') return setting;
  const value = env[setting.env];
  if (!value) throw new TourniquetError('INVALID_CONFIG', `environment variable ${setting.env} is not set`);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
