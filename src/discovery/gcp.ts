/**
 * The GCP IAM discoverer, for a `gcp_iam` instance: every user-managed service-account key of the
 * configured `projects` (`gcp.service_account_key`, providerId = the key's resource name, which the
 * adapter disables and deletes). Per project, `serviceAccounts.list` page by page (100 a page,
 * `nextPageToken`), then per account `keys.list?keyTypes=USER_MANAGED` (one answer, IAM does not
 * page keys). System-managed keys are Google's own (rotated by Google, no key file exists): not
 * listed, since nothing revokes them. Each page is one DiscoveryCall, authenticated like the adapter
 * (gcpIamApi: the same service-account JWT and error classification).
 *
 * `complete` only when every project's every account's keys were read: a refused listing (403
 * PERMISSION_DENIED) is a `refused` event naming the IAM permission and no `complete`, so nothing is
 * marked gone that could not be seen; an item that does not parse does the same. An account deleted
 * between its listing and its keys' (404) is skipped: its keys are gone. Memory: one page.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/list
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
 */
import type { z } from 'zod';
import { GcpIamProviderConfig, type GcpIamProviderConfigInput } from '../../schemas/providers/google.js';
import { GCP_SERVICE_ACCOUNT_KEY_KIND as KIND, gcpIamApi } from '../providers/gcp-iam.js';
import { seg, unexpectedShape } from '../providers/rest-call.js';
import { parseConfig } from '../util/parse-config.js';
import { describeIssues } from '../util/zod-issues.js';
import { isRefusal, refusedEvent } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import { GcpServiceAccount, GcpServiceAccountKey, keyCredential } from './gcp-items.js';
import type { Listing } from './parsed-listing.js';
import type { Discoverer, DiscoveryCall } from './port.js';

/** What each listing needs (roles/iam.serviceAccountKeyAdmin holds both), as `refused` names it. */
export const GCP_LIST_PERMISSIONS = {
  accounts: 'iam.serviceAccounts.list',
  keys: 'iam.serviceAccountKeys.list',
} as const;

/** serviceAccounts.list allows up to 100 a page. */
export const GCP_PAGE_SIZE = 100;

export function createGcpIamDiscoverer(
  input: GcpIamProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const cfg = parseConfig(GcpIamProviderConfig, input, 'gcp_iam discoverer');
  // The schema already has the optional `projects` (which projects the instance acts in, for leaked
  // keys); reusing it is the smaller change. IAM cannot list keys without a project (`projects/-`
  // works for one account, not for listing), so without projects there is nothing to list.
  if (cfg.projects.length === 0) return null;
  const api = gcpIamApi(cfg, deps);
  const log = deps.logger?.child({ provider: cfg.name, providerType: 'gcp_iam' });

  /** One GET through the sync's DiscoveryCall; undefined for a 404 (gone meanwhile). */
  function get(call: DiscoveryCall, signal: AbortSignal, op: string, path: string) {
    return call(op, async (s) => {
      signal.throwIfAborted();
      try {
        const got = await api({ op, method: 'GET', path, gone: [404] }, AbortSignal.any([signal, s]));
        return got.gone ? undefined : ((got.body ?? {}) as Record<string, unknown>);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw err;
      }
    });
  }

  /** The items of a listed array that parse; `whole` turns false when one does not. */
  function* parsed<S extends z.ZodType>(
    items: unknown,
    schema: S,
    what: string,
    state: { whole: boolean },
  ): Generator<z.infer<S>> {
    for (const raw of Array.isArray(items) ? items : []) {
      const item = schema.safeParse(raw);
      if (item.success) {
        yield item.data;
        continue;
      }
      state.whole = false;
      log?.warn({ what, issues: describeIssues(item.error) }, 'gcp iam list item not understood');
    }
  }

  async function* keysOf(
    call: DiscoveryCall,
    signal: AbortSignal,
    account: GcpServiceAccount,
    project: string,
  ): Listing {
    const path = `projects/${seg(project)}/serviceAccounts/${seg(account.email)}/keys?keyTypes=USER_MANAGED`;
    const answer = await get(call, signal, 'list keys', path);
    if (answer === undefined) return true;
    const state = { whole: true };
    for (const key of parsed(answer.keys, GcpServiceAccountKey, 'keys', state)) {
      // keyTypes=USER_MANAGED already asks for these only; a system-managed key is never ours to act on.
      if (key.keyType !== undefined && key.keyType !== 'USER_MANAGED') continue;
      yield { type: 'credential', credential: keyCredential(account, key) };
    }
    return state.whole;
  }

  async function* project(
    call: DiscoveryCall,
    signal: AbortSignal,
    p: string,
    refused: Set<string>,
  ): Listing {
    const state = { whole: true };
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ pageSize: String(GCP_PAGE_SIZE) });
      if (pageToken) query.set('pageToken', pageToken);
      let page;
      try {
        page = await get(
          call,
          signal,
          'list service accounts',
          `projects/${seg(p)}/serviceAccounts?${query}`,
        );
      } catch (err) {
        if (!isRefusal(err)) throw err;
        yield refusedEvent(`service accounts of project ${p}`, GCP_LIST_PERMISSIONS.accounts, err);
        return false;
      }
      for (const account of parsed(page?.accounts, GcpServiceAccount, 'service accounts', state)) {
        try {
          if (!(yield* keysOf(call, signal, account, p))) state.whole = false;
        } catch (err) {
          if (!isRefusal(err)) throw err;
          state.whole = false;
          // Key listing is usually granted per project or not at all: one event, not one per account.
          if (!refused.has(p)) {
            refused.add(p);
            yield refusedEvent(`service-account keys in project ${p}`, GCP_LIST_PERMISSIONS.keys, err);
          }
        }
      }
      const next = page?.nextPageToken;
      // A token that does not move would page forever.
      if (typeof next === 'string' && next !== '' && next === pageToken)
        throw unexpectedShape(cfg.name, 'list service accounts');
      pageToken = typeof next === 'string' && next !== '' ? next : undefined;
    } while (pageToken);
    return state.whole;
  }

  return {
    instance: cfg.name,
    kinds: [KIND],
    async *discover(call, signal) {
      const refused = new Set<string>();
      let whole = true;
      for (const p of cfg.projects) {
        if (!(yield* project(call, signal, p, refused))) whole = false;
      }
      signal.throwIfAborted();
      if (whole) yield { type: 'complete', kinds: [KIND] };
    },
  };
}
