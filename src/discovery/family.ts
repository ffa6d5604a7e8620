/**
 * The discoverer of a declared provider family (src/providers/families/*): every kind whose
 * definition has a `list` section is listed with the instance's own credentials, paged as the
 * definition says, each page one DiscoveryCall; memory holds one page. One generic discoverer, like
 * the one generic adapter, so a family gains discovery by declaring its listing, not by new code.
 *
 * Each kind is its own listing: a refusal (401/403: the configured credential lacks what
 * `permission` names) is a `refused` event for that kind and no `complete`, and the other kinds
 * are still listed. A kind completes only when every page was read and every item understood.
 * A next page is followed only on the first URL's origin and path: the adapter's credentials go
 * with it, and must not go anywhere else. An instance without its admin secrets has no discoverer.
 */
import { z } from 'zod';
import type {
  FamilyKind,
  FamilyList,
  FamilyPaging,
  FamilyProviderConfigInput,
} from '../../schemas/providers/family.js';
import { TourniquetError } from '../errors.js';
import { familyGet, familyUrl, type Exchanged } from '../providers/http-family-call.js';
import { familyInstance } from '../providers/http-family-instance.js';
import { fieldAt } from '../providers/http-family-match.js';
import { unexpectedShape } from '../providers/rest-call.js';
import { nextLink } from '../util/link-header.js';
import { isRefusal } from './aws-common.js';
import type { DiscovererDeps } from './deps.js';
import { listedItem } from './family-items.js';
import { parsedListing } from './parsed-listing.js';
import type { Discoverer, DiscoveryCall, DiscoveryEvent } from './port.js';

type Listed = FamilyKind & { list: FamilyList };

/** Where paging stands: pages read and items seen so far. */
interface Cursor {
  pages: number;
  items: number;
}

/** The query a `page` listing sends for the page after `at`. */
function pageQuery(p: Extract<FamilyPaging, { type: 'page' }>, at: Cursor): Record<string, string> {
  const n = p.unit === 'page' ? p.first + at.pages : p.first + at.items;
  return { [p.param]: String(n), [p.sizeParam]: String(p.size) };
}

export function createFamilyDiscoverer(
  input: FamilyProviderConfigInput,
  deps: DiscovererDeps = {},
): Discoverer | null {
  const inst = familyInstance(input, deps);
  const { def, config } = inst;
  const kinds = def.kinds.filter((k): k is Listed => k.list !== undefined && inst.wanted.has(k.kind));
  if (kinds.length === 0 || !inst.adminConfigured) return null;
  const log = deps.logger?.child({ provider: config.name, providerType: def.name });
  const refusal = (e: unknown): e is TourniquetError => isRefusal(e);

  /** The next page's URL, or undefined at the end. */
  function nextUrl(list: FamilyList, first: URL, current: string, got: Exchanged, at: Cursor) {
    const p = list.paging;
    const follow = (next: unknown): string | undefined => {
      if (next === undefined || next === null || next === '') return undefined;
      if (typeof next !== 'string') throw unexpectedShape(def.name, `list ${list.path}`);
      let url: URL;
      try {
        url = new URL(next, first);
      } catch {
        throw unexpectedShape(def.name, `list ${list.path}`);
      }
      if (url.origin !== first.origin || url.pathname !== first.pathname)
        throw new TourniquetError('PROVIDER_REJECTED', `${config.name} list: the next page is elsewhere`);
      return url.toString();
    };
    const withQuery = (query: Record<string, string>) => {
      const url = new URL(current);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return url.toString();
    };
    switch (p.type) {
      case 'none':
        return undefined;
      case 'link':
        return follow(nextLink(got.headers.get('link')));
      case 'next':
        return follow(fieldAt(got.body, p.field));
      case 'cursor': {
        const c = fieldAt(got.body, p.field);
        if (c === undefined || c === null || c === '') return undefined;
        if (typeof c !== 'string' && typeof c !== 'number')
          throw unexpectedShape(def.name, `list ${list.path}`);
        return withQuery({ [p.param]: String(c) });
      }
      case 'page': {
        if (p.more !== undefined && !fieldAt(got.body, p.more)) return undefined;
        const total = p.totalPages === undefined ? undefined : Number(fieldAt(got.body, p.totalPages));
        if (total !== undefined && Number.isFinite(total) && at.pages >= total) return undefined;
        return withQuery(pageQuery(p, at));
      }
    }
  }

  async function* pages(call: DiscoveryCall, signal: AbortSignal, kind: Listed): AsyncGenerator<unknown[]> {
    const { list } = kind;
    const op = `list ${kind.kind}`;
    const ctx = inst.context(signal);
    const firstQuery = list.paging.type === 'page' ? pageQuery(list.paging, { pages: 0, items: 0 }) : {};
    const start = familyUrl(ctx, op, kind, list.base, list.path, { ...list.query, ...firstQuery });
    const first = new URL(start);
    const at: Cursor = { pages: 0, items: 0 };
    let url: string | undefined = start;
    while (url !== undefined) {
      const current: string = url;
      const got = await call(op, (s) => {
        signal.throwIfAborted();
        return familyGet(inst.context(AbortSignal.any([signal, s])), op, current);
      });
      const items = list.items === undefined ? got.body : fieldAt(got.body, list.items);
      if (!Array.isArray(items)) throw unexpectedShape(def.name, op);
      at.pages += 1;
      at.items += items.length;
      yield items;
      // An empty page ends every kind of paging: a provider may cap the page size below ours.
      if (items.length === 0) return;
      url = nextUrl(list, first, current, got, at);
      // A next page that does not move would page forever.
      if (url === current)
        throw new TourniquetError('PROVIDER_REJECTED', `${config.name} ${op}: the next page repeats`);
    }
  }

  return {
    instance: config.name,
    kinds: kinds.map((k) => k.kind),
    async *discover(call, signal) {
      for (const kind of kinds) {
        // An item the definition's paths cannot read fails the schema, so its listing is not whole.
        const Item = z.unknown().transform((raw, ctx) => {
          const item = listedItem(kind.kind, kind.list, raw);
          if ('unreadable' in item) {
            ctx.addIssue({ code: 'custom', message: item.unreadable });
            return z.NEVER;
          }
          return item;
        });
        const whole = yield* parsedListing(
          pages(call, signal, kind),
          Item,
          (item): DiscoveryEvent[] => [
            ...(item.identity ? [{ type: 'identity' as const, identity: item.identity }] : []),
            { type: 'credential', credential: item.credential },
          ],
          { what: kind.kind, permission: kind.list.permission, isRefusal: refusal },
          (issues) => log?.warn({ kind: kind.kind, issues }, 'listed item not understood'),
        );
        signal.throwIfAborted();
        if (whole) yield { type: 'complete', kinds: [kind.kind] };
      }
    },
  };
}
