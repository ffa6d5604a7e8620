/**
 * FAKE — how each declared provider family answers on the wire, from each provider's documented API
 * (the doc URLs are in src/providers/families/<name>.ts): error bodies, status codes and rate-limit
 * headers. test/fakes/http-family.ts serves these answers on the routes a definition declares.
 * Facts marked ◦ could not be confirmed in the provider's docs.
 */
import { randomBytes } from 'node:crypto';
import { githubChecksum } from '../../handlers/classify/index.js';
import type { FakeReply, FakeRequest } from './http-fake.js';

export interface FakeToken {
  value: string;
  providerId: string;
  alive: boolean;
  /** The kind it is, where a family's listings differ by kind (Datadog's two). */
  kind?: string;
  /** What a listing shows of it (family-listings.ts). */
  meta: TokenMeta;
}

export interface TokenMeta {
  name: string;
  /** Unix ms; distinct per token (Vercel pages by it). */
  created: number;
  lastUsed?: number;
  expires?: number;
  /** The owning account as the provider lists it (a user id). */
  owner?: string;
  email?: string;
  scopes?: string[];
  disabled?: boolean;
}

export interface FamilyWire {
  /**
   * The provider's documented endpoints the definition may use, written from the docs apart from the
   * definition (relative to the base URL): a route a definition declares that is not here fails.
   */
  routes: readonly string[];
  /** A new credential value in the provider's documented format. */
  mint(): string;
  /** Bad or dead credentials. */
  unauthorized: FakeReply;
  notFound: FakeReply;
  /** A permanent refusal (a validation error, a missing permission). */
  rejected: FakeReply;
  serverError: FakeReply;
  /** Rate limited, announcing `seconds`; returns the delay it announced (undefined: none). */
  rateLimited(seconds: number, nowMs: number): { reply: FakeReply; announcedMs: number | undefined };
  /** A successful revoke (default 204). */
  revoked?: FakeReply;
  /** The body of a successful GET of a live credential. */
  alive(token: FakeToken): unknown;
  /** How a GET by id answers for a dead credential (default: notFound). */
  dead?(token: FakeToken): FakeReply;
  /** Routes that answer otherwise (Atlassian lists a user's tokens). */
  overrides?: Record<string, (req: FakeRequest, tokens: readonly FakeToken[]) => FakeReply>;
}

const alnum = (n: number) =>
  [...randomBytes(n)]
    .map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62])
    .join('');
const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const epoch = (nowMs: number, s: number) => String(Math.floor(nowMs / 1000) + s);
const retryAfter = (seconds: number, body: unknown, headers: Record<string, string> = {}) => ({
  reply: { status: 429, headers: { 'retry-after': String(seconds), ...headers }, body },
  announcedMs: seconds * 1000,
});

const gitlabMessage = (status: number, message: string): FakeReply => ({ status, body: { message } });
const cloudflareError = (status: number, code: number, message: string): FakeReply => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
});
const doError = (status: number, id: string, message: string): FakeReply => ({
  status,
  body: { id, message },
});
const vercelError = (status: number, code: string, extra: Record<string, unknown> = {}): FakeReply => ({
  status,
  body: { error: { code, message: code, ...extra } },
});
const dopplerError = (status: number, message: string): FakeReply => ({
  status,
  body: { messages: [message], success: false },
});
const datadogError = (status: number, message: string): FakeReply => ({
  status,
  body: { errors: [message] },
});
const pagerdutyError = (status: number, code: number, message: string): FakeReply => ({
  status,
  body: { error: { code, message } },
});
const twilioError = (status: number, code: number, message: string): FakeReply => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});
const sendgridError = (status: number, message: string): FakeReply => ({
  status,
  body: { errors: [{ field: null, message }] },
});

export const WIRES: Readonly<Record<string, FamilyWire>> = {
  gitlab: {
    routes: [
      'DELETE /personal_access_tokens/self',
      'GET /personal_access_tokens/self',
      'DELETE /personal_access_tokens/{id}',
      'GET /personal_access_tokens/{id}',
      'DELETE /projects/{id}/access_tokens/{token_id}',
      'GET /projects/{id}/access_tokens/{token_id}',
      'DELETE /groups/{id}/access_tokens/{token_id}',
      'GET /groups/{id}/access_tokens/{token_id}',
      'DELETE /projects/{id}/deploy_tokens/{token_id}',
      'GET /projects/{id}/deploy_tokens/{token_id}',
      'DELETE /admin/token',
      'POST /admin/token',
    ],
    mint: () => `glpat-${alnum(20)}`,
    unauthorized: gitlabMessage(401, '401 Unauthorized'),
    notFound: gitlabMessage(404, '404 Not Found'),
    rejected: gitlabMessage(403, '403 Forbidden'),
    serverError: gitlabMessage(500, '500 Internal Server Error'),
    // gitlab.com sends both (docs: security/rate_limits); the body is plain text.
    rateLimited: (s, now) =>
      retryAfter(s, 'Retry later', { 'ratelimit-reset': epoch(now, s), 'ratelimit-remaining': '0' }),
    alive: (t) => ({ id: Number(t.providerId.split(':').at(-1)), name: 'ci', revoked: false, active: true }),
    dead: (t) => ({
      status: 200,
      body: { id: Number(t.providerId.split(':').at(-1)), revoked: true, active: false },
    }),
  },
  huggingface: {
    routes: ['DELETE /api/settings/tokens/self', 'GET /api/whoami-v2'],
    mint: () => `hf_${alnum(34).replace(/[0-9]/g, 'x')}`,
    unauthorized: { status: 401, body: { error: 'Invalid credentials in Authorization header' } },
    notFound: { status: 404, body: { error: 'Not Found' } },
    rejected: { status: 403, body: { error: 'You do not have permission' } },
    serverError: { status: 500, body: { error: 'Internal Error' } },
    rateLimited: (s) => retryAfter(s, { error: 'Too Many Requests' }), // ◦ headers
    alive: () => ({ type: 'user', name: 'someone', auth: { type: 'access_token' } }),
  },
  npm: {
    routes: ['DELETE /-/npm/v1/tokens/token/{token}', 'GET /-/whoami'],
    mint: () => {
      const body = alnum(30);
      return `npm_${body}${githubChecksum(body)}`;
    },
    unauthorized: { status: 401, body: { error: 'You must be logged in to do that' } },
    notFound: { status: 404, body: { error: 'Not found' } },
    rejected: { status: 403, body: { error: 'This operation requires a one-time password' } },
    serverError: { status: 503, body: '' },
    rateLimited: (s) => retryAfter(s, { error: 'Too Many Requests' }), // ◦ headers
    alive: () => ({ username: 'someone' }),
  },
  cloudflare: {
    routes: ['DELETE /user/tokens/{token_id}', 'GET /user/tokens/{token_id}'],
    mint: () => alnum(40),
    unauthorized: cloudflareError(401, 10000, 'Authentication error'),
    notFound: cloudflareError(404, 1003, 'Token not found'), // ◦ code
    rejected: cloudflareError(403, 9109, 'Unauthorized to access requested resource'),
    serverError: cloudflareError(500, 1000, 'Internal error'),
    rateLimited: (s) =>
      retryAfter(s, {
        success: false,
        errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }],
      }),
    revoked: { status: 200, body: { success: true, errors: [], messages: [], result: { id: 'x' } } },
    alive: (t) => ({
      success: true,
      errors: [],
      messages: [],
      result: { id: t.providerId, status: 'active' },
    }),
  },
  digitalocean: {
    routes: ['POST /v1/oauth/revoke', 'GET /v2/account'],
    mint: () => `dop_v1_${hex(64)}`,
    unauthorized: doError(401, 'unauthorized', 'Unable to authenticate you'),
    notFound: doError(404, 'not_found', 'The resource you were accessing could not be found.'),
    rejected: doError(403, 'forbidden', 'You do not have access for the attempted action.'),
    serverError: doError(500, 'server_error', 'Server Error'),
    rateLimited: (s, now) => ({
      reply: {
        status: 429,
        headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': epoch(now, s) },
        body: { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
      },
      announcedMs: s * 1000,
    }),
    revoked: { status: 200, body: '' },
    alive: () => ({ account: { uuid: 'u1', status: 'active' } }),
  },
  heroku: {
    routes: [
      'DELETE /oauth/authorizations/{oauth_authorization_id}',
      'GET /oauth/authorizations/{oauth_authorization_id}',
    ],
    mint: () => `HRKU-AA${alnum(58)}`,
    unauthorized: { status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } },
    notFound: { status: 404, body: { id: 'not_found', message: "Couldn't find that authorization." } },
    rejected: {
      status: 403,
      body: { id: 'forbidden', message: 'You do not have access to that authorization.' },
    },
    serverError: { status: 503, body: { id: 'unavailable', message: 'Service unavailable' } },
    // Heroku announces no delay, only RateLimit-Remaining ◦.
    rateLimited: () => ({
      reply: {
        status: 429,
        headers: { 'ratelimit-remaining': '0' },
        body: { id: 'rate_limit', message: 'Your account reached the API rate limit' },
      },
      announcedMs: undefined,
    }),
    revoked: { status: 200, body: { id: 'x' } },
    alive: (t) => ({ id: t.providerId, description: 'api key' }),
  },
  vercel: {
    routes: [
      'DELETE /v3/user/tokens/current',
      'DELETE /v3/user/tokens/{tokenId}',
      'GET /v2/user',
      'GET /v5/user/tokens/{tokenId}',
    ],
    mint: () => alnum(24),
    unauthorized: vercelError(403, 'forbidden', { invalidToken: true }),
    notFound: vercelError(404, 'not_found'),
    rejected: vercelError(403, 'forbidden'),
    serverError: vercelError(500, 'internal_server_error'),
    rateLimited: (s, now) => ({
      reply: {
        status: 429,
        headers: {
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': epoch(now, s),
        },
        body: {
          error: {
            code: 'rate_limited',
            message: 'Rate limit exceeded',
            limit: { remaining: 0, reset: Number(epoch(now, s)) },
          },
        },
      },
      announcedMs: s * 1000,
    }),
    revoked: { status: 200, body: { tokenId: 'x' } },
    alive: (t) => ({ user: { id: 'u1' }, token: { id: t.providerId } }),
  },
  doppler: {
    routes: ['POST /v3/auth/revoke', 'GET /v3/me'],
    mint: () => `dp.pt.${alnum(43)}`,
    unauthorized: dopplerError(401, 'Invalid Auth token'),
    notFound: dopplerError(404, 'Could not find requested token'),
    rejected: dopplerError(400, 'Invalid token'),
    serverError: dopplerError(500, 'Internal server error'),
    rateLimited: (s, now) =>
      retryAfter(s, dopplerError(429, 'Too many requests').body, { 'x-ratelimit-reset': epoch(now, s) }),
    revoked: { status: 200, body: { success: true } },
    alive: () => ({ slug: 'tok', type: 'personal', workplace: { slug: 'w' } }),
  },
  buildkite: {
    routes: ['DELETE /v2/access-token', 'GET /v2/access-token'],
    mint: () => `bkua_${hex(40)}`,
    unauthorized: {
      status: 401,
      body: { message: 'Authentication required. Please supply a valid API Access Token' },
    },
    notFound: { status: 404, body: { message: 'No access token found' } },
    rejected: { status: 403, body: { message: 'Forbidden' } },
    serverError: { status: 502, body: '' },
    rateLimited: (s) => ({
      reply: {
        status: 429,
        headers: { 'ratelimit-limit': '200', 'ratelimit-remaining': '0', 'ratelimit-reset': String(s) },
        body: { message: 'You have exceeded your API rate limit' },
      },
      announcedMs: s * 1000,
    }),
    alive: () => ({ uuid: 'b1', scopes: ['read_builds'] }),
  },
  datadog: {
    routes: [
      'DELETE /api/v2/api_keys/{api_key_id}',
      'GET /api/v2/api_keys/{api_key_id}',
      'DELETE /api/v2/application_keys/{app_key_id}',
      'GET /api/v2/application_keys/{app_key_id}',
    ],
    mint: () => hex(32),
    unauthorized: datadogError(403, 'Forbidden'),
    notFound: datadogError(404, 'API key not found'),
    rejected: datadogError(400, 'Bad Request'),
    serverError: datadogError(500, 'Internal Server Error'),
    rateLimited: (s) => ({
      reply: {
        status: 429,
        headers: {
          'x-ratelimit-limit': '100',
          'x-ratelimit-period': '60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(s),
        },
        body: { errors: ['Rate limit exceeded'] },
      },
      announcedMs: s * 1000,
    }),
    alive: (t) => ({ data: { id: t.providerId, type: 'api_keys', attributes: { name: 'k' } } }),
  },
  pagerduty: {
    routes: ['DELETE /users/{id}/sessions', 'GET /users/{id}/sessions'],
    mint: () => alnum(20),
    unauthorized: pagerdutyError(401, 2006, 'Authentication failed'),
    notFound: pagerdutyError(404, 2100, 'Not Found'),
    rejected: pagerdutyError(403, 2010, 'Access Denied'),
    serverError: pagerdutyError(500, 2000, 'Internal Error'),
    rateLimited: (s) => ({
      reply: {
        status: 429,
        headers: { 'ratelimit-reset': String(s) },
        body: pagerdutyError(429, 2020, 'Rate Limit Exceeded').body,
      }, // ◦ header
      announcedMs: s * 1000,
    }),
    alive: () => ({ user_sessions: [{ id: 's1', type: 'mobile' }] }),
    dead: () => ({ status: 200, body: { user_sessions: [] } }),
  },
  atlassian: {
    routes: [
      'DELETE /users/{account_id}/manage/api-tokens/{tokenId}',
      'GET /users/{account_id}/manage/api-tokens',
    ],
    mint: () => `ATATT3${alnum(186)}`,
    unauthorized: { status: 401, body: { code: 401, message: 'Unauthorized' } },
    notFound: { status: 404, body: { code: 404, message: 'Not Found' } },
    rejected: { status: 403, body: { code: 403, message: 'Forbidden' } },
    serverError: { status: 503, body: { code: 503, message: 'Service Unavailable' } },
    rateLimited: (s) => retryAfter(s, { code: 429, message: 'Too Many Requests' }),
    alive: (t) => ({ id: t.providerId.split(':')[1], label: 'ci' }),
    overrides: {
      'GET /users/{p0}/manage/api-tokens': (req, tokens) => ({
        status: 200,
        body: tokens
          .filter((t) => t.alive && t.providerId.startsWith(`${req.params.p0}:`))
          .map((t) => ({ id: t.providerId.split(':')[1], label: 'ci', createdAt: '2026-01-01T00:00:00Z' })),
      }),
    },
  },
  twilio: {
    routes: [
      'DELETE /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json',
      'GET /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json',
    ],
    mint: () => `SK${hex(32)}`,
    unauthorized: twilioError(401, 20003, 'Authenticate'),
    notFound: twilioError(404, 20404, 'The requested resource was not found'),
    rejected: twilioError(403, 20403, 'Forbidden'),
    serverError: twilioError(500, 20500, 'Internal Server Error'),
    // Twilio's 429 carries no Retry-After ◦.
    rateLimited: () => ({ reply: twilioError(429, 20429, 'Too Many Requests'), announcedMs: undefined }),
    alive: (t) => ({ sid: t.providerId, friendly_name: 'k' }),
  },
  sendgrid: {
    routes: ['DELETE /v3/api_keys/{api_key_id}', 'GET /v3/api_keys/{api_key_id}'],
    mint: () => `SG.${alnum(22)}.${alnum(43)}`,
    unauthorized: sendgridError(401, 'authorization required'),
    notFound: sendgridError(404, 'resource not found'),
    rejected: sendgridError(403, 'access forbidden'),
    serverError: sendgridError(500, 'internal error'),
    rateLimited: (s, now) => ({
      reply: {
        status: 429,
        headers: {
          'x-ratelimit-limit': '500',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': epoch(now, s),
        },
        body: sendgridError(429, 'too many requests').body,
      },
      announcedMs: s * 1000,
    }),
    alive: (t) => ({ api_key_id: t.providerId, name: 'k', scopes: ['mail.send'] }),
  },
};
