/**
 * The `rel="next"` URL of an HTTP `Link` header (RFC 8288): how GitHub, Okta and GitLab page a list.
 * A header may list several links, each with several relation types (`rel="next last"`).
 */
export function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}
