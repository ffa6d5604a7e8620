/**
 * The Google Workspace discoverer, for a `google_workspace` instance: every user of the customer
 * (`GET users?customer=my_customer`, Admin SDK Directory) as an identity and a
 * `google_workspace.user` credential, with the adapter's service account, delegation `subject` and
 * REST client (src/providers/google-auth.ts), asking only for the read-only scope.
 *
 * Pages are `maxResults` 500 (the API's maximum), the next one `nextPageToken`, each page one
 * DiscoveryCall; memory holds one page. A refusal (403 insufficientPermissions or notAuthorized: the
 * subject may not read users; the token endpoint refusing the scope's delegation) is a `refused`
 * event naming the scope and no `complete`. Quota answers (429, 403 userRateLimitExceeded) are
 * rate limits, thrown for the sync's retries, as is anything else.
 */
import {
  GoogleWorkspaceProviderConfig,
  type GoogleWorkspaceProviderConfigInput,
} from '../../schemas/providers/google.js';
import { TourniquetError } from '../errors.js';
import { googleApiCall } from '../providers/google-auth.js';
import { unexpectedShape } from '../providers/rest-call.js';
import { parseConfig } from '../util/parse-config.js';
import { isRefusal } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import {
  GOOGLE_WORKSPACE_USER_KIND as KIND,
  googleIdentity,
  GoogleListedUser,
  googleUserCredential,
} from './google-workspace-items.js';
import { parsedListing } from './parsed-listing.js';
import type { Discoverer, DiscoveryCall } from './port.js';

export const GOOGLE_PAGE_LIMIT = 500;
/** The one scope listing needs; the domain-wide delegation must grant it to the service account. */
export const GOOGLE_LIST_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly';

export function createGoogleWorkspaceDiscoverer(
  input: GoogleWorkspaceProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer {
  const cfg = parseConfig(GoogleWorkspaceProviderConfig, input, 'google_workspace discoverer');
  const api = googleApiCall(cfg, deps, 'google_workspace', cfg.directoryUrl, {
    scopes: [GOOGLE_LIST_SCOPE],
    subject: cfg.subject,
  });
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'google_workspace' });

  async function* pages(call: DiscoveryCall, signal: AbortSignal): AsyncGenerator<unknown[]> {
    let pageToken: string | undefined;
    for (let first = true; first || pageToken !== undefined; first = false) {
      const q = new URLSearchParams({ customer: 'my_customer', maxResults: String(GOOGLE_PAGE_LIMIT) });
      if (pageToken !== undefined) q.set('pageToken', pageToken);
      const got = await call('list users', (s) => {
        signal.throwIfAborted();
        return api({ op: 'list users', method: 'GET', path: `users?${q}` }, AbortSignal.any([signal, s]));
      });
      const body = got.body as { users?: unknown; nextPageToken?: unknown } | undefined;
      // A customer with no users at all answers without `users`.
      if (body === undefined || (body.users !== undefined && !Array.isArray(body.users)))
        throw unexpectedShape(cfg.name, 'list users');
      yield Array.isArray(body.users) ? (body.users as unknown[]) : [];
      const next =
        typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
      // A token that does not move would page forever.
      if (next !== undefined && next === pageToken)
        throw new TourniquetError('PROVIDER_REJECTED', `${cfg.name} list users: the next page token repeats`);
      pageToken = next;
    }
  }

  return {
    instance: cfg.name,
    kinds: [KIND],
    async *discover(call, signal) {
      const whole = yield* parsedListing(
        pages(call, signal),
        GoogleListedUser,
        (u) => [
          { type: 'identity', identity: googleIdentity(u) },
          { type: 'credential', credential: googleUserCredential(u) },
        ],
        { what: 'users', permission: `scope ${GOOGLE_LIST_SCOPE}`, isRefusal },
        (issues) => log?.warn({ issues }, 'google workspace user not understood'),
      );
      signal.throwIfAborted();
      if (whole) yield { type: 'complete', kinds: [KIND] };
    },
  };
}
