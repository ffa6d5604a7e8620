/**
 * The GitHub discoverer, for a `github` instance with an `org`: what the org's admin (`auth.token`)
 * and the GitHub App (`auth.appToken`) can list, as the kinds the adapter revokes.
 *
 * | listing | kind, providerId | token |
 * |---|---|---|
 * | `GET /orgs/{org}/members` (role admin, then all) | identity + `github.org_member`, `org:login` | token |
 * | `GET /orgs/{org}/outside_collaborators` | identity + `github.outside_collaborator`, `org:login` | token |
 * | `GET /orgs/{org}/credential-authorizations` | `github.saml_authorization`, `org:credentialId` | token |
 * | `GET /orgs/{org}/personal-access-tokens` | `github.fine_grained_pat`, `org:patId` | appToken |
 * | `GET /orgs/{org}/repos`, `GET /repos/{o}/{r}/keys` | `github.deploy_key`, `owner/repo:keyId` | token |
 *
 * App installations (`GET /orgs/{org}/installations`) are not listed: no adapter kind acts on an
 * installation (uninstalling is not a route), and a kind nobody can revoke is noise in the inventory.
 *
 * Each listing sends its own `complete` when it saw every page and every item parsed; a refused
 * listing sends `refused` naming the permission and no `complete`, and the others go on. A failure
 * that is not a refusal (after the sync's retries) ends the stream: the sync marks gone only what
 * completed before it. Plain @octokit/rest without retry or throttling plugins: the sync's
 * DiscoveryCall owns retries and the rate budget. Memory: one page, plus the org owners' logins.
 */
import { Octokit } from '@octokit/rest';
import type { z } from 'zod';
import { GithubProviderConfig, type GithubProviderConfigInput } from '../../schemas/providers/github.js';
import { resolveSecret } from '../config.js';
import type { DiscovererDeps } from './deps.js';
import {
  DeployKey,
  deployKey,
  GITHUB_DISCOVERED_KINDS as K,
  GithubUser,
  membership,
  PatGrant,
  patGrant,
  Repository,
  SamlAuthorization,
  samlAuthorization,
} from './github-items.js';
import { isListRefusal, listPages, type GithubLister } from './github-list.js';
import { parsedListing, type Listing } from './parsed-listing.js';
import type { DiscoveredCredential, Discoverer, DiscoveryEvent } from './port.js';
import { parseConfig } from '../util/parse-config.js';

/** What each listing needs, as a refused event names it (least privilege: README, inventory sync). */
export const GITHUB_LIST_PERMISSIONS = {
  members: 'org member with read:org (fine-grained: organization members: read)',
  collaborators: 'read:org (fine-grained: organization members: read)',
  saml: 'organization owner with admin:org (GitHub Enterprise Cloud, SAML SSO)',
  pats: 'GitHub App with organization_personal_access_tokens: read',
  repos: 'read:org, and repo for private repositories (fine-grained: metadata: read)',
  keys: 'repository admin with repo (fine-grained: administration: read)',
} as const;

export function createGithubDiscoverer(
  input: GithubProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const cfg = parseConfig(GithubProviderConfig, input, 'github discoverer');
  const org = cfg.org;
  // Without an org there is nothing org-wide to list; a token's own credentials are not listable.
  if (org === undefined) return null;
  const orgName: string = org;
  const baseUrl = cfg.baseUrl.replace(/\/+$/, '');
  const env = deps.env ?? process.env;
  const make = (auth: string) =>
    new Octokit({
      auth,
      baseUrl,
      userAgent: 'tourniquet',
      // Octokit's own error lines would duplicate the sync's; ours never carry a token.
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      request: { retries: 0 },
    });
  const admin = cfg.auth.token === undefined ? undefined : make(resolveSecret(cfg.auth.token, env));
  const app = cfg.auth.appToken === undefined ? undefined : make(resolveSecret(cfg.auth.appToken, env));
  const served = new Set<string>(cfg.credentialKinds);
  const wanted = (kind: string, client: Octokit | undefined) => client !== undefined && served.has(kind);
  const kinds: string[] = [
    ...(wanted(K.member, admin) ? [K.member] : []),
    ...(wanted(K.collaborator, admin) ? [K.collaborator] : []),
    ...(wanted(K.saml, admin) ? [K.saml] : []),
    ...(wanted(K.pat, app) ? [K.pat] : []),
    ...(wanted(K.deployKey, admin) ? [K.deployKey] : []),
  ];
  if (kinds.length === 0) return null;
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'github' });

  /**
   * Every item of one list through `toEvents`. False (no `complete`) when a page was refused or an
   * item did not parse: an item we could not read may be one the sync would otherwise mark gone.
   */
  function list<S extends z.ZodType>(
    l: GithubLister,
    what: string,
    permission: string,
    route: string,
    params: Record<string, string | number>,
    schema: S,
    toEvents: (item: z.infer<S>) => Iterable<DiscoveryEvent> | AsyncIterable<DiscoveryEvent>,
  ): Listing {
    return parsedListing(
      listPages(l, route, params),
      schema,
      toEvents,
      { what, permission, isRefusal: isListRefusal },
      (issues) => log?.warn({ route, issues }, 'github list item not understood'),
    );
  }

  const credential = (c: DiscoveredCredential): DiscoveryEvent => ({ type: 'credential', credential: c });

  async function* members(l: GithubLister): Listing {
    // role=all is the whole list; the owners are read first so that each login carries its role.
    // A login promoted or demoted between the two reads is still listed (with the older role).
    const owners = new Set<string>();
    const route = 'GET /orgs/{org}/members';
    const perm = GITHUB_LIST_PERMISSIONS.members;
    const emit = (login: string, role: string): DiscoveryEvent[] => [
      { type: 'identity', identity: { identity: login, role } },
      credential(membership(orgName, K.member, login, role)),
    ];
    const params = (role: string) => ({ org: orgName, role });
    const ownersListed = yield* list(l, 'org owners', perm, route, params('admin'), GithubUser, (u) => {
      owners.add(u.login.toLowerCase());
      return emit(u.login, 'admin');
    });
    if (!ownersListed) return false;
    return yield* list(l, 'org members', perm, route, params('all'), GithubUser, (u) =>
      owners.has(u.login.toLowerCase()) ? [] : emit(u.login, 'member'),
    );
  }

  function collaborators(l: GithubLister): Listing {
    return list(
      l,
      'outside collaborators',
      GITHUB_LIST_PERMISSIONS.collaborators,
      'GET /orgs/{org}/outside_collaborators',
      { org: orgName },
      GithubUser,
      (u) => [
        { type: 'identity', identity: { identity: u.login, role: 'outside_collaborator' } },
        credential(membership(orgName, K.collaborator, u.login, 'outside_collaborator')),
      ],
    );
  }

  function samlAuthorizations(l: GithubLister): Listing {
    return list(
      l,
      'SAML SSO credential authorizations',
      GITHUB_LIST_PERMISSIONS.saml,
      'GET /orgs/{org}/credential-authorizations',
      { org: orgName },
      SamlAuthorization,
      (a) => [credential(samlAuthorization(orgName, a))],
    );
  }

  function patGrants(l: GithubLister): Listing {
    return list(
      l,
      'fine-grained PAT grants',
      GITHUB_LIST_PERMISSIONS.pats,
      'GET /orgs/{org}/personal-access-tokens',
      { org: orgName },
      PatGrant,
      (g) => [credential(patGrant(orgName, g))],
    );
  }

  async function* deployKeys(l: GithubLister): Listing {
    let keysWhole = true;
    let refusedOnce = false;
    const repoKeys = async function* (repo: z.infer<typeof Repository>) {
      const keys = list(
        l,
        'repository deploy keys',
        GITHUB_LIST_PERMISSIONS.keys,
        'GET /repos/{owner}/{repo}/keys',
        { owner: repo.owner.login, repo: repo.name },
        DeployKey,
        (k) => [credential(deployKey(repo, k))],
      );
      // Each refused repository is one refused event at most once: the missing right is the same.
      for (let next = await keys.next(); ; next = await keys.next()) {
        if (next.done) {
          if (!next.value) keysWhole = false;
          return;
        }
        if (next.value.type === 'refused') {
          if (refusedOnce) continue;
          refusedOnce = true;
        }
        yield next.value;
      }
    };
    const reposWhole = yield* list(
      l,
      'org repositories',
      GITHUB_LIST_PERMISSIONS.repos,
      'GET /orgs/{org}/repos',
      { org: orgName, type: 'all' },
      Repository,
      repoKeys,
    );
    return reposWhole && keysWhole;
  }

  return {
    instance: cfg.name,
    kinds,
    async *discover(call, signal) {
      const lister = (octokit: Octokit): GithubLister => ({
        octokit,
        call,
        signal,
        timeoutMs: cfg.timeoutMs,
        baseUrl,
      });
      const listings: [kind: string, client: Octokit | undefined, run: (l: GithubLister) => Listing][] = [
        [K.member, admin, members],
        [K.collaborator, admin, collaborators],
        [K.saml, admin, samlAuthorizations],
        [K.pat, app, patGrants],
        [K.deployKey, admin, deployKeys],
      ];
      for (const [kind, client, run] of listings) {
        if (!client || !kinds.includes(kind)) continue;
        const whole = yield* run(lister(client));
        signal.throwIfAborted();
        if (whole) yield { type: 'complete', kinds: [kind] };
      }
    },
  };
}
