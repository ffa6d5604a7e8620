/**
 * The Okta discoverer, for an `okta` instance: every user of the org as an identity and an
 * `okta.user` credential (what the adapter revokes), with the adapter's own API token and client
 * (src/providers/okta-client.ts).
 *
 * `GET /api/v1/users` leaves DEPROVISIONED users out, so a second listing asks for them by
 * `filter=status eq "DEPROVISIONED"`: a deactivated account is `disabled`, not gone, and without
 * it the sync would mark every revoked leaver deleted. `okta.user` completes only when both
 * listings read every page and every user parsed. Pages are `limit` 200 (Okta's maximum), the next
 * one the `Link: <…>; rel="next"` URL, each page one DiscoveryCall; memory holds one page.
 *
 * A refusal (403 E0000006: the token's admin may not read users; 401 E0000011: a dead token) is a
 * `refused` event naming `okta.users.read` and no `complete`. Anything else is thrown for the sync.
 */
import { OktaProviderConfig, type OktaProviderConfigInput } from '../../schemas/providers/okta.js';
import { TourniquetError } from '../errors.js';
import { oktaApi, type OktaCall } from '../providers/okta-client.js';
import { unexpectedShape } from '../providers/rest-call.js';
import { nextLink } from '../util/link-header.js';
import { parseConfig } from '../util/parse-config.js';
import { isRefusal } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import { oktaIdentity, OktaListedUser, oktaUserCredential, OKTA_USER_KIND } from './okta-items.js';
import { parsedListing } from './parsed-listing.js';
import type { Discoverer, DiscoveryCall } from './port.js';

export const OKTA_PAGE_LIMIT = 200;
/** What a refused listing names: the admin permission (or OAuth scope) that reads users. */
export const OKTA_LIST_PERMISSION = 'okta.users.read';

export function createOktaDiscoverer(
  input: OktaProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const cfg = parseConfig(OktaProviderConfig, input, 'okta discoverer');
  if (!cfg.credentialKinds.includes(OKTA_USER_KIND)) return null;
  const { call: okta, base } = oktaApi(cfg, deps);
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'okta' });

  /**
   * The path of Okta's next page, relative to `/api/v1/`. Only a link to the same org's users
   * list is followed: the API token goes with it, and must not go anywhere else.
   */
  function nextPath(link: string | undefined, current: string): string | undefined {
    if (link === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(link, base);
    } catch {
      throw unexpectedShape(cfg.name, 'list users');
    }
    if (url.origin !== base.origin || url.pathname !== `${base.pathname}users`)
      throw new TourniquetError('PROVIDER_REJECTED', `${cfg.name} list users: the next page is elsewhere`);
    const path = `users${url.search}`;
    // A link that does not move would page forever.
    if (path === current)
      throw new TourniquetError('PROVIDER_REJECTED', `${cfg.name} list users: the next page repeats`);
    return path;
  }

  async function* pages(
    call: DiscoveryCall,
    signal: AbortSignal,
    apiCall: OktaCall,
    query: Record<string, string>,
  ): AsyncGenerator<unknown[]> {
    let path: string | undefined =
      `users?${new URLSearchParams({ ...query, limit: String(OKTA_PAGE_LIMIT) })}`;
    while (path !== undefined) {
      const current: string = path;
      const got = await call('list users', (s) => {
        signal.throwIfAborted();
        return apiCall({ op: 'list users', method: 'GET', path: current }, AbortSignal.any([signal, s]));
      });
      if (!Array.isArray(got.body)) throw unexpectedShape(cfg.name, 'list users');
      yield got.body as unknown[];
      path = nextPath(nextLink(got.headers.get('link')), current);
    }
  }

  return {
    instance: cfg.name,
    kinds: [OKTA_USER_KIND],
    async *discover(call, signal) {
      const listings: [what: string, query: Record<string, string>][] = [
        ['users', {}],
        ['deprovisioned users', { filter: 'status eq "DEPROVISIONED"' }],
      ];
      let whole = true;
      let refused = false;
      const refusal = (e: unknown): e is TourniquetError => (refused ||= isRefusal(e));
      for (const [what, query] of listings) {
        const listed = yield* parsedListing(
          pages(call, signal, okta, query),
          OktaListedUser,
          (u) => [
            { type: 'identity', identity: oktaIdentity(u) },
            { type: 'credential', credential: oktaUserCredential(u) },
          ],
          { what, permission: OKTA_LIST_PERMISSION, isRefusal: refusal },
          (issues) => log?.warn({ issues }, 'okta user not understood'),
        );
        // The second listing would be refused as the first was: one refused event says it.
        if (refused) return;
        whole &&= listed;
      }
      signal.throwIfAborted();
      if (whole) yield { type: 'complete', kinds: [OKTA_USER_KIND] };
    },
  };
}
