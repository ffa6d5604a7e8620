/** Fingerprint = HMAC-SHA256(secret) under the configured key: the only stored form of a secret. */
import { createHmac } from 'node:crypto';

export type Fingerprinter = (secret: string) => string;

export function fingerprinter(key: Buffer): Fingerprinter {
  return (secret) => createHmac('sha256', key).update(secret, 'utf8').digest('hex');
}
