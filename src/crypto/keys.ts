/**
 * Key material: the fingerprint key (HMAC-SHA256), the seal key (AES-256-GCM), the audit key
 * (HMAC-SHA256 of the audit chain) and the anchor key (an Ed25519 seed that signs checkpoints of the
 * chain head). Production configures all four; the embedded default generates them once and keeps
 * them in the data dir with mode 0600 so that fingerprints and the audit chain stay verifiable
 * across restarts. A data dir from before the audit and anchor keys gets them added on first start.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../errors.js';

export interface Keys {
  fingerprint: Buffer;
  seal: Buffer;
  audit: Buffer;
  /** Ed25519 private key of the audit anchors. */
  anchor: KeyObject;
}

/** Accepts 32 bytes as base64, base64url or 64 hex digits. */
export function decodeKey(value: string, what: string): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (buf.length !== 32) fail('INVALID_CONFIG', `${what} must be 32 bytes (base64 or 64 hex digits)`);
  return buf;
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the fixed prefix, then the 32 bytes.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 signing key from its 32-byte seed. */
export function anchorKeyFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The public half, as the verifier and auditors get it. */
export function anchorPublicKey(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

const KEY_FILE = 'keys.json';
const NAMES = ['fingerprint', 'seal', 'audit', 'anchor'] as const;

/** Loads the data dir's generated keys, creating (or completing) them on first use. */
export async function loadOrCreateLocalKeys(
  dataDir: string,
): Promise<Keys & { generated: (typeof NAMES)[number][] }> {
  const path = join(dataDir, KEY_FILE);
  let raw: Partial<Record<(typeof NAMES)[number], string>> | undefined;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as typeof raw;
    if (!raw?.fingerprint || !raw.seal) fail('INVALID_CONFIG', `${path} is missing a key`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const stored = raw ?? {};
  const generated = NAMES.filter((n) => !stored[n]);
  const values = Object.fromEntries(
    NAMES.map((n) => [n, stored[n] ?? randomBytes(32).toString('base64')]),
  ) as Record<(typeof NAMES)[number], string>;
  if (generated.length > 0) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify(values);
    if (!raw) {
      // 'wx' refuses to overwrite a file another process created in the meantime.
      await writeFile(path, body, { mode: 0o600, flag: 'wx' });
    } else {
      // Completing an older file: the existing keys are kept, the file is replaced atomically.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
    }
  }
  return {
    fingerprint: decodeKey(values.fingerprint, 'fingerprint key'),
    seal: decodeKey(values.seal, 'seal key'),
    audit: decodeKey(values.audit, 'audit key'),
    anchor: anchorKeyFromSeed(decodeKey(values.anchor, 'anchor key')),
    generated,
  };
}
