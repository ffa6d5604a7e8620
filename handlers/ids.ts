/** Deterministic ids: the same inputs always give the same id, so redelivery and replay dedup. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function stableId(...parts: readonly string[]): string {
  return bytesToHex(sha256(utf8ToBytes(parts.join('\u001f')))).slice(0, 32);
}

/** Idempotency key of a task: hash(trigger id, credential, action). */
export function taskId(triggerId: string, credentialRef: string, action: string): string {
  return stableId('task', triggerId, credentialRef, action);
}

export function planId(triggerId: string): string {
  return stableId('plan', triggerId);
}
