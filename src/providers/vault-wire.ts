/**
 * Pure helpers for the Vault / OpenBao adapter (src/providers/vault.ts): paths, the shapes of
 * Vault's answers, and KV v2 version arithmetic. No I/O here.
 */
import { TourniquetError } from '../errors.js';

export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | null;
  retryAfterMs: number | undefined;
}

export interface KvVersion {
  deletion_time?: string;
  destroyed?: boolean;
}
export interface KvMetadata {
  current_version?: number;
  versions?: Record<string, KvVersion>;
}

export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/**
 * Vault wraps most handler errors in a go-multierror rendering
 * (`1 error occurred:\n\t* invalid accessor\n\n`); this returns the plain causes ("invalid accessor").
 * Unwrapped errors ("bad token", "Vault is sealed") come back unchanged.
 */
export function vaultErrors(body: Record<string, unknown> | null): string[] {
  const e = body?.errors;
  if (!Array.isArray(e)) return [];
  return e
    .filter((x): x is string => typeof x === 'string')
    .flatMap((x) => {
      const m = /^\d+ errors? occurred:\n([\s\S]*)$/.exec(x);
      if (!m?.[1]) return [x.trim()];
      return m[1]
        .split('\n')
        .map((line) => line.replace(/^\t\* /, '').trim())
        .filter(Boolean);
    });
}

export function warnings(body: Record<string, unknown> | null): string[] {
  const w = body?.warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * "Nothing here" is a 404 with an empty `errors` list. A 404 that names an error ("no handler for
 * route", "namespace not found") means the mount or namespace does not exist: a misconfiguration,
 * never an already-deleted secret.
 */
export function isEmpty404(res: VaultResponse): boolean {
  return res.status === 404 && vaultErrors(res.body).length === 0;
}

export function hasError(res: VaultResponse, pattern: RegExp): boolean {
  return vaultErrors(res.body).some((e) => pattern.test(e));
}

export function latestAlive(meta: KvMetadata): boolean {
  const v = meta.versions?.[String(meta.current_version ?? 0)];
  if (!v || v.destroyed) return false;
  return !v.deletion_time || Date.parse(v.deletion_time) > Date.now();
}

/** `labels.versions` ("1,3") narrows a destroy; without it every version is destroyed. */
export function requestedVersions(raw: string | undefined): number[] | null {
  if (!raw) return null;
  const list = raw.split(',').map((v) => Number(v.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new TourniquetError('INVALID_INPUT', 'label `versions` must list positive version numbers');
  }
  return list;
}

/** Versions that still hold data (not destroyed), among the wanted ones; absent ones count as gone. */
export function liveVersions(meta: KvMetadata, wanted: number[] | null): number[] {
  const all = Object.entries(meta.versions ?? {}).map(([n, v]) => ({ n: Number(n), v }));
  return all
    .filter(({ n, v }) => !v.destroyed && (wanted === null || wanted.includes(n)))
    .map(({ n }) => n)
    .sort((a, b) => a - b);
}
