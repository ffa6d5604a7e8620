/**
 * CSRF defence for every state-changing console POST, two layers: the browser's own word (a
 * `Sec-Fetch-Site: cross-site` request or an `Origin` other than this host is refused before
 * anything else), then the session's synchronizer token from the form's hidden field. Either alone
 * would do against today's browsers; both together survive a proxy that strips one of them.
 */
import { timingSafeEqual } from 'node:crypto';
import { TourniquetError } from '../errors.js';

export interface CsrfInput {
  /** `https` or `http`: how the request reached us (fastify's `req.protocol`). */
  protocol: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
}

const refuse = (why: string) =>
  new TourniquetError('CSRF_REJECTED', `cross-site request refused: ${why}`, { details: { why } });

/**
 * The browser-supplied checks: also applied to the sign-in form, which has no session yet. A page
 * served with `Referrer-Policy: no-referrer` (every console page) makes the browser send
 * `Origin: null` on its own form posts, so a null Origin counts only with `Sec-Fetch-Site:
 * same-origin` beside it; a request from another origin of the same site (another port) is refused
 * like a cross-site one.
 */
export function checkOrigin(r: CsrfInput): void {
  const site = r.secFetchSite;
  if (site === 'cross-site' || site === 'same-site') throw refuse('sec-fetch-site');
  if (r.origin === undefined) return;
  if (r.origin === 'null') {
    if (site === 'same-origin') return;
    throw refuse('origin');
  }
  let origin: URL;
  try {
    origin = new URL(r.origin);
  } catch (e) {
    if (e instanceof TypeError) throw refuse('origin');
    throw e;
  }
  if (!r.host || origin.host !== r.host || origin.protocol !== `${r.protocol}:`) throw refuse('origin');
}

/** Both layers: `expected` is the session's token, `given` the form's. */
export function checkCsrf(r: CsrfInput, expected: string, given: string | undefined): void {
  checkOrigin(r);
  const a = Buffer.from(expected);
  const b = Buffer.from(given ?? '');
  if (a.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) throw refuse('token');
}
