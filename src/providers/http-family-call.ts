/**
 * One call of a declared provider family: fills the request's templates, sends it with `fetch`
 * under the task's deadline, and classifies the answer with the shared HTTP helpers. A declared
 * answer (`gone` for a revoke, `dead` for a verify) is a result, not an error.
 *
 * Errors name the family, the operation and the status only: URLs may hold the leaked value (npm
 * deletes a token by value in the path) and bodies may echo it, so neither is ever copied.
 */
import type {
  AnswerMatch,
  FamilyDefinition,
  FamilyKind,
  FamilyRequest,
  FamilyVerify,
} from '../../schemas/providers/family.js';
import { TourniquetError } from '../errors.js';
import { matches } from './http-family-match.js';
import {
  deadline,
  parseRateLimitReset,
  parseRetryAfter,
  rateLimitedError,
  statusError,
  transportError,
} from './http-errors.js';

export interface CallContext {
  def: FamilyDefinition;
  baseUrls: Readonly<Record<string, string>>;
  vars: Readonly<Record<string, string>>;
  secrets: Readonly<Record<string, string>>;
  timeoutMs: number;
  now: () => number;
  signal: AbortSignal;
}

export interface Answer {
  status: number;
  /** The answer is one of the declared ones (gone / dead). */
  matched: boolean;
}

interface Values {
  secret: string | undefined;
  id: string | undefined;
}

export async function familyCall(
  ctx: CallContext,
  op: string,
  req: FamilyRequest | FamilyVerify,
  kind: FamilyKind,
  values: Values,
  meaningful: readonly AnswerMatch[],
): Promise<Answer> {
  const { def } = ctx;
  const fill = placeholderFiller(ctx, op, kind, values);
  const base = ctx.baseUrls[req.base];
  if (base === undefined) throw misconfigured(def, op, `base URL ${req.base}`);
  const url =
    base.replace(/\/+$/, '') +
    req.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(fill(name)));
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...def.headers,
    ...authHeaders(ctx, op, req.auth, values),
  };
  let body: string | undefined;
  if (req.json) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fillObject(req.json, fill));
  } else if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fillObject(req.form, fill)).toString();
  }

  const answer = await exchange(ctx, op, url, { method: req.method, headers, body });
  const { status } = answer;
  if (matches(meaningful, status, answer.body, values.id?.split(':').at(-1)))
    return { status, matched: true };
  if (status >= 200 && status < 300) return { status, matched: false };
  throw failure(ctx, op, answer);
}

/** A provider's answer, the body parsed as JSON when it is JSON. */
export interface Exchanged {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * A listing's page (discovery): a GET with the adapter's own credentials, whose answer is a 2xx
 * or a classified error. `url` is the whole URL; the caller decides which URLs it may follow.
 */
export async function familyGet(ctx: CallContext, op: string, url: string): Promise<Exchanged> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...ctx.def.headers,
    ...authHeaders(ctx, op, 'admin', { secret: undefined, id: undefined }),
  };
  const answer = await exchange(ctx, op, url, { method: 'GET', headers });
  if (answer.status >= 200 && answer.status < 300) return answer;
  throw failure(ctx, op, answer);
}

/** A listing's first URL: the base, the path with its `{var.NAME}` filled in, and the query. */
export function familyUrl(
  ctx: CallContext,
  op: string,
  kind: FamilyKind,
  base: string,
  path: string,
  query: Readonly<Record<string, string>>,
): string {
  const root = ctx.baseUrls[base];
  if (root === undefined) throw misconfigured(ctx.def, op, `base URL ${base}`);
  const fill = placeholderFiller(ctx, op, kind, { secret: undefined, id: undefined });
  const url = new URL(
    root.replace(/\/+$/, '') +
      path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(fill(name))),
  );
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

async function exchange(
  ctx: CallContext,
  op: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
): Promise<Exchanged> {
  const limit = deadline(ctx.signal, ctx.timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, signal: limit.signal, redirect: 'manual' });
    text = await res.text();
  } catch (err) {
    throw transportError(ctx.def.name, op, err, limit.timedOut());
  }
  return { status: res.status, headers: res.headers, body: parseJson(text) };
}

/** A non-2xx answer nothing declared: rate limited (with when to come back) or a status error. */
function failure(ctx: CallContext, op: string, answer: Exchanged): TourniquetError {
  const { def } = ctx;
  const retryAfterMs = retryAfterOf(def, answer.headers, ctx.now());
  if (def.rateLimit.statuses.includes(answer.status))
    return rateLimitedError(def.name, op, retryAfterMs, { status: answer.status });
  return statusError(def.name, op, answer.status, { retryAfterMs });
}

function authHeaders(ctx: CallContext, op: string, auth: 'admin' | 'token', values: Values) {
  const out: Record<string, string> = {};
  if (auth === 'token') {
    // A value no header can carry (a newline, a non-ASCII byte) is not a token: fetch would throw a
    // TypeError that reads as a network failure and be retried for nothing.
    if (values.secret !== undefined && !/^[\x21-\x7e]+$/.test(values.secret)) {
      throw new TourniquetError(
        'PROVIDER_REJECTED',
        `${ctx.def.name} ${op}: the value cannot be sent as a credential`,
      );
    }
    if (values.secret === undefined)
      throw new TourniquetError('PROVIDER_REJECTED', `${ctx.def.name} ${op}: needs the secret`);
    out[ctx.def.tokenAuth.header.toLowerCase()] = ctx.def.tokenAuth.format.replace('{}', values.secret);
    return out;
  }
  for (const part of ctx.def.auth) {
    if (part.type === 'header') {
      const secret = ctx.secrets[part.secret];
      if (secret === undefined) throw misconfigured(ctx.def, op, `secrets.${part.secret}`);
      out[part.header.toLowerCase()] = part.format.replace('{}', secret);
    } else {
      const user = ctx.secrets[part.user];
      const password = ctx.secrets[part.password];
      if (user === undefined || password === undefined)
        throw misconfigured(ctx.def, op, `secrets.${part.user}/${part.password}`);
      out.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
  }
  return out;
}

function placeholderFiller(ctx: CallContext, op: string, kind: FamilyKind, values: Values) {
  return (name: string): string => {
    const missing = (what: string) =>
      new TourniquetError('PROVIDER_REJECTED', `${ctx.def.name} ${op}: ${what} is missing`);
    if (name === 'secret') {
      if (values.secret === undefined) throw missing('the secret');
      return values.secret;
    }
    if (name === 'secretId') {
      const rule = kind.idFromSecret;
      if (values.secret === undefined || rule === undefined) throw missing('the id inside the secret');
      const part = values.secret.split(rule.split)[rule.index];
      if (!part)
        throw new TourniquetError('PROVIDER_REJECTED', `${ctx.def.name} ${op}: the value has no id part`);
      return part;
    }
    if (name === 'id' || name.startsWith('id.')) {
      if (values.id === undefined) throw missing('the providerId');
      if (name === 'id') return values.id;
      const index = Number(name.slice(3));
      const part = values.id.split(':')[index];
      if (!part)
        throw new TourniquetError(
          'PROVIDER_REJECTED',
          `${ctx.def.name} ${op}: providerId needs ${kind.providerId ?? 'more parts'}`,
        );
      return part;
    }
    if (name.startsWith('var.')) {
      const value = ctx.vars[name.slice(4)];
      if (value === undefined) throw misconfigured(ctx.def, op, name);
      return value;
    }
    throw misconfigured(ctx.def, op, `placeholder {${name}}`);
  };
}

function fillObject(
  template: Readonly<Record<string, string>>,
  fill: (name: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(template))
    out[key] = value.replace(/\{([^}]+)\}/g, (_, name: string) => fill(name));
  return out;
}

function retryAfterOf(def: FamilyDefinition, headers: Headers, nowMs: number): number | undefined {
  for (const h of def.rateLimit.retryAfter) {
    const ms = parseRetryAfter(headers.get(h), nowMs);
    if (ms !== undefined) return ms;
  }
  for (const h of def.rateLimit.resetEpoch) {
    const ms = parseRateLimitReset(headers.get(h), nowMs);
    if (ms !== undefined) return ms;
  }
  for (const h of def.rateLimit.resetSeconds) {
    const value = headers.get(h)?.trim();
    if (value && /^\d+$/.test(value)) return Number(value) * 1000;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function misconfigured(def: FamilyDefinition, op: string, what: string): TourniquetError {
  return new TourniquetError('PROVIDER_MISCONFIGURED', `${def.name} ${op}: ${what} is not configured`);
}
