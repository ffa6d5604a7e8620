/**
 * Sealing: AES-256-GCM envelopes for raw secrets that must travel (revoke-by-value, RFC 7009).
 * Format `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`. The associated data binds an envelope
 * to its purpose (e.g. the fingerprint) so a sealed value cannot be swapped onto another task.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TourniquetError } from '../errors.js';

export interface Sealer {
  seal(plain: string, aad: string): string;
  open(sealed: string, aad: string): string;
}

export function sealer(key: Buffer): Sealer {
  return {
    seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        c.getAuthTag().toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    open(sealed, aad) {
      const [v, iv, tag, body] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || body === undefined) {
        throw new TourniquetError('SEAL_FAILED', 'sealed value has an unknown format');
      }
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAAD(Buffer.from(aad, 'utf8'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
      } catch (e) {
        // Wrong key or tampered envelope: never include the envelope or plaintext in the message.
        throw new TourniquetError('SEAL_FAILED', 'sealed value could not be opened (wrong key or tampered)', {
          cause: e,
        });
      }
    },
  };
}
