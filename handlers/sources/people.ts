/** Small helpers for offboarding subjects: the person plus de-duplicated, bounded aliases. */

const MAX_ALIASES = 50;
const MAX_IDENTIFIER = 200;

/** The first usable identifier is the person; the others (distinct, within bounds) are aliases. */
export function personSubject(
  ...identifiers: ReadonlyArray<string | null | undefined>
): { person: string; aliases: string[] } | undefined {
  const seen: string[] = [];
  for (const id of identifiers) {
    const v = id?.trim();
    if (v && v.length <= MAX_IDENTIFIER && !seen.includes(v)) seen.push(v);
  }
  const [person, ...aliases] = seen;
  return person === undefined ? undefined : { person, aliases: aliases.slice(0, MAX_ALIASES) };
}
