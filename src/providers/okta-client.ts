/**
 * How every call to one Okta org is made (the revoking adapter, src/providers/okta.ts, and the
 * discoverer, src/discovery/okta.ts): the SSWS API token, the REST client that reads Okta's rate
 * limit reset and `errorCode`, and paths under `/api/v1/`. One place, so both classify alike.
 */
import type { OktaProviderConfig } from '../../schemas/providers/okta.js';
import { resolveSecret } from '../config.js';
import { parseRateLimitReset } from './http-errors.js';
import { childLogger, type IdpDeps } from './idp-common.js';
import { restCall, type RestCall, type RestClient } from './rest-call.js';

export type OktaCall = (
  c: Omit<RestCall, 'headers' | 'url'> & { path: string },
  signal: AbortSignal,
) => ReturnType<typeof restCall>;

export function oktaApi(config: OktaProviderConfig, deps: IdpDeps): { call: OktaCall; base: URL } {
  // Resolved now: a missing env variable fails at start, not mid-incident.
  const auth = `SSWS ${resolveSecret(config.apiToken, deps.env ?? process.env)}`;
  const base = new URL('/api/v1/', config.orgUrl);
  const client: RestClient = {
    provider: config.name,
    timeoutMs: config.timeoutMs,
    log: childLogger(deps, config.name, 'okta'),
    now: deps.now ?? Date.now,
    rateLimitDelay: (h, nowMs) => parseRateLimitReset(h.get('x-rate-limit-reset'), nowMs),
    reasonOf: (b) => {
      const code = (b as { errorCode?: unknown } | undefined)?.errorCode;
      return typeof code === 'string' && /^E\d{7}$/.test(code) ? code : undefined;
    },
    requestIdHeader: 'x-okta-request-id',
  };
  const prefix = base.toString();
  return {
    base,
    call: (c, signal) =>
      restCall(client, { ...c, url: prefix + c.path, headers: { authorization: auth } }, signal),
  };
}
