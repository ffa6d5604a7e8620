/**
 * The Slack discoverer, for a `slack` instance with an `adminToken`: what that token can list, as
 * the kinds the adapter revokes.
 *
 * | listing | kind, providerId | token's scope |
 * |---|---|---|
 * | `users.list` | identity + `slack.user`, `teamId:userId` (bots: identity only) | `users:read` (+ `users:read.email`) |
 * | `admin.apps.approved.list` | `slack.app`, `teamId:appId` or `appId` | `admin.apps:read` (Enterprise Grid) |
 *
 * Tokens (`slack.bot_token`, `slack.user_token`) and app installations (`slack.app_installation`)
 * are not listed: Slack lists no tokens, and an installation is revoked with its own token, which
 * no listing returns. Each listing sends its own `complete` when it read every page and every item
 * parsed; a refused listing sends `refused` naming the scope and no `complete`, and the other goes
 * on. A failure that is not a refusal (after the sync's retries) ends the stream. Memory: one page.
 */
import type { z } from 'zod';
import { SlackProviderConfig, type SlackProviderConfigInput } from '../../schemas/providers/slack.js';
import { resolveSecret } from '../config.js';
import type { DiscovererDeps } from './deps.js';
import { parsedListing, type Listing } from './parsed-listing.js';
import type { Discoverer, DiscoveryEvent } from './port.js';
import {
  ApprovedApp,
  approvedAppCredential,
  isBot,
  memberCredential,
  memberIdentity,
  SLACK_DISCOVERED_KINDS as K,
  SlackMember,
} from './slack-items.js';
import { isListRefusal, listPages, type SlackLister } from './slack-list.js';
import { parseConfig } from '../util/parse-config.js';

/** What each listing needs, as a refused event names it (least privilege: README, inventory sync). */
export const SLACK_LIST_PERMISSIONS = {
  users: 'users:read (and users:read.email for emails)',
  apps: 'admin.apps:read (Enterprise Grid org admin or owner user token)',
} as const;

export function createSlackDiscoverer(
  input: SlackProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const cfg = parseConfig(SlackProviderConfig, input, 'slack discoverer');
  // Every listing is made with the admin token; without one there is nothing to list.
  if (cfg.adminToken === undefined) return null;
  const token = resolveSecret(cfg.adminToken, deps.env ?? process.env);
  const served = new Set<string>(cfg.credentialKinds);
  // admin.apps.approved.list lists a workspace's or the org's approvals: list where the adapter's
  // admin.apps.uninstall would act (the workspace when `teamId` is set, else the enterprise).
  const appsWhere =
    cfg.teamId !== undefined
      ? { team_id: cfg.teamId }
      : cfg.enterpriseId !== undefined
        ? { enterprise_id: cfg.enterpriseId }
        : undefined;
  const kinds: string[] = [
    ...(served.has(K.user) ? [K.user] : []),
    ...(served.has(K.app) && appsWhere ? [K.app] : []),
  ];
  if (kinds.length === 0) return null;
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'slack' });

  /** Every item of one list through `toEvents`; false (no `complete`) when refused or unreadable. */
  function list<S extends z.ZodType>(
    l: SlackLister,
    what: string,
    permission: string,
    method: string,
    field: string,
    args: Record<string, unknown>,
    schema: S,
    toEvents: (item: z.infer<S>) => Iterable<DiscoveryEvent>,
  ): Listing {
    return parsedListing(
      listPages(l, method, field, args),
      schema,
      toEvents,
      { what, permission, isRefusal: isListRefusal },
      (issues) => log?.warn({ method, issues }, 'slack list item not understood'),
    );
  }

  function users(l: SlackLister): Listing {
    const args = cfg.teamId === undefined ? {} : { team_id: cfg.teamId };
    return list(
      l,
      'workspace users',
      SLACK_LIST_PERMISSIONS.users,
      'users.list',
      'members',
      args,
      SlackMember,
      (m) => {
        // Identities of deleted members too: the identity's email is what links the disabled account
        // to its person. A bot is an identity only: it dies with its token or app, not by removal.
        const identity: DiscoveryEvent = { type: 'identity', identity: memberIdentity(m) };
        if (isBot(m)) return [identity];
        return [identity, { type: 'credential', credential: memberCredential(m, cfg.teamId) }];
      },
    );
  }

  function apps(l: SlackLister): Listing {
    const where = appsWhere ?? {};
    return list(
      l,
      'approved apps',
      SLACK_LIST_PERMISSIONS.apps,
      'admin.apps.approved.list',
      'approved_apps',
      where,
      ApprovedApp,
      (a) => [{ type: 'credential', credential: approvedAppCredential(a, cfg.teamId) }],
    );
  }

  return {
    instance: cfg.name,
    kinds,
    async *discover(call, signal) {
      const lister: SlackLister = { call, signal, token, apiUrl: cfg.slackApiUrl, timeoutMs: cfg.timeoutMs };
      const listings: [kind: string, run: (l: SlackLister) => Listing][] = [
        [K.user, users],
        [K.app, apps],
      ];
      for (const [kind, run] of listings) {
        if (!kinds.includes(kind)) continue;
        const whole = yield* run(lister);
        signal.throwIfAborted();
        if (whole) yield { type: 'complete', kinds: [kind] };
      }
    },
  };
}
