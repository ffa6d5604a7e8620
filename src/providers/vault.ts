/**
 * HashiCorp Vault / OpenBao adapter over the plain HTTP API (the paths are the same on both).
 *
 * | kind                | providerId           | action          | call                                         |
 * |---------------------|----------------------|-----------------|----------------------------------------------|
 * | vault.token         | token accessor       | revoke          | POST auth/token/revoke-accessor (subtree)    |
 * | vault.service_token | — (the leaked value) | revoke_by_value | POST auth/token/revoke, or revoke-orphan     |
 * | vault.lease         | lease id             | revoke          | PUT sys/leases/revoke {lease_id, sync: true} |
 * | vault.lease_prefix  | lease directory      | revoke          | PUT sys/leases/revoke-prefix/:dir {sync}     |
 * | vault.kv_secret     | path in the KV mount | disable         | DELETE :mount/data/:path (soft, undeletable) |
 * |                     |                      | delete          | PUT :mount/destroy/:path {versions}          |
 * |                     |                      | rotate          | POST :mount/data/:path (a new version)       |
 *
 * A KV path is also a rotation destination (`rotateTo`): a rotated IAM key is written there.
 *
 * Checked against a real OpenBao 2.7 server (test/contract/vault.test.ts). `sync` is always sent:
 * the server field defaults to true, but docs and CLI have described async revocation (202, queued)
 * as the default since Vault 0.10.4; an explicit value removes the doubt. Vault answers "already
 * gone" as success (204, or 200 + warning "No token found with this accessor"), so the adapter
 * looks first where it must tell `revoked` from `already_revoked`.
 *
 * A credential's `namespace` label (else the configured one) is sent as X-Vault-Namespace.
 */
import { VaultProviderConfig, type VaultProviderConfigInput } from '../../schemas/providers/vault.js';
import { resolveSecret, type Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { deadline, parseRetryAfter, statusError, transportError } from './http-errors.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { kvWriter } from './vault-kv-write.js';
import {
  encodePath,
  hasError,
  isEmpty404,
  latestAlive,
  liveVersions,
  requestedVersions,
  vaultErrors,
  warnings,
  type KvMetadata,
  type VaultResponse,
} from './vault-wire.js';
import { parseConfig } from '../util/parse-config.js';

export const VAULT_KINDS = {
  token: 'vault.token',
  lease: 'vault.lease',
  leasePrefix: 'vault.lease_prefix',
  kvSecret: 'vault.kv_secret',
  /** A leaked service token found by value (hvs.…, s.…), not in the inventory. */
  serviceToken: 'vault.service_token',
} as const;

export interface VaultDeps {
  logger?: Logger;
  /** Environment for `{ env: NAME }` settings (default: process.env). */
  env?: Env;
}

type Details = Record<string, string | number | boolean>;
/** One Vault call, already bound to the task's namespace and abort signal. */
type Call = (op: string, method: string, path: string, body?: unknown) => Promise<VaultResponse>;

export function createVaultProvider(input: VaultProviderConfigInput, deps: VaultDeps = {}): Provider {
  const cfg = parseConfig(VaultProviderConfig, input, 'vault provider');
  const token = resolveSecret(cfg.token, deps.env);
  const base = cfg.address.replace(/\/+$/, '');
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'vault' });
  const subtree = cfg.tokenRevocation === 'subtree';

  function bind(task: ProviderTask, signal: AbortSignal): Call {
    const namespace = (task.labels?.namespace ?? cfg.namespace)?.replace(/^\/+|\/+$/g, '');
    // A proxy or plugin could echo the request in an error string: our token, or the leaked one.
    const secrets = [token, task.secret ?? ''].filter(Boolean);
    return async (op, method, path, body) => {
      const limit = deadline(signal, cfg.timeoutMs);
      const headers: Record<string, string> = { 'X-Vault-Token': token, 'X-Vault-Request': 'true' };
      if (namespace) headers['X-Vault-Namespace'] = namespace;
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
      return {
        status: res.status,
        body: redact(json, secrets),
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      };
    };
  }

  /** A non-success answer as a TourniquetError the retry layer understands. */
  function failure(op: string, res: VaultResponse): TourniquetError {
    // Vault's error strings name paths and causes ("permission denied", "Vault is sealed"), and
    // come here with every secret of the call already cut out (see `redact`).
    const first = vaultErrors(res.body)[0];
    const details = { op, ...(first ? { vaultError: first.slice(0, 200) } : {}) };
    // 404: no route (a wrong mount or address) or "namespace not found". 500 "cannot lookup token
    // in different namespace": the accessor lives in another namespace than the one we asked.
    // Neither is something a retry fixes.
    if (res.status === 404 || hasError(res, /different namespace/i)) {
      return new TourniquetError('PROVIDER_MISCONFIGURED', `Vault ${op}: HTTP ${res.status}`, {
        details: { status: res.status, ...details },
      });
    }
    // 412: a performance standby has not caught up yet; 503 (sealed, standby) is handled as 5xx.
    const status = res.status === 412 ? 503 : res.status;
    return statusError('Vault', op, status, {
      retryAfterMs: res.retryAfterMs,
      details: { ...details, ...(status !== res.status ? { httpStatus: res.status } : {}) },
    });
  }

  function ok(res: VaultResponse, extra: Details = {}): Details {
    const d: Details = { httpStatus: res.status, ...extra };
    const requestId = res.body?.request_id;
    if (typeof requestId === 'string' && requestId) d.requestId = requestId;
    return d;
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** By accessor. Vault revokes the token's whole subtree (children, their leases) with it. */
  async function revokeToken(call: Call, accessor: string): Promise<ExecuteResult> {
    const res = await call('revoke-accessor', 'POST', 'auth/token/revoke-accessor', { accessor });
    if (res.status === 204) return { outcome: 'revoked', details: ok(res, { subtree: true }) };
    if (res.status === 200) {
      const gone = warnings(res.body).some((w) => /no token found/i.test(w));
      return { outcome: gone ? 'already_revoked' : 'revoked', details: ok(res, { subtree: true }) };
    }
    // OpenBao answers an unknown accessor with 400 "invalid accessor".
    if (res.status === 400 && hasError(res, /^invalid accessor$/i))
      return { outcome: 'already_revoked', details: ok(res) };
    throw failure('revoke-accessor', res);
  }

  // A leaked token found by value (hvs.…, s.…): sent as the body, never as the header.
  async function tokenAlive(call: Call, value: string): Promise<VerifyResult> {
    const res = await call('lookup', 'POST', 'auth/token/lookup', { token: value });
    if (res.status === 200) return { liveness: 'alive', details: ok(res) };
    if (res.status === 403 && hasError(res, /^bad token$/i)) return { liveness: 'dead', details: ok(res) };
    throw failure('lookup', res);
  }

  async function revokeByValue(call: Call, task: ProviderTask): Promise<ExecuteResult> {
    const value = secretOf(task);
    // Vault answers 204 for an unknown token too: ask first so "already revoked" is reported as such.
    if (!task.force && (await tokenAlive(call, value)).liveness === 'dead')
      return { outcome: 'already_revoked' };
    const [op, path] = subtree
      ? ['revoke', 'auth/token/revoke']
      : ['revoke-orphan', 'auth/token/revoke-orphan'];
    const res = await call(op, 'POST', path, { token: value });
    if (res.status === 204 || res.status === 200)
      return { outcome: 'revoked', details: ok(res, { subtree }) };
    throw failure(op, res);
  }

  async function verifyToken(call: Call, accessor: string): Promise<VerifyResult> {
    const res = await call('lookup-accessor', 'POST', 'auth/token/lookup-accessor', { accessor });
    if (res.status === 200) return { liveness: 'alive', details: ok(res) };
    if (res.status === 400 && hasError(res, /^invalid accessor$/i))
      return { liveness: 'dead', details: ok(res) };
    throw failure('lookup-accessor', res);
  }

  // ---- leases -------------------------------------------------------------------------------

  async function leaseExists(call: Call, leaseId: string): Promise<boolean> {
    const res = await call('lease lookup', 'PUT', 'sys/leases/lookup', { lease_id: leaseId });
    if (res.status === 200) return true;
    if (res.status === 400 && hasError(res, /^invalid lease$/i)) return false;
    throw failure('lease lookup', res);
  }

  async function revokeLease(call: Call, leaseId: string): Promise<ExecuteResult> {
    // Revoking a missing lease is a silent success, so look first to report already_revoked.
    if (!(await leaseExists(call, leaseId)))
      return { outcome: 'already_revoked', details: { leaseFound: false } };
    const res = await call('lease revoke', 'PUT', 'sys/leases/revoke', { lease_id: leaseId, sync: true });
    if (res.status === 204 || res.status === 200 || res.status === 202) {
      return { outcome: 'revoked', details: ok(res, { queued: res.status === 202 }) };
    }
    throw failure('lease revoke', res);
  }

  /** Lease ids and sub-directories in a lease directory; Vault answers an empty LIST with 404. */
  async function leasesUnder(call: Call, dir: string): Promise<number> {
    const res = await call('lease list', 'GET', `sys/leases/lookup/${encodePath(dir)}/?list=true`);
    if (isEmpty404(res)) return 0;
    if (res.status !== 200) throw failure('lease list', res);
    const keys = (res.body?.data as { keys?: unknown } | undefined)?.keys;
    return Array.isArray(keys) ? keys.length : 0;
  }

  async function revokePrefix(call: Call, dir: string): Promise<ExecuteResult> {
    if ((await leasesUnder(call, dir)) === 0) return { outcome: 'already_revoked', details: { leases: 0 } };
    // No trailing slash: Vault refuses writes to a path ending in '/' (400), and matches the
    // prefix as a directory anyway (`pki/issue/app` does not touch `pki/issue/app-prod/…`).
    const res = await call('lease revoke-prefix', 'PUT', `sys/leases/revoke-prefix/${encodePath(dir)}`, {
      sync: true,
    });
    if (res.status === 204 || res.status === 200 || res.status === 202) {
      return { outcome: 'revoked', details: ok(res, { queued: res.status === 202 }) };
    }
    throw failure('lease revoke-prefix', res);
  }

  // ---- KV v2 --------------------------------------------------------------------------------

  async function kvMetadata(call: Call, mount: string, path: string): Promise<KvMetadata | null> {
    const res = await call('kv metadata', 'GET', `${encodePath(mount)}/metadata/${encodePath(path)}`);
    if (isEmpty404(res)) return null;
    if (res.status !== 200) throw failure('kv metadata', res);
    return (res.body?.data ?? {}) as KvMetadata;
  }

  async function softDelete(call: Call, mount: string, path: string): Promise<ExecuteResult> {
    const meta = await kvMetadata(call, mount, path);
    if (meta === null || !latestAlive(meta))
      return { outcome: 'already_revoked', details: { found: meta !== null } };
    const res = await call('kv delete', 'DELETE', `${encodePath(mount)}/data/${encodePath(path)}`);
    if (res.status === 204 || res.status === 200) {
      return { outcome: 'revoked', details: ok(res, { version: meta.current_version ?? 0 }) };
    }
    throw failure('kv delete', res);
  }

  async function destroy(
    call: Call,
    task: ProviderTask,
    mount: string,
    path: string,
  ): Promise<ExecuteResult> {
    const meta = await kvMetadata(call, mount, path);
    if (meta === null) return { outcome: 'already_revoked', details: { found: false } };
    const versions = liveVersions(meta, requestedVersions(task.labels?.versions));
    if (versions.length === 0) return { outcome: 'already_revoked', details: { found: true } };
    const res = await call('kv destroy', 'PUT', `${encodePath(mount)}/destroy/${encodePath(path)}`, {
      versions,
    });
    if (res.status === 204 || res.status === 200) {
      return { outcome: 'revoked', details: ok(res, { versions: versions.join(',') }) };
    }
    throw failure('kv destroy', res);
  }

  async function verifyKv(
    call: Call,
    task: ProviderTask,
    mount: string,
    path: string,
  ): Promise<VerifyResult> {
    const meta = await kvMetadata(call, mount, path);
    if (meta === null) return { liveness: 'dead', details: { found: false } };
    if (task.action === 'disable') {
      return {
        liveness: latestAlive(meta) ? 'alive' : 'dead',
        details: { version: meta.current_version ?? 0 },
      };
    }
    const remaining = liveVersions(meta, requestedVersions(task.labels?.versions));
    return { liveness: remaining.length ? 'alive' : 'dead', details: { undestroyed: remaining.join(',') } };
  }

  function kvTarget(task: ProviderTask): { mount: string; path: string } {
    return { mount: task.labels?.mount ?? cfg.kvMount, path: providerId(task) };
  }

  const actions: Capabilities['actions'] = {
    // Orphaning is by value only: with `tokenRevocation: orphan` no accessor revoke is offered.
    ...(subtree ? { [VAULT_KINDS.token]: ['revoke'] as const } : {}),
    [VAULT_KINDS.serviceToken]: ['revoke_by_value'],
    [VAULT_KINDS.lease]: ['revoke'],
    [VAULT_KINDS.leasePrefix]: ['revoke'],
    [VAULT_KINDS.kvSecret]: ['disable', 'delete', 'rotate'],
  };
  const kv = kvWriter(failure);

  return {
    name: cfg.name,
    type: 'vault',
    capabilities: {
      actions,
      canVerify: true,
      // A soft-deleted KV version comes back with `undelete`; revocations and destroys are final.
      reversible: ['disable'],
      maxBatch: 1,
      rateBudget: cfg.rateBudget ?? { perSecond: 50, burst: 100, concurrency: 8 },
      propagationMs: cfg.propagationMs,
    },
    needsSecret: (task) => task.action === 'revoke_by_value',

    async execute(task, signal) {
      if (!actions[task.credentialKind]?.includes(task.action)) unsupported(task);
      const call = bind(task, signal);
      const result = await dispatch(task, {
        byValue: () => revokeByValue(call, task),
        token: () => revokeToken(call, providerId(task)),
        lease: () => revokeLease(call, providerId(task)),
        leasePrefix: () => revokePrefix(call, leaseDir(task)),
        kvDisable: () => softDelete(call, kvTarget(task).mount, kvTarget(task).path),
        kvDelete: () => destroy(call, task, kvTarget(task).mount, kvTarget(task).path),
        kvRotate: () => kv.rotate(call, kvTarget(task).mount, kvTarget(task).path, task.taskId),
      });
      log?.info(
        { kind: task.credentialKind, action: task.action, taskId: task.taskId, outcome: result.outcome },
        'vault action',
      );
      return result;
    },

    async verify(task, signal) {
      const call = bind(task, signal);
      return dispatch<VerifyResult>(task, {
        byValue: () => tokenAlive(call, secretOf(task)),
        token: () => verifyToken(call, providerId(task)),
        lease: async () => ({ liveness: (await leaseExists(call, providerId(task))) ? 'alive' : 'dead' }),
        leasePrefix: async () => {
          const n = await leasesUnder(call, leaseDir(task));
          return { liveness: n ? 'alive' : 'dead', details: { leases: n } };
        },
        kvDisable: () => verifyKv(call, task, kvTarget(task).mount, kvTarget(task).path),
        kvDelete: () => verifyKv(call, task, kvTarget(task).mount, kvTarget(task).path),
        kvRotate: () => kv.verifyRotated(call, kvTarget(task).mount, kvTarget(task).path, task.taskId),
      });
    },

    destination(path, taskId) {
      // Bound as a task whose secret is the value: bind cuts it out of any error string it meets.
      const callFor = (signal: AbortSignal, value?: string) =>
        bind(
          {
            taskId,
            action: 'rotate',
            credentialKind: VAULT_KINDS.kvSecret,
            credentialId: null,
            providerId: path,
            ...(value !== undefined ? { secret: value } : {}),
          },
          signal,
        );
      return kv.destination(cfg.name, callFor, cfg.kvMount, path, taskId, log);
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
  kvRotate(): Promise<T>;
}

function dispatch<T>(task: ProviderTask, r: Routes<T>): Promise<T> {
  const { credentialKind: kind, action } = task;
  if (kind === VAULT_KINDS.token && action === 'revoke') return r.token();
  if (kind === VAULT_KINDS.serviceToken && action === 'revoke_by_value') return r.byValue();
  if (kind === VAULT_KINDS.lease && action === 'revoke') return r.lease();
  if (kind === VAULT_KINDS.leasePrefix && action === 'revoke') return r.leasePrefix();
  if (kind === VAULT_KINDS.kvSecret && action === 'disable') return r.kvDisable();
  if (kind === VAULT_KINDS.kvSecret && action === 'delete') return r.kvDelete();
  if (kind === VAULT_KINDS.kvSecret && action === 'rotate') return r.kvRotate();
  return unsupported(task);
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

/** The answer with `secrets` cut out of its error and warning strings, before anything reads them. */
function redact(body: Record<string, unknown> | null, secrets: string[]): Record<string, unknown> | null {
  if (!body) return body;
  const clean = (list: unknown) =>
    Array.isArray(list)
      ? list.map((x) =>
          typeof x === 'string' ? secrets.reduce((s, v) => s.split(v).join('[redacted]'), x) : x,
        )
      : list;
  return { ...body, errors: clean(body.errors), warnings: clean(body.warnings) };
}

function unsupported(task: ProviderTask): never {
  const { credentialKind: kind, action } = task;
  throw new TourniquetError('PROVIDER_UNSUPPORTED', `vault cannot ${action} a ${kind} credential`, {
    details: { action, credentialKind: kind },
  });
}

/**
 * The lease directory, without slashes at either end: Vault matches revoke-prefix against whole
 * path segments, so `db/creds/app` covers `db/creds/app/…` and never `db/creds/app-prod/…`.
 */
function leaseDir(task: ProviderTask): string {
  const dir = providerId(task).replace(/^\/+|\/+$/g, '');
  if (!dir) throw new TourniquetError('INVALID_INPUT', 'vault.lease_prefix needs a non-empty lease path');
  return dir;
}
