/**
 * FAKE Slack's contract: Slack's published method definitions (slack-methods.ts) check every request
 * the fake receives and every reply it sends.
 *
 * Requests to `/api/<method>`: the method must exist in Slack's official SDK (`@slack/web-api`, a
 * WebClient has it) and be one the fake serves; it is POSTed (the SDK's verb; Slack also takes GET,
 * the fake does not); the arguments — form or JSON body, and the query string — carry every required
 * one, respect the exactly-one / both-or-neither groups, and include nothing the method page does
 * not document. SCIM requests must be to the documented SCIM v2 `Users` resource.
 * Replies: Slack answers 200 (`ok` boolean; a success carries the method's documented fields; a
 * failure's `error` is one the method's reference lists), 429 with Retry-After, or a 5xx.
 */
import { WebClient } from '@slack/web-api';
import type { Contract } from './contract.js';
import type { FakeReply, FakeRequest } from './http-fake.js';
import { COMMON_ERRORS, SLACK_METHODS, type SlackMethod } from './slack-methods.js';

const sdk = new WebClient();
/** Slack's SCIM v2 API (docs.slack.dev/reference/scim-api): the Users resource. */
const SCIM = /^\/scim\/v2\/Users(\/[^/]+)?$/;
const SCIM_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** True when Slack's SDK has the method (e.g. `admin.users.session.reset`). */
function sdkHasMethod(name: string): boolean {
  let at: unknown = sdk;
  for (const part of name.split('.')) {
    if (!at || (typeof at !== 'object' && typeof at !== 'function')) return false;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'function';
}

const methodOf = (routeKey: string): string | undefined => /^POST \/api\/(.+)$/.exec(routeKey)?.[1];
const spec = (name: string): SlackMethod | undefined =>
  Object.hasOwn(SLACK_METHODS, name) ? SLACK_METHODS[name as keyof typeof SLACK_METHODS] : undefined;

export function slackContract(): Contract {
  return {
    checkRoute(key) {
      const name = methodOf(key);
      if (name !== undefined) {
        if (!sdkHasMethod(name)) throw new Error(`fake Slack route ${key}: no such Web API method`);
        if (!spec(name)) throw new Error(`fake Slack route ${key}: no definition in slack-methods.ts`);
        return;
      }
      const [method = '', path = ''] = key.split(' ');
      if (!SCIM_METHODS.has(method) || !SCIM.test(path.replace('{id}', 'x')))
        throw new Error(`fake Slack route ${key} is neither a Web API method nor SCIM v2 Users`);
    },

    request(req, routeKey) {
      const api = /^\/api\/(.+)$/.exec(req.path)?.[1];
      if (api !== undefined) {
        if (!sdkHasMethod(api)) return [`${api}: no such Slack Web API method`];
        if (routeKey === undefined)
          return req.method === 'POST'
            ? [`${api}: a Slack method the fake does not serve`]
            : [`${req.method} ${api}: the Web API is called with POST (GET also works at Slack, not here)`];
        return argumentProblems(api, req);
      }
      if (SCIM.test(req.path)) {
        if (!SCIM_METHODS.has(req.method)) return [`${req.method} ${req.path}: not a SCIM method`];
        return routeKey === undefined ? [`${req.method} ${req.path}: SCIM call the fake does not serve`] : [];
      }
      return [`${req.method} ${req.path}: neither a Slack Web API method nor SCIM v2 Users`];
    },

    response(_req, routeKey, reply) {
      const name = methodOf(routeKey);
      if (name === undefined) return scimReplyProblems(reply);
      return webReplyProblems(name, reply);
    },
  };
}

function argumentProblems(name: string, req: FakeRequest): string[] {
  const method = spec(name);
  if (!method) return [`${name}: no definition in slack-methods.ts`];
  const problems: string[] = [];
  if (method.formOnly && /json/.test(req.headers['content-type'] ?? ''))
    problems.push(`${name}: does not accept application/json (form-encoded or query string only)`);
  const args: Record<string, unknown> = { ...Object.fromEntries(req.query), ...req.body };
  const given = (key: string) => args[key] !== undefined && args[key] !== '';
  for (const key of Object.keys(method.minimal))
    if (!given(key)) problems.push(`${name}: required argument ${key} missing`);
  const count = (keys: readonly string[] = []) => keys.filter(given).length;
  if (method.exactlyOne && count(method.exactlyOne) !== 1)
    problems.push(`${name}: exactly one of ${method.exactlyOne.join(', ')} is required`);
  if (method.atMostOne && count(method.atMostOne) > 1)
    problems.push(`${name}: at most one of ${method.atMostOne.join(', ')} may be given`);
  if (method.together && ![0, method.together.length].includes(count(method.together)))
    problems.push(`${name}: ${method.together.join(' and ')} go together (all or none)`);
  if (method.atLeastOne && count(method.atLeastOne) === 0)
    problems.push(`${name}: one of ${method.atLeastOne.join(', ')} is required`);
  const known = new Set([
    'token',
    ...Object.keys(method.minimal),
    ...method.optional,
    ...(method.exactlyOne ?? []),
    ...(method.together ?? []),
    ...(method.atMostOne ?? []),
    ...(method.atLeastOne ?? []),
  ]);
  for (const key of Object.keys(args))
    if (!known.has(key)) problems.push(`${name}: argument ${key} is not documented for this method`);
  return problems;
}

function webReplyProblems(name: string, reply: FakeReply): string[] {
  if (reply.status >= 500) return [];
  if (reply.status === 429)
    return reply.headers?.['retry-after'] === undefined ? [`${name}: 429 without Retry-After`] : [];
  if (reply.status !== 200) return [`${name}: status ${reply.status} (Slack answers 200, 429 or 5xx)`];
  const body = reply.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || typeof body.ok !== 'boolean')
    return [`${name}: a 200 answer's body is an object with a boolean ok`];
  const method = spec(name);
  if (!method) return [`${name}: no definition in slack-methods.ts`];
  if (body.ok)
    return method.success.filter((f) => body[f] === undefined).map((f) => `${name}: success without ${f}`);
  const error = body.error;
  if (typeof error !== 'string') return [`${name}: ok:false without an error name`];
  return COMMON_ERRORS.includes(error) || method.errors.includes(error)
    ? []
    : [`${name}: error ${error} is not one the method's reference lists`];
}

function scimReplyProblems(reply: FakeReply): string[] {
  const documented = [200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 503];
  return documented.includes(reply.status) ? [] : [`SCIM: status ${reply.status} is not a documented answer`];
}
