/**
 * The credentials a sync's listing showed, kept as 8 bytes each: what the gone-marking needs to ask
 * "was this one listed?" of every record after the listing ends, in a million-credential estate.
 *
 * Why not a Set of keys: at 1M credentials the strings and the Set's table held ~100 MB for the
 * whole sync. Why not stamp each listed row in the store and sweep the unstamped ones (bounded
 * memory in the process): that writes every row on every sync, and a sync of an unchanged estate
 * must write nothing. A 64-bit keyed hash of the key, in a typed array sorted once the listing
 * ends, costs 8 MB per million (16 MB while the array grows) and a binary search per record.
 *
 * The one way it can be wrong: two keys with the same hash, where one was listed and the other is
 * gone; the gone one is then not marked this time. At 1M keys that chance is ~3e-8 per sync, the
 * key is random per sync (the next one marks it), and being late to mark gone revokes nothing.
 */
import { createHmac, randomBytes } from 'node:crypto';

const INITIAL = 1024;

export class SeenKeys {
  private readonly salt = randomBytes(16);
  private hashes = new BigUint64Array(INITIAL);
  private size = 0;
  private sealed = false;

  private hash(key: string): bigint {
    return createHmac('sha256', this.salt).update(key).digest().readBigUInt64BE(0);
  }

  add(key: string): void {
    // A key added after lookups began: the array is no longer sorted until the next seal.
    this.sealed = false;
    if (this.size === this.hashes.length) {
      const grown = new BigUint64Array(Math.max(INITIAL, this.hashes.length * 2));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.size++] = this.hash(key);
  }

  /** The listing ended: sorted (and trimmed) for lookups. */
  seal(): void {
    if (this.sealed) return;
    this.hashes = this.hashes.slice(0, this.size).sort();
    this.sealed = true;
  }

  has(key: string): boolean {
    this.seal();
    const h = this.hash(key);
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.hashes[mid]!;
      if (v === h) return true;
      if (v < h) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
