/**
 * HashiCorp Vault / OpenBao adapter over the plain HTTP API (the paths are the same on both).
 *
 * | kind               | providerId            | action  | call                                              |
 * |--------------------|-----------------------|---------|---------------------------------------------------|
 * | vault.token        | token accessor        | revoke  | POST auth/token/revoke-accessor                   |
 * | vault.lease        | lease id              | revoke  | PUT sys/leases/revoke {lease_id, sync: true}      |
 * | vault.lease_prefix | lease path prefix     | revoke  | PUT sys/leases/revoke-prefix/:prefix {sync: true} |
 * | vault.kv_secret    | path in the KV mount  | disable | DELETE :mount/data/:path (soft, undeletable)      |
 * |                    |                       | delete  | PUT :mount/destroy/:path {versions}               |
 *
 * `sync` is always sent: the server field defaults to true, but docs and CLI have described async
 * revocation (202, queued) as the default since Vault 0.10.4; an explicit value removes the doubt.
 * Vault answers "already gone" as success (204, or 200 + warning "No token found with this
 * accessor"), so the adapter looks first where it must tell `revoked` from `already_revoked`.
 */
import { VaultProviderConfig, type VaultProviderConfigInput } from '../../schemas/providers/vault.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeIssues } from '../util/zod-issues.js';
import { deadline, parseRetryAfter, statusError, transportError } from './http-errors.js';
import type { ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';

export const VAULT_KINDS = {
  token: 'vault.token',
  lease: 'vault.lease',
  leasePrefix: 'vault.lease_prefix',
  kvSecret: 'vault.kv_secret',
  /** A leaked service token found by value (hvs.…), not in the inventory. */
  serviceToken: 'vault.service_token',
} as const;

export interface VaultDeps {
  logger?: Logger;
  /** Environment for `{ env: NAME }` settings (default: process.env). */
  env?: Env;
}

type Details = Record<string, string | number | boolean>;

interface VaultResponse {
  status: number;
  body: Record<string, unknown> | null;
  retryAfterMs: number | undefined;
}

interface KvVersion {
  deletion_time?: string;
  destroyed?: boolean;
}
interface KvMetadata {
  current_version?: number;
  versions?: Record<string, KvVersion>;
}

export function createVaultProvider(input: VaultProviderConfigInput, deps: VaultDeps = {}): Provider {
  const parsed = VaultProviderConfig.safeParse(input);
  if (!parsed.success)
    throw new TourniquetError('INVALID_CONFIG', `vault provider: ${describeIssues(parsed.error)}`);
  const cfg = parsed.data;
  const token = resolveSecret(cfg.token, deps.env);
  const base = cfg.address.replace(/\/+$/, '');
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'vault' });

  async function call(
    op: string,
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<VaultResponse> {
    const limit = deadline(signal, cfg.timeoutMs);
    const headers: Record<string, string> = { 'X-Vault-Token': token, 'X-Vault-Request': 'true' };
    if (cfg.namespace) headers['X-Vault-Namespace'] = cfg.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}/v1/${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: limit.signal,
      });
    } catch (e) {
      throw transportError('Vault', op, e, limit.timedOut());
    }
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    if (text) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        // A proxy's HTML error page, not Vault: the status still classifies it.
        log?.debug({ op, status: res.status, parseError: (e as Error).name }, 'Vault answered non-JSON');
      }
    }
    return { status: res.status, body: json, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
  }

  /** A non-success answer as a TourniquetError the retry layer understands. */
  function failure(op: string, res: VaultResponse): TourniquetError {
    // Vault's error strings name paths and causes ("permission denied", "Vault is sealed"); a
    // proxy or plugin could echo the request, so our own token is cut out before keeping one.
    const first = vaultErrors(res.body)[0]?.split(token).join('[redacted]');
    const details = { op, ...(first ? { vaultError: first.slice(0, 200) } : {}) };
    if (res.status === 404) {
      // No route: a wrong mount or address, not something a retry fixes.
      return new TourniquetError('PROVIDER_MISCONFIGURED', `Vault ${op}: HTTP 404`, {
        details: { status: 404, ...details },
      });
    }
    // 412: a performance standby has not caught up yet; 503 (sealed, standby) is handled as 5xx.
    const status = res.status === 412 ? 503 : res.status;
    return statusError('Vault', op, status, {
      retryAfterMs: res.retryAfterMs,
      details: { ...details, ...(status !== res.status ? { httpStatus: res.status } : {}) },
    });
  }

  function ok(res: VaultResponse): Details {
    const d: Details = { httpStatus: res.status };
    const requestId = res.body?.request_id;
    if (typeof requestId === 'string' && requestId) d.requestId = requestId;
    return d;
  }

  // ---- tokens -------------------------------------------------------------------------------

  async function revokeToken(accessor: string, signal: AbortSignal): Promise<ExecuteResult> {
    const res = await call('revoke-accessor', 'POST', 'auth/token/revoke-accessor', { accessor }, signal);
    if (res.status === 204) return { outcome: 'revoked', details: ok(res) };
    if (res.status === 200) {
      const gone = warnings(res.body).some((w) => /no token found/i.test(w));
      return { outcome: gone ? 'already_revoked' : 'revoked', details: ok(res) };
    }
    // Older servers answer an unknown accessor with 400 "invalid accessor".
    if (res.status === 400 && isInvalid(res, /invalid accessor/i))
      return { outcome: 'already_revoked', details: ok(res) };
    throw failure('revoke-accessor', res);
  }

  // A leaked token found by value (hvs.…): revoke it with itself as the body, never the header.
  async function tokenAlive(token: string, signal: AbortSignal): Promise<VerifyResult> {
    const res = await call('lookup', 'POST', 'auth/token/lookup', { token }, signal);
    if (res.status === 200) return { liveness: 'alive', details: ok(res) };
    if (res.status === 403 && isInvalid(res, /bad token/i)) return { liveness: 'dead', details: ok(res) };
    throw failure('lookup', res);
  }

  async function revokeByValue(task: ProviderTask, signal: AbortSignal): Promise<ExecuteResult> {
    const token = secretOf(task);
    // Vault answers 204 for an unknown token too: ask first so "already revoked" is reported as such.
    if (!task.force && (await tokenAlive(token, signal)).liveness === 'dead')
      return { outcome: 'already_revoked' };
    const res = await call('revoke', 'POST', 'auth/token/revoke', { token }, signal);
    if (res.status === 204 || res.status === 200) return { outcome: 'revoked', details: ok(res) };
    throw failure('revoke', res);
  }

  async function verifyToken(accessor: string, signal: AbortSignal): Promise<VerifyResult> {
    const res = await call('lookup-accessor', 'POST', 'auth/token/lookup-accessor', { accessor }, signal);
    if (res.status === 200) return { liveness: 'alive', details: ok(res) };
    if (res.status === 400 && isInvalid(res, /invalid accessor/i))
      return { liveness: 'dead', details: ok(res) };
    throw failure('lookup-accessor', res);
  }

  // ---- leases -------------------------------------------------------------------------------

  async function leaseExists(leaseId: string, signal: AbortSignal): Promise<boolean> {
    const res = await call('lease lookup', 'PUT', 'sys/leases/lookup', { lease_id: leaseId }, signal);
    if (res.status === 200) return true;
    if (res.status === 400 && isInvalid(res, /invalid lease/i)) return false;
    throw failure('lease lookup', res);
  }

  async function revokeLease(leaseId: string, signal: AbortSignal): Promise<ExecuteResult> {
    // Revoking a missing lease is a silent success, so look first to report already_revoked.
    if (!(await leaseExists(leaseId, signal)))
      return { outcome: 'already_revoked', details: { leaseFound: false } };
    const res = await call(
      'lease revoke',
      'PUT',
      'sys/leases/revoke',
      { lease_id: leaseId, sync: true },
      signal,
    );
    if (res.status === 204 || res.status === 200 || res.status === 202) {
      return { outcome: 'revoked', details: { ...ok(res), queued: res.status === 202 } };
    }
    throw failure('lease revoke', res);
  }

  /** Lease ids (and sub-prefixes) under a prefix; Vault answers an empty LIST with 404. */
  async function leasesUnder(prefix: string, signal: AbortSignal): Promise<number> {
    const res = await call(
      'lease list',
      'GET',
      `sys/leases/lookup/${encodePath(prefix)}?list=true`,
      undefined,
      signal,
    );
    if (isEmpty404(res)) return 0;
    if (res.status !== 200) throw failure('lease list', res);
    const keys = (res.body?.data as { keys?: unknown } | undefined)?.keys;
    return Array.isArray(keys) ? keys.length : 0;
  }

  async function revokePrefix(prefix: string, signal: AbortSignal): Promise<ExecuteResult> {
    if ((await leasesUnder(prefix, signal)) === 0)
      return { outcome: 'already_revoked', details: { leases: 0 } };
    const path = `sys/leases/revoke-prefix/${encodePath(prefix)}`;
    const res = await call('lease revoke-prefix', 'PUT', path, { sync: true }, signal);
    if (res.status === 204 || res.status === 200 || res.status === 202) {
      return { outcome: 'revoked', details: { ...ok(res), queued: res.status === 202 } };
    }
    throw failure('lease revoke-prefix', res);
  }

  // ---- KV v2 --------------------------------------------------------------------------------

  async function kvMetadata(mount: string, path: string, signal: AbortSignal): Promise<KvMetadata | null> {
    const res = await call(
      'kv metadata',
      'GET',
      `${encodePath(mount)}/metadata/${encodePath(path)}`,
      undefined,
      signal,
    );
    if (isEmpty404(res)) return null;
    if (res.status !== 200) throw failure('kv metadata', res);
    return (res.body?.data ?? {}) as KvMetadata;
  }

  async function softDelete(mount: string, path: string, signal: AbortSignal): Promise<ExecuteResult> {
    const meta = await kvMetadata(mount, path, signal);
    if (meta === null || !latestAlive(meta))
      return { outcome: 'already_revoked', details: { found: meta !== null } };
    const res = await call(
      'kv delete',
      'DELETE',
      `${encodePath(mount)}/data/${encodePath(path)}`,
      undefined,
      signal,
    );
    if (res.status === 204 || res.status === 200) {
      return { outcome: 'revoked', details: { ...ok(res), version: meta.current_version ?? 0 } };
    }
    throw failure('kv delete', res);
  }

  async function destroy(
    task: ProviderTask,
    mount: string,
    path: string,
    signal: AbortSignal,
  ): Promise<ExecuteResult> {
    const meta = await kvMetadata(mount, path, signal);
    if (meta === null) return { outcome: 'already_revoked', details: { found: false } };
    const versions = liveVersions(meta, requestedVersions(task));
    if (versions.length === 0) return { outcome: 'already_revoked', details: { found: true } };
    const res = await call(
      'kv destroy',
      'PUT',
      `${encodePath(mount)}/destroy/${encodePath(path)}`,
      { versions },
      signal,
    );
    if (res.status === 204 || res.status === 200) {
      return { outcome: 'revoked', details: { ...ok(res), versions: versions.join(',') } };
    }
    throw failure('kv destroy', res);
  }

  async function verifyKv(
    task: ProviderTask,
    mount: string,
    path: string,
    signal: AbortSignal,
  ): Promise<VerifyResult> {
    const meta = await kvMetadata(mount, path, signal);
    if (meta === null) return { liveness: 'dead', details: { found: false } };
    if (task.action === 'disable') {
      return {
        liveness: latestAlive(meta) ? 'alive' : 'dead',
        details: { version: meta.current_version ?? 0 },
      };
    }
    const remaining = liveVersions(meta, requestedVersions(task));
    return { liveness: remaining.length ? 'alive' : 'dead', details: { undestroyed: remaining.join(',') } };
  }

  function kvTarget(task: ProviderTask): { mount: string; path: string } {
    return { mount: task.labels?.mount ?? cfg.kvMount, path: providerId(task) };
  }

  return {
    name: cfg.name,
    type: 'vault',
    capabilities: {
      actions: {
        [VAULT_KINDS.token]: ['revoke'],
        [VAULT_KINDS.serviceToken]: ['revoke_by_value'],
        [VAULT_KINDS.lease]: ['revoke'],
        [VAULT_KINDS.leasePrefix]: ['revoke'],
        [VAULT_KINDS.kvSecret]: ['disable', 'delete'],
      },
      canVerify: true,
      // A soft-deleted KV version comes back with `undelete`; revocations and destroys are final.
      reversible: ['disable'],
      maxBatch: 1,
      rateBudget: cfg.rateBudget ?? { perSecond: 50, burst: 100, concurrency: 8 },
      propagationMs: cfg.propagationMs,
    },
    needsSecret: (task) => task.action === 'revoke_by_value',

    async execute(task, signal) {
      const result = await dispatch(task, {
        byValue: () => revokeByValue(task, signal),
        token: () => revokeToken(providerId(task), signal),
        lease: () => revokeLease(providerId(task), signal),
        leasePrefix: () => revokePrefix(prefixOf(task), signal),
        kvDisable: () => softDelete(kvTarget(task).mount, kvTarget(task).path, signal),
        kvDelete: () => destroy(task, kvTarget(task).mount, kvTarget(task).path, signal),
      });
      log?.info(
        { kind: task.credentialKind, action: task.action, taskId: task.taskId, outcome: result.outcome },
        'vault action',
      );
      return result;
    },

    async verify(task, signal) {
      return dispatch<VerifyResult>(task, {
        byValue: () => tokenAlive(secretOf(task), signal),
        token: () => verifyToken(providerId(task), signal),
        lease: async () => ({ liveness: (await leaseExists(providerId(task), signal)) ? 'alive' : 'dead' }),
        leasePrefix: async () => {
          const n = await leasesUnder(prefixOf(task), signal);
          return { liveness: n ? 'alive' : 'dead', details: { leases: n } };
        },
        kvDisable: () => verifyKv(task, kvTarget(task).mount, kvTarget(task).path, signal),
        kvDelete: () => verifyKv(task, kvTarget(task).mount, kvTarget(task).path, signal),
      });
    },
  };
}

interface Routes<T> {
  byValue(): Promise<T>;
  token(): Promise<T>;
  lease(): Promise<T>;
  leasePrefix(): Promise<T>;
  kvDisable(): Promise<T>;
  kvDelete(): Promise<T>;
}

function dispatch<T>(task: ProviderTask, r: Routes<T>): Promise<T> {
  const { credentialKind: kind, action } = task;
  if (kind === VAULT_KINDS.token && action === 'revoke') return r.token();
  if (kind === VAULT_KINDS.serviceToken && action === 'revoke_by_value') return r.byValue();
  if (kind === VAULT_KINDS.lease && action === 'revoke') return r.lease();
  if (kind === VAULT_KINDS.leasePrefix && action === 'revoke') return r.leasePrefix();
  if (kind === VAULT_KINDS.kvSecret && action === 'disable') return r.kvDisable();
  if (kind === VAULT_KINDS.kvSecret && action === 'delete') return r.kvDelete();
  throw new TourniquetError('PROVIDER_UNSUPPORTED', `vault cannot ${action} a ${kind} credential`, {
    details: { action, credentialKind: kind },
  });
}

function secretOf(task: ProviderTask): string {
  if (!task.secret)
    throw new TourniquetError('SECRET_UNAVAILABLE', 'a by-value revoke needs the leaked token');
  return task.secret;
}

function providerId(task: ProviderTask): string {
  if (!task.providerId)
    throw new TourniquetError('INVALID_INPUT', `${task.credentialKind} task has no providerId`);
  return task.providerId;
}

/**
 * Always a directory: revoke-prefix matches plain string prefixes, so `db/creds/app` would also
 * revoke `db/creds/app-prod/…`; the trailing slash keeps it to the one role.
 */
function prefixOf(task: ProviderTask): string {
  const p = providerId(task).replace(/^\/+/, '');
  return p.endsWith('/') ? p : `${p}/`;
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

function latestAlive(meta: KvMetadata): boolean {
  const v = meta.versions?.[String(meta.current_version ?? 0)];
  if (!v || v.destroyed) return false;
  return !v.deletion_time || Date.parse(v.deletion_time) > Date.now();
}

/** `labels.versions` ("1,3") narrows a destroy; without it every version is destroyed. */
function requestedVersions(task: ProviderTask): number[] | null {
  const raw = task.labels?.versions;
  if (!raw) return null;
  const list = raw.split(',').map((v) => Number(v.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new TourniquetError('INVALID_INPUT', 'label `versions` must list positive version numbers');
  }
  return list;
}

/** Versions that still hold data (not destroyed), among the wanted ones; absent ones count as gone. */
function liveVersions(meta: KvMetadata, wanted: number[] | null): number[] {
  const all = Object.entries(meta.versions ?? {}).map(([n, v]) => ({ n: Number(n), v }));
  return all
    .filter(({ n, v }) => !v.destroyed && (wanted === null || wanted.includes(n)))
    .map(({ n }) => n)
    .sort((a, b) => a - b);
}

function vaultErrors(body: Record<string, unknown> | null): string[] {
  const e = body?.errors;
  return Array.isArray(e) ? e.filter((x): x is string => typeof x === 'string') : [];
}

function warnings(body: Record<string, unknown> | null): string[] {
  const w = body?.warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * "Nothing here" is a 404 with an empty `errors` list. A 404 that names an error ("no handler for
 * route") means the mount does not exist: a misconfiguration, never an already-deleted secret.
 */
function isEmpty404(res: VaultResponse): boolean {
  return res.status === 404 && vaultErrors(res.body).length === 0;
}

function isInvalid(res: VaultResponse, pattern: RegExp): boolean {
  return vaultErrors(res.body).some((e) => pattern.test(e));
}
