/**
 * The Microsoft Entra ID discoverer, for an `entra` instance: what its app registration can list in
 * Microsoft Graph v1.0, as the kinds the adapter revokes.
 *
 * | listing | kind, providerId | application permission |
 * |---|---|---|
 * | `GET /users` | identity + `entra.user`, object id | `User.Read.All` |
 * | `GET /applications` | `entra.app_password`, `objectId:keyId` per client secret | `Application.Read.All` |
 * | `GET /servicePrincipals` | `entra.sp_password`, `objectId:keyId` per client secret | `Application.Read.All` |
 *
 * Owners are not listed: Graph gives them per object (`GET /applications/{id}/owners`), one call
 * for every application of the tenant on every sync, and `$expand=owners` on a list is capped at a
 * limited number of owners an object, which would read as complete when it is not. Certificate credentials
 * (`keyCredentials`) are not listed: no kind revokes them (removeKey needs a proof we do not hold).
 *
 * Each listing sends its own `complete` when it read every page and every item parsed; a refused
 * listing (403 Authorization_RequestDenied, or a token the tenant will not give) sends `refused`
 * naming the permission and no `complete`, and the others go on. A failure that is not a refusal
 * (after the sync's retries) ends the stream. Memory: one page.
 */
import type { z } from 'zod';
import { EntraProviderConfig, type EntraProviderConfigInput } from '../../schemas/providers/entra.js';
import { entraGraph } from '../providers/entra-graph.js';
import { parseConfig } from '../util/parse-config.js';
import { isRefusal } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import {
  ENTRA_DISCOVERED_KINDS as K,
  GraphPasswordOwner,
  GraphUser,
  passwordCredentials,
  userCredential,
  userIdentity,
} from './entra-items.js';
import { graphPages, type EntraLister } from './entra-list.js';
import { parsedListing, type Listing } from './parsed-listing.js';
import type { Discoverer, DiscoveryEvent } from './port.js';

/** What each listing needs, as a refused event names it (least privilege: README, inventory sync). */
export const ENTRA_LIST_PERMISSIONS = {
  users: 'User.Read.All (application permission, admin consent)',
  applications: 'Application.Read.All (application permission, admin consent)',
} as const;

const PASSWORD_SELECT = '$select=id,appId,displayName,passwordCredentials';

export function createEntraDiscoverer(
  input: EntraProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const cfg = parseConfig(EntraProviderConfig, input, 'entra discoverer');
  const graph = entraGraph(cfg, deps);
  const served = new Set<string>(cfg.credentialKinds);
  const kinds = [K.user, K.appPassword, K.spPassword].filter((k) => served.has(k));
  if (kinds.length === 0) return null;

  /** Every item of one collection through `toEvents`; false (no `complete`) when refused or unreadable. */
  function list<S extends z.ZodType>(
    l: EntraLister,
    what: string,
    permission: string,
    path: string,
    schema: S,
    toEvents: (item: z.infer<S>) => Iterable<DiscoveryEvent>,
  ): Listing {
    return parsedListing(
      graphPages(l, `list ${what}`, path),
      schema,
      toEvents,
      { what, permission, isRefusal },
      (issues) => graph.log.warn({ what, issues }, 'entra list item not understood'),
    );
  }

  const listings: Record<(typeof kinds)[number], (l: EntraLister) => Listing> = {
    [K.user]: (l) =>
      list(
        l,
        'users',
        ENTRA_LIST_PERMISSIONS.users,
        'users?$select=id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime',
        GraphUser,
        (u) => [
          { type: 'identity', identity: userIdentity(u) },
          { type: 'credential', credential: userCredential(u) },
        ],
      ),
    [K.appPassword]: (l) =>
      list(
        l,
        'applications',
        ENTRA_LIST_PERMISSIONS.applications,
        `applications?${PASSWORD_SELECT}`,
        GraphPasswordOwner,
        (o) =>
          passwordCredentials(K.appPassword, o).map((credential) => ({ type: 'credential', credential })),
      ),
    [K.spPassword]: (l) =>
      list(
        l,
        'service principals',
        ENTRA_LIST_PERMISSIONS.applications,
        `servicePrincipals?${PASSWORD_SELECT}`,
        GraphPasswordOwner,
        (o) => passwordCredentials(K.spPassword, o).map((credential) => ({ type: 'credential', credential })),
      ),
  };

  return {
    instance: cfg.name,
    kinds,
    async *discover(call, signal) {
      const lister: EntraLister = { graph, call, signal, provider: cfg.name };
      for (const kind of kinds) {
        const whole = yield* listings[kind](lister);
        signal.throwIfAborted();
        if (whole) yield { type: 'complete', kinds: [kind] };
      }
    },
  };
}
