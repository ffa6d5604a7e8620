/**
 * Webhook authentication: picks the source's verifier and its configured secrets. Returns what the
 * normalizer takes (the raw body, or a SET's verified claims). A source with no intake config is
 * not exposed at all.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IntakeConfig } from '../../schemas/intake.js';
import type { SecretSetting } from '../../schemas/common.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import {
  verifyBambooHr,
  verifyGitGuardian,
  verifyGitHubPartner,
  verifyGitHubWebhook,
  verifyOkta,
  verifySecurityEventToken,
  verifyTerraform,
} from './verify/index.js';

export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

const secrets = (s: SecretSetting | readonly SecretSetting[], env: Env): string[] =>
  (Array.isArray(s) ? s : [s]).map((x: SecretSetting) => resolveSecret(x, env));

function bearerMatches(headers: Headers, expected: readonly string[]): boolean {
  const h = headers.authorization;
  const value = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : '';
  const given = createHash('sha256').update(value).digest();
  // Compare against every configured token so the time taken does not tell which one matched.
  let ok = false;
  for (const e of expected) ok = timingSafeEqual(given, createHash('sha256').update(e).digest()) || ok;
  return ok && value !== '';
}

/** Own properties only: a route parameter such as `constructor` or `__proto__` names no source. */
function own<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

export function isExposed(name: string, intake: IntakeConfig): boolean {
  return (
    own(intake.bearer, name) !== undefined ||
    (name !== 'bearer' && own(intake as Record<string, unknown>, name) !== undefined)
  );
}

export async function authenticate(
  name: string,
  body: Buffer,
  headers: Headers,
  intake: IntakeConfig,
  env: Env = process.env,
): Promise<unknown> {
  const bearer = own(intake.bearer, name);
  if (bearer !== undefined) {
    if (!bearerMatches(headers, secrets(bearer, env)))
      throw new TourniquetError('INVALID_SIGNATURE', 'missing or wrong bearer token');
    return body;
  }
  switch (name) {
    case 'github.secret_scanning_alert': {
      const c = intake['github.secret_scanning_alert'];
      if (!c) break;
      verifyGitHubWebhook(body, headers, { secret: secrets(c.webhookSecret, env) });
      return body;
    }
    case 'github.partner': {
      const c = intake['github.partner'];
      if (!c) break;
      await verifyGitHubPartner(body, headers, { lookupKey: (id) => c.publicKeys[id] });
      return body;
    }
    case 'gitguardian': {
      const c = intake.gitguardian;
      if (!c) break;
      verifyGitGuardian(body, headers, {
        token: secrets(c.token, env),
        ...(c.maxAgeSeconds ? { maxAgeSeconds: c.maxAgeSeconds } : {}),
      });
      return body;
    }
    case 'bamboohr': {
      const c = intake.bamboohr;
      if (!c) break;
      verifyBambooHr(body, headers, {
        privateKey: secrets(c.privateKey, env),
        ...(c.maxAgeSeconds ? { maxAgeSeconds: c.maxAgeSeconds } : {}),
      });
      return body;
    }
    case 'terraform': {
      const c = intake.terraform;
      if (!c) break;
      verifyTerraform(body, headers, { token: secrets(c.token, env) });
      return body;
    }
    case 'okta': {
      const c = intake.okta;
      if (!c) break;
      verifyOkta(body, headers, {
        secret: secrets(c.secret, env),
        ...(c.headerName ? { headerName: c.headerName } : {}),
      });
      return body;
    }
    case 'ssf': {
      const c = intake.ssf;
      if (!c) break;
      const set = await verifySecurityEventToken(body, headers, {
        keys: c.jwks as unknown as Parameters<typeof verifySecurityEventToken>[2]['keys'],
        issuer: c.issuer,
        audience: c.audience,
        maxAgeSeconds: c.maxAgeSeconds,
      });
      return set.claims;
    }
  }
  throw new TourniquetError('UNKNOWN_SOURCE', 'no such webhook source is configured');
}
