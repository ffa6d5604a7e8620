/**
 * One secret, one rendering: scanners print the same value differently (CRLF line endings from a
 * Windows checkout, a trailing newline kept from the file, a PEM key flattened to one line with
 * literal `\n`). Fingerprints are taken over the normalised value so every rendering of one private
 * key, and the inventory's copy of it, match.
 */
export function normaliseSecret(value: string): string {
  let v = value.replace(/\r\n?/g, '\n');
  // A PEM block flattened to one line: the escapes stand for the newlines a key file has.
  if (v.includes('-----BEGIN ') && !v.includes('\n') && v.includes('\\n')) v = v.replace(/\\n/g, '\n');
  return v.trim();
}
