/**
 * The Vault / OpenBao discoverer: every token, by accessor (`vault.token`, what the adapter
 * revokes). `LIST auth/token/accessors`, then `auth/token/lookup-accessor` for each: policies →
 * scopes, creation_time → issuedAt, expire_time → expiresAt, meta `owner`/`workload` → owner and
 * workload, meta `username` (else the display name) → the owning account.
 *
 * An accessor is not a secret; the token id is, and lookup-accessor never returns it (we read only
 * the named fields anyway). A refused LIST (403) is a `refused` event and no `complete`; a refused
 * lookup leaves the details out but the listing is still whole. An accessor that vanished between
 * the list and its lookup (400 "invalid accessor") is skipped: it is gone.
 * Vault has no paged LIST here, so the accessor list is held whole (40 bytes each).
 */
import { VaultProviderConfig, type VaultProviderConfigInput } from '../../schemas/providers/vault.js';
import { resolveSecret } from '../config.js';
import { deadline, parseRetryAfter, statusError, transportError } from '../providers/http-errors.js';
import { VAULT_KINDS } from '../providers/vault.js';
import { isRefusal, refusedEvent } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import type { DiscoveredCredential, Discoverer, DiscoveryCall } from './port.js';
import { parseConfig } from '../util/parse-config.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined;

function isoOf(v: unknown): string | undefined {
  const t = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

export function createVaultDiscoverer(
  input: VaultProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer {
  const cfg = parseConfig(VaultProviderConfig, input, 'vault discoverer');
  const token = resolveSecret(cfg.token, deps.env);
  const base = cfg.address.replace(/\/+$/, '');

  /** One Vault call through the sync's DiscoveryCall; null for a 400 (an accessor gone meanwhile). */
  function vault(
    call: DiscoveryCall,
    signal: AbortSignal,
    what: string,
    method: string,
    path: string,
    body?: Json,
  ) {
    return call(what, async (s): Promise<Json | null> => {
      signal.throwIfAborted();
      const limit = deadline(AbortSignal.any([signal, s]), cfg.timeoutMs);
      const headers: Record<string, string> = { 'X-Vault-Token': token, 'X-Vault-Request': 'true' };
      if (cfg.namespace) headers['X-Vault-Namespace'] = cfg.namespace;
      if (body) headers['Content-Type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${base}/v1/${path}`, {
          method,
          headers,
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: limit.signal,
        });
      } catch (e) {
        if (signal.aborted) throw e;
        throw transportError('Vault', what, e, limit.timedOut());
      }
      const text = await res.text();
      if (res.ok) return text ? (JSON.parse(text) as Json) : {};
      // LIST with nothing under it answers 404 with no errors: an empty list.
      if (res.status === 404 && method === 'LIST') return {};
      if (res.status === 400) return null;
      throw statusError('Vault', what, res.status, {
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      });
    });
  }

  return {
    instance: cfg.name,
    kinds: [VAULT_KINDS.token],
    async *discover(call, signal) {
      let listed;
      try {
        listed = await vault(call, signal, 'list accessors', 'LIST', 'auth/token/accessors');
      } catch (err) {
        if (!isRefusal(err)) throw err;
        yield refusedEvent('token accessors', 'list on auth/token/accessors', err);
        return;
      }
      const keys = (listed?.data as Json | undefined)?.keys;
      let lookupRefused = false;
      for (const accessor of Array.isArray(keys) ? keys : []) {
        if (typeof accessor !== 'string' || !accessor) continue;
        let d: Json | undefined;
        if (!lookupRefused) {
          try {
            const r = await vault(call, signal, 'lookup accessor', 'POST', 'auth/token/lookup-accessor', {
              accessor,
            });
            if (r === null) continue;
            d = r.data as Json | undefined;
          } catch (err) {
            if (!isRefusal(err)) throw err;
            lookupRefused = true;
            yield refusedEvent('token details', 'update on auth/token/lookup-accessor', err);
          }
        }
        const meta = (d?.meta ?? {}) as Json;
        const policies = Array.isArray(d?.policies)
          ? d.policies.filter((p) => typeof p === 'string')
          : undefined;
        const ownerIdentity = str(meta.username) ?? str(d?.display_name);
        const owner = str(meta.owner);
        const workload = str(meta.workload);
        const issuedAt = isoOf(d?.creation_time);
        const expiresAt = isoOf(d?.expire_time);
        const credential: DiscoveredCredential = {
          kind: VAULT_KINDS.token,
          providerId: accessor,
          ...(ownerIdentity ? { ownerIdentity } : {}),
          ...(owner ? { owner } : {}),
          ...(workload ? { workload } : {}),
          ...(policies ? { scopes: policies.map((p) => String(p).slice(0, 200)) } : {}),
          ...(issuedAt ? { issuedAt } : {}),
          ...(expiresAt ? { expiresAt } : {}),
          ...(str(d?.type) ? { labels: { tokenType: str(d?.type) ?? '' } } : {}),
        };
        yield { type: 'credential', credential };
      }
      signal.throwIfAborted();
      yield { type: 'complete', kinds: [VAULT_KINDS.token] };
    },
  };
}
