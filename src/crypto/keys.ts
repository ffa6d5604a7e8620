/**
 * Key material: the fingerprint key (HMAC-SHA256) and the seal key (AES-256-GCM). Production
 * configures both; the embedded default generates a pair once and keeps it in the data dir with
 * mode 0600 so that fingerprints stay comparable across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../errors.js';

export interface Keys {
  fingerprint: Buffer;
  seal: Buffer;
}

/** Accepts 32 bytes as base64, base64url or 64 hex digits. */
export function decodeKey(value: string, what: string): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (buf.length !== 32) fail('INVALID_CONFIG', `${what} must be 32 bytes (base64 or 64 hex digits)`);
  return buf;
}

const KEY_FILE = 'keys.json';

/** Loads the data dir's generated keys, creating them on first use. */
export async function loadOrCreateLocalKeys(dataDir: string): Promise<Keys & { generated: boolean }> {
  const path = join(dataDir, KEY_FILE);
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as { fingerprint?: string; seal?: string };
    if (!raw.fingerprint || !raw.seal) fail('INVALID_CONFIG', `${path} is missing a key`);
    return {
      fingerprint: decodeKey(raw.fingerprint, 'fingerprint key'),
      seal: decodeKey(raw.seal, 'seal key'),
      generated: false,
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keys = { fingerprint: randomBytes(32), seal: randomBytes(32) };
  const body = JSON.stringify({
    fingerprint: keys.fingerprint.toString('base64'),
    seal: keys.seal.toString('base64'),
  });
  // 'wx' refuses to overwrite a file another process created in the meantime.
  await writeFile(path, body, { mode: 0o600, flag: 'wx' });
  return { ...keys, generated: true };
}
