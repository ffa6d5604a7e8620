/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) and base62, pure, for token checksums.
 * GitHub's token formats end in base62(CRC32(random part)), left-padded with `0` to 6 characters.
 */

const TABLE: readonly number[] = (() => {
  const table: number[] = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table.push(c >>> 0);
  }
  return table;
})();

/** CRC-32 of the string's code units; token alphabets are ASCII, so this equals CRC-32 of its bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    // The table has 256 entries and the index is masked to 0..255, so the lookup is always defined.
    crc = (crc >>> 8) ^ (TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 of a non-negative integer, most significant digit first, left-padded with `0` to `width`. */
export function base62(value: number, width = 0): string {
  let n = Math.floor(value);
  let out = '';
  do {
    out = BASE62_ALPHABET.charAt(n % 62) + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}
