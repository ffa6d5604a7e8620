/**
 * Audit anchors: signed checkpoints of the chain head kept outside the database. A checkpoint says
 * "at `at`, the chain had `seq` records ending in `hash`, and records up to `legacySeq` were hashed
 * without the audit key", signed with the anchor key (Ed25519). Whoever can rewrite the database
 * but not the anchor cannot hide a truncation, a wipe or a rewritten history behind it.
 *
 * An anchor is a place checkpoints are appended to and the newest one is read back from: the
 * anchor file (anchor-file.ts) and the Kafka audit topic (anchor-bus.ts).
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { AuditCheckpoint } from '../../schemas/audit.js';
import { canonicalJson } from '../util/canonical-json.js';
import { anchorPublicKey } from '../crypto/keys.js';

export interface Anchor {
  /** Where it is, for messages: a file path or a topic name. */
  readonly name: string;
  append(c: AuditCheckpoint): Promise<void>;
  /** The checkpoint with the highest seq this anchor holds, or null when it holds none. */
  newest(): Promise<AuditCheckpoint | null>;
}

export interface ChainPoint {
  seq: number;
  hash: string;
  legacySeq: number;
}

/** hex SHA-256 of the raw 32-byte Ed25519 public key. */
export function keyId(key: KeyObject): string {
  const jwk = anchorPublicKey(key).export({ format: 'jwk' });
  return createHash('sha256')
    .update(Buffer.from(jwk.x ?? '', 'base64url'))
    .digest('hex');
}

function signedBytes(c: Omit<AuditCheckpoint, 'sig'>): Buffer {
  const { v, epoch, seq, hash, legacySeq, at, kid } = c;
  return Buffer.from(canonicalJson({ v, epoch, seq, hash, legacySeq, at, kid }), 'utf8');
}

export function signCheckpoint(
  point: ChainPoint,
  epoch: number,
  at: string,
  key: KeyObject,
): AuditCheckpoint {
  const unsigned = {
    v: 1 as const,
    epoch,
    seq: point.seq,
    hash: point.hash,
    legacySeq: point.legacySeq,
    at,
    kid: keyId(key),
  };
  return { ...unsigned, sig: sign(null, signedBytes(unsigned), key).toString('base64url') };
}

/** True when `c` carries a valid signature by `key` (a private key verifies with its public half). */
export function checkpointSignedBy(c: AuditCheckpoint, key: KeyObject): boolean {
  if (c.kid !== keyId(key)) return false;
  return verify(null, signedBytes(c), anchorPublicKey(key), Buffer.from(c.sig, 'base64url'));
}

/**
 * Parses one stored checkpoint; null when it is not one (a torn last line, an audit record on the
 * shared topic). Signatures are checked by the verifier, which reports a bad one.
 */
export function parseCheckpoint(text: string): AuditCheckpoint | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
  const parsed = AuditCheckpoint.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Orders checkpoints: a later epoch first, then the higher seq, then the later `at`. */
export function isNewer(a: AuditCheckpoint, b: AuditCheckpoint): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  if (a.seq !== b.seq) return a.seq > b.seq;
  return a.at > b.at;
}

/** The newest of several checkpoints (see isNewer). */
export function newestOf(cs: Iterable<AuditCheckpoint | null>): AuditCheckpoint | null {
  let best: AuditCheckpoint | null = null;
  for (const c of cs) if (c && (!best || isNewer(c, best))) best = c;
  return best;
}
