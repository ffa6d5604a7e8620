/**
 * An access token obtained from a token endpoint (Entra client credentials, a Google service
 * account's JWT bearer grant), kept in memory until shortly before it expires. One request at a
 * time fetches it; a failure is not cached, so the next attempt (scheduled by the retry layer)
 * asks again. `forget` drops a token the API refused.
 */
import { TourniquetError } from '../errors.js';
import { restCall, type RestCall, type RestClient } from './rest-call.js';

export interface MintedToken {
  token: string;
  expiresInS: number;
}

/** Refresh this long before the announced expiry (clock skew, long calls). */
const EARLY_MS = 60_000;

export function bearerCache(mint: (signal: AbortSignal) => Promise<MintedToken>, now: () => number) {
  let current: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    async get(signal: AbortSignal): Promise<string> {
      if (current && now() < current.until) return current.token;
      pending ??= mint(signal)
        .then((m) => {
          current = { token: m.token, until: now() + Math.max(0, m.expiresInS * 1000 - EARLY_MS) };
          return m.token;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    forget(): void {
      current = undefined;
    },
  };
}

/** A call under the cached token at `base`; a token the API refused is dropped for the next call. */
export function bearerCall(
  client: RestClient,
  base: string,
  tokens: Pick<ReturnType<typeof bearerCache>, 'get' | 'forget'>,
) {
  return async (c: Omit<RestCall, 'headers' | 'url'> & { path: string }, signal: AbortSignal) => {
    const token = await tokens.get(signal);
    try {
      return await restCall(
        client,
        { ...c, url: base + c.path, headers: { authorization: `Bearer ${token}` } },
        signal,
      );
    } catch (e) {
      if (e instanceof TourniquetError && e.code === 'PROVIDER_AUTH_FAILED') tokens.forget();
      throw e;
    }
  };
}
