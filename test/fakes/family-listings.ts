/**
 * FAKE — how each declared provider family lists its credentials, written from each provider's
 * documented list API (URLs in src/providers/families/<name>.ts) apart from the definitions' `list`
 * sections: the route, the envelope, the item fields in the provider's formats, and the provider's
 * own paging. A page holds at most `pageMax` items whatever the client asks for, as a provider caps
 * its page size, so every listing is read over several pages. Facts marked ◦ could not be
 * confirmed in the provider's docs. Never used by production code.
 */
import type { FakeReply, FakeRequest } from './http-fake.js';
import type { FakeToken } from './family-wires.js';

export interface ListingContext {
  baseUrl: string;
  pageMax: number;
  vars: Readonly<Record<string, string>>;
}

export interface FamilyListing {
  /** The documented list endpoint, relative to the base URL (`{var}` as a path parameter). */
  route: string;
  kind: string;
  /** The page `req` asks for, of `tokens` (the kind's, in creation order). */
  list(req: FakeRequest, tokens: readonly FakeToken[], ctx: ListingContext): FakeReply;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const tail = (t: FakeToken) => t.providerId.split(':').at(-1) ?? '';
const alive = (tokens: readonly FakeToken[]) => tokens.filter((t) => t.alive);
const int = (v: string | null, fallback: number) => (v !== null && /^\d+$/.test(v) ? Number(v) : fallback);

/** A page of `per` items from `start`, and whether more follow. */
function window<T>(items: readonly T[], start: number, per: number) {
  return { page: items.slice(start, start + per), more: start + per < items.length };
}

const datadogKey =
  (kind: string, type: string, owner: 'created_by' | 'owned_by'): FamilyListing['list'] =>
  (req, tokens, ctx) => {
    // page[size] default 10, at most 100; page[number] from 0 (docs: key-management).
    const per = Math.min(int(req.query.get('page[size]'), 10), 100, ctx.pageMax);
    const { page } = window(alive(tokens), int(req.query.get('page[number]'), 0) * per, per);
    return {
      status: 200,
      body: {
        data: page.map((t) => ({
          type,
          id: t.providerId,
          attributes: {
            name: t.meta.name,
            created_at: iso(t.meta.created),
            modified_at: iso(t.meta.created),
            last4: t.value.slice(-4),
            ...(kind === 'datadog.application_key' ? { scopes: t.meta.scopes ?? null } : {}),
          },
          relationships: { [owner]: { data: { type: 'users', id: t.meta.owner ?? null } } },
        })),
        meta: { page: { total_filtered_count: alive(tokens).length } },
      },
    };
  };

export const LISTINGS: Readonly<Record<string, readonly FamilyListing[]>> = {
  gitlab: [
    {
      route: 'GET /personal_access_tokens',
      kind: 'gitlab.personal_access_token',
      // Offset paging: page from 1, per_page default 20, at most 100; `Link` and `x-next-page`.
      list: (req, tokens, ctx) => {
        const per = Math.min(int(req.query.get('per_page'), 20), 100, ctx.pageMax);
        const n = Math.max(1, int(req.query.get('page'), 1));
        const { page, more } = window(tokens, (n - 1) * per, per);
        const at = (p: number) => `${ctx.baseUrl}/personal_access_tokens?page=${p}&per_page=${per}`;
        const last = Math.max(1, Math.ceil(tokens.length / per));
        return {
          status: 200,
          headers: {
            link: [
              ...(more ? [`<${at(n + 1)}>; rel="next"`] : []),
              `<${at(1)}>; rel="first"`,
              `<${at(last)}>; rel="last"`,
            ].join(', '),
            'x-next-page': more ? String(n + 1) : '',
            'x-total': String(tokens.length),
          },
          body: page.map((t) => ({
            id: Number(tail(t)),
            name: t.meta.name,
            revoked: !t.alive,
            created_at: iso(t.meta.created),
            description: '',
            scopes: t.meta.scopes ?? ['read_api'],
            user_id: Number(t.meta.owner ?? 1),
            last_used_at: iso(t.meta.lastUsed),
            active: t.alive,
            // A date, not a time.
            expires_at: t.meta.expires === undefined ? null : iso(t.meta.expires)?.slice(0, 10),
          })),
        };
      },
    },
  ],
  cloudflare: [
    {
      route: 'GET /user/tokens',
      kind: 'cloudflare.api_token',
      // page from 1, per_page default 20, at most 50 ◦; `result_info.total_pages`.
      list: (req, tokens, ctx) => {
        const listed = alive(tokens);
        const per = Math.min(int(req.query.get('per_page'), 20), 50, ctx.pageMax);
        const n = Math.max(1, int(req.query.get('page'), 1));
        const { page } = window(listed, (n - 1) * per, per);
        return {
          status: 200,
          body: {
            success: true,
            errors: [],
            messages: [],
            result: page.map((t) => ({
              id: t.providerId,
              name: t.meta.name,
              status: t.meta.disabled ? 'disabled' : 'active',
              issued_on: iso(t.meta.created),
              modified_on: iso(t.meta.created),
              last_used_on: iso(t.meta.lastUsed),
              expires_on: iso(t.meta.expires),
              policies: [],
            })),
            result_info: {
              page: n,
              per_page: per,
              count: page.length,
              total_count: listed.length,
              total_pages: Math.ceil(listed.length / per),
            },
          },
        };
      },
    },
  ],
  npm: [
    {
      route: 'GET /-/npm/v1/tokens',
      kind: 'npm.access_token',
      // ◦ `page` from 0 and the `urls.next` path: what `npm token list` follows (npm/cli token.js).
      list: (req, tokens, ctx) => {
        const listed = alive(tokens);
        const n = int(req.query.get('page'), 0);
        const { page, more } = window(listed, n * ctx.pageMax, ctx.pageMax);
        return {
          status: 200,
          body: {
            objects: page.map((t) => ({
              // The list shows a token's first characters only.
              token: `${t.value.slice(0, 6)}…`,
              key: t.providerId,
              cidr_whitelist: null,
              readonly: t.meta.scopes?.includes('read-only') ?? false,
              automation: false,
              created: iso(t.meta.created),
              updated: iso(t.meta.created),
            })),
            total: listed.length,
            urls: { next: more ? `/-/npm/v1/tokens?page=${n + 1}` : undefined },
          },
        };
      },
    },
  ],
  datadog: [
    {
      route: 'GET /api/v2/api_keys',
      kind: 'datadog.api_key',
      list: datadogKey('datadog.api_key', 'api_keys', 'created_by'),
    },
    {
      route: 'GET /api/v2/application_keys',
      kind: 'datadog.application_key',
      list: datadogKey('datadog.application_key', 'application_keys', 'owned_by'),
    },
  ],
  sendgrid: [
    {
      route: 'GET /v3/api_keys',
      kind: 'sendgrid.api_key',
      // Every key in one answer: no paging is documented.
      list: (_req, tokens) => ({
        status: 200,
        body: { result: alive(tokens).map((t) => ({ api_key_id: t.providerId, name: t.meta.name })) },
      }),
    },
  ],
  twilio: [
    {
      route: 'GET /2010-04-01/Accounts/{AccountSid}/Keys.json',
      kind: 'twilio.api_key',
      // Page from 0, PageSize default 50, at most 1000; `next_page_uri` null on the last page.
      list: (req, tokens, ctx) => {
        const listed = alive(tokens);
        const per = Math.min(int(req.query.get('PageSize'), 50), 1000, ctx.pageMax);
        const n = int(req.query.get('Page'), 0);
        const { page, more } = window(listed, n * per, per);
        const uri = `/2010-04-01/Accounts/${req.params.AccountSid ?? ''}/Keys.json`;
        const at = (p: number) => `${uri}?PageSize=${per}&Page=${p}`;
        return {
          status: 200,
          body: {
            keys: page.map((t) => ({
              sid: t.providerId,
              friendly_name: t.meta.name,
              // RFC 2822 dates.
              date_created: new Date(t.meta.created).toUTCString().replace('GMT', '+0000'),
              date_updated: new Date(t.meta.created).toUTCString().replace('GMT', '+0000'),
            })),
            first_page_uri: at(0),
            next_page_uri: more ? `${at(n + 1)}&PageToken=PA${page.at(-1)?.providerId ?? ''}` : null,
            previous_page_uri: n > 0 ? at(n - 1) : null,
            page: n,
            page_size: per,
            start: n * per,
            end: n * per + Math.max(0, page.length - 1),
            uri: at(n),
          },
        };
      },
    },
  ],
  vercel: [
    {
      route: 'GET /v6/user/tokens',
      kind: 'vercel.access_token',
      // Newest first; `until` a createdAt (Unix ms), `pagination.next` the one to send next.
      list: (req, tokens, ctx) => {
        const until = int(req.query.get('until'), Number.MAX_SAFE_INTEGER);
        const per = Math.min(int(req.query.get('limit'), 20), 100, ctx.pageMax);
        const newest = alive(tokens)
          .filter((t) => t.meta.created < until)
          .sort((a, b) => b.meta.created - a.meta.created);
        const { page, more } = window(newest, 0, per);
        return {
          status: 200,
          body: {
            tokens: page.map((t) => ({
              id: t.providerId,
              name: t.meta.name,
              type: 'oauth2-token',
              origin: 'manual',
              scopes: [{ type: 'user', origin: 'manual', createdAt: t.meta.created }],
              createdAt: t.meta.created,
              activeAt: t.meta.lastUsed ?? t.meta.created,
              ...(t.meta.expires === undefined ? {} : { expiresAt: t.meta.expires }),
            })),
            pagination: {
              count: page.length,
              next: more ? (page.at(-1)?.meta.created ?? null) : null,
              prev: page[0]?.meta.created ?? null,
            },
          },
        };
      },
    },
  ],
  pagerduty: [
    {
      route: 'GET /users',
      kind: 'pagerduty.user_sessions',
      // Classic offset paging: offset, limit (default 25, at most 100), `more`.
      list: (req, tokens, ctx) => {
        const per = Math.min(int(req.query.get('limit'), 25), 100, ctx.pageMax);
        const offset = int(req.query.get('offset'), 0);
        const { page, more } = window(tokens, offset, per);
        return {
          status: 200,
          body: {
            users: page.map((t) => ({
              id: t.providerId,
              type: 'user',
              name: t.meta.name,
              email: t.meta.email ?? null,
              role: 'user',
            })),
            limit: per,
            offset,
            more,
            total: null,
          },
        };
      },
    },
  ],
};
