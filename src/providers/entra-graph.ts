/**
 * The Microsoft Graph client of one Entra instance, shared by the revoking adapter
 * (src/providers/entra.ts) and the discoverer (src/discovery/entra.ts): client credentials at the
 * tenant's v2.0 token endpoint, scope `https://graph.microsoft.com/.default`, the token cached until
 * shortly before expiry (bearer-cache.ts), Graph's `error.code` kept as the error's reason.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import type { EntraProviderConfig } from '../../schemas/providers/entra.js';
import { resolveSecret } from '../config.js';
import { TourniquetError } from '../errors.js';
import { bearerCache, bearerCall } from './bearer-cache.js';
import { childLogger, type IdpDeps } from './idp-common.js';
import { restCall, seg, unexpectedShape, type RestCall, type RestClient } from './rest-call.js';

export type GraphCall = ReturnType<typeof bearerCall>;

export interface EntraGraph {
  call: GraphCall;
  /** The Graph base URL, ending in `/` (`https://graph.microsoft.com/v1.0/`). */
  base: string;
  log: RestClient['log'];
}

export function entraGraph(config: EntraProviderConfig, deps: IdpDeps = {}): EntraGraph {
  const log = childLogger(deps, config.name, 'entra');
  const now = deps.now ?? Date.now;
  const secret = resolveSecret(config.clientSecret, deps.env ?? process.env);
  const base = config.graphUrl.endsWith('/') ? config.graphUrl : `${config.graphUrl}/`;
  const tokenUrl = new URL(`${seg(config.tenantId)}/oauth2/v2.0/token`, config.authorityUrl).toString();
  const client: RestClient = {
    provider: config.name,
    timeoutMs: config.timeoutMs,
    log,
    now,
    reasonOf: (b) => {
      const e = (b as { error?: unknown } | undefined)?.error;
      // Graph: {error:{code}}; the token endpoint: {error:"invalid_client"}.
      const code = typeof e === 'string' ? e : (e as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' && /^[A-Za-z_.]{1,80}$/.test(code) ? code : undefined;
    },
    requestIdHeader: 'request-id',
  };
  const tokens = bearerCache(async (signal) => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.clientId,
      client_secret: secret,
      scope: 'https://graph.microsoft.com/.default',
    });
    const got = await tokenCall(
      { op: 'token', method: 'POST', url: tokenUrl, headers: {}, body: form },
      signal,
    );
    const b = got.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof b?.access_token !== 'string') throw unexpectedShape(config.name, 'token');
    return { token: b.access_token, expiresInS: typeof b.expires_in === 'number' ? b.expires_in : 300 };
  }, now);

  async function tokenCall(c: RestCall, signal: AbortSignal) {
    try {
      return await restCall(client, c, signal);
    } catch (e) {
      // The token endpoint refuses bad client credentials with 400/401 invalid_client: a config problem.
      if (e instanceof TourniquetError && (e.code === 'PROVIDER_REJECTED' || e.code === 'PROVIDER_FORBIDDEN'))
        throw new TourniquetError(
          'PROVIDER_AUTH_FAILED',
          `${config.name} token: client credentials refused`,
          {
            details: e.details,
          },
        );
      throw e;
    }
  }

  return { call: bearerCall(client, base, tokens), base, log };
}
