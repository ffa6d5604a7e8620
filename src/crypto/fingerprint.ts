/** Fingerprint = HMAC-SHA256(secret) under the configured key: the only stored form of a secret. */
import { createHmac } from 'node:crypto';
import { normaliseSecret } from '../../handlers/classify/normalise.js';

export type Fingerprinter = (secret: string) => string;

/** Over the normalised value, so that every scanner's rendering of one secret gives one fingerprint. */
export function fingerprinter(key: Buffer): Fingerprinter {
  return (secret) => createHmac('sha256', key).update(normaliseSecret(secret), 'utf8').digest('hex');
}
