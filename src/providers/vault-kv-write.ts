/**
 * Writing KV v2 values: `vault.kv_secret` `rotate` (a new version: every key of the secret gets a
 * fresh random value) and the KV path as a rotation destination (an IAM key's new value). Each
 * write is followed by custom metadata naming the task and the version it wrote, so a re-attempt
 * can tell "this task's value is current" from "not written yet" without reading any value back.
 *
 * As with Secrets Manager, rotating a stored value replaces what is stored; the system the value
 * unlocks (a database password) must be told by whoever consumes the new version.
 */
import { randomBytes } from 'node:crypto';
import type { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ExecuteResult, RotationDestination, VerifyResult } from './port.js';
import { encodePath, isEmpty404, type KvMetadata, type VaultResponse } from './vault-wire.js';

type Call = (op: string, method: string, path: string, body?: unknown) => Promise<VaultResponse>;

const TASK_KEY = 'tourniquet-task';
const VERSION_KEY = 'tourniquet-version';

interface Meta extends KvMetadata {
  custom_metadata?: Record<string, string> | null;
}

export function kvWriter(failure: (op: string, res: VaultResponse) => TourniquetError) {
  async function metadata(call: Call, mount: string, path: string): Promise<Meta | null> {
    const res = await call('kv metadata', 'GET', `${encodePath(mount)}/metadata/${encodePath(path)}`);
    if (isEmpty404(res)) return null;
    if (res.status !== 200) throw failure('kv metadata', res);
    return (res.body?.data ?? {}) as Meta;
  }

  /** Whether the current version is the one `taskId` wrote. */
  async function writtenBy(call: Call, mount: string, path: string, taskId: string): Promise<boolean> {
    const meta = await metadata(call, mount, path);
    const custom = meta?.custom_metadata ?? {};
    return custom[TASK_KEY] === taskId && custom[VERSION_KEY] === String(meta?.current_version ?? '');
  }

  async function write(
    call: Call,
    mount: string,
    path: string,
    data: Record<string, string>,
    taskId: string,
  ): Promise<number> {
    const res = await call('kv write', 'POST', `${encodePath(mount)}/data/${encodePath(path)}`, { data });
    if (res.status !== 200 && res.status !== 204) throw failure('kv write', res);
    const version = Number((res.body?.data as { version?: unknown } | undefined)?.version ?? 0);
    const tag = await call('kv metadata write', 'POST', `${encodePath(mount)}/metadata/${encodePath(path)}`, {
      custom_metadata: { [TASK_KEY]: taskId, [VERSION_KEY]: String(version) },
    });
    if (tag.status !== 200 && tag.status !== 204) throw failure('kv metadata write', tag);
    return version;
  }

  /** A new version in which every key of the secret has a fresh value (the key names are kept). */
  async function rotate(call: Call, mount: string, path: string, taskId: string): Promise<ExecuteResult> {
    if (await writtenBy(call, mount, path, taskId)) {
      return { outcome: 'already_revoked', details: { rotated: 'earlier attempt' } };
    }
    const res = await call('kv read', 'GET', `${encodePath(mount)}/data/${encodePath(path)}`);
    // Only the key names are read; the values are dropped at once.
    const current =
      res.status === 200 ? ((res.body?.data as { data?: unknown } | undefined)?.data ?? {}) : {};
    if (res.status !== 200 && !isEmpty404(res)) throw failure('kv read', res);
    const names = Object.keys(current as Record<string, unknown>);
    const fresh = Object.fromEntries(
      (names.length ? names : ['value']).map((k) => [k, randomBytes(32).toString('base64url')]),
    );
    const version = await write(call, mount, path, fresh, taskId);
    return { outcome: 'revoked', details: { version, keys: names.length || 1 } };
  }

  async function verifyRotated(
    call: Call,
    mount: string,
    path: string,
    taskId: string,
  ): Promise<VerifyResult> {
    const mine = await writtenBy(call, mount, path, taskId);
    // The version this task wrote is current: the value before it no longer is.
    return { liveness: mine ? 'dead' : 'alive', details: { currentIsRotated: mine } };
  }

  /** A KV path as a rotation destination (port.ts RotationDestination). */
  function destination(
    provider: string,
    callFor: (signal: AbortSignal, value?: string) => Call,
    mount: string,
    path: string,
    taskId: string,
    log?: Logger,
  ): RotationDestination {
    return {
      provider,
      providerId: path,
      written: (signal) => writtenBy(callFor(signal), mount, path, taskId),
      async write(value, signal) {
        await write(callFor(signal, value), mount, path, kvData(value), taskId);
        log?.info({ path, taskId }, 'rotated value written');
      },
    };
  }

  return { writtenBy, write, rotate, verifyRotated, destination };
}

/** A JSON object of strings is stored as its keys; anything else under `value`. */
function kvData(value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return { value };
  }
  const isMap =
    parsed !== null &&
    typeof parsed === 'object' &&
    Object.values(parsed).every((v) => typeof v === 'string');
  return isMap ? (parsed as Record<string, string>) : { value };
}
