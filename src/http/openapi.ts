/**
 * The OpenAPI 3.1 document of the HTTP API (operator routes, webhooks, health), served at
 * GET /openapi.json and generated from the zod schemas the routes validate with and answer in
 * (src/http/api-schemas.ts). CI points schemathesis at the running service with it: no 5xx, and
 * every answer matches what is documented here. A test checks that every registered route is
 * documented, so a new route cannot be left out.
 */
import { z } from 'zod';
import { TriggerInput } from '../../schemas/trigger.js';
import { InventoryFile } from '../../schemas/credential.js';
import { embedSchema } from '../contracts/json-schema.js';
import * as S from './api-schemas.js';

type Role = 'analyst' | 'responder' | 'admin';
type Method = 'get' | 'post' | 'patch' | 'delete';

interface Route {
  method: Method;
  path: string;
  summary: string;
  /** Who may call it (bearer token role); absent: no operator token (health, webhooks). */
  role?: Role;
  query?: z.ZodType;
  body?: { schema: z.ZodType | null; types: readonly string[]; required?: boolean };
  /** The success answer: its status and body (`ndjson`: JSON Lines text; null: no body). */
  ok: [number, z.ZodType | 'ndjson' | 'text' | 'any' | null];
  /** Error statuses besides the ones every operator route has (400, 401, 403, 503). */
  errors?: readonly number[];
}

const JSON_TYPES = ['application/json'] as const;
/** One canonical trigger or an array of them (JSON Lines arrive as text). */
const TRIGGER_DOCS = z.union([TriggerInput, z.array(TriggerInput)]);
const TRIGGERS = ['application/json', 'application/x-ndjson'] as const;
const RAW = ['application/octet-stream', 'application/json'] as const;

const ROUTES: readonly Route[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', ok: [200, 'any'] },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: store and bus reachable, consumers joined, no handler stalled',
    ok: [200, 'any'],
    errors: [503],
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', ok: [200, 'text'] },
  { method: 'get', path: '/openapi.json', summary: 'This document', ok: [200, 'any'] },
  {
    method: 'post',
    path: '/v1/triggers',
    summary: 'Ingest canonical triggers (one, an array, or JSON Lines); 202 once durably accepted',
    role: 'responder',
    body: { schema: TRIGGER_DOCS, types: TRIGGERS, required: true },
    ok: [202, S.IngestResult],
    errors: [413],
  },
  {
    method: 'post',
    path: '/v1/sources/{source}/events',
    summary: "Ingest a source event in its producer's format (gitleaks, sarif, okta, …)",
    role: 'responder',
    body: { schema: null, types: RAW, required: true },
    ok: [202, S.IngestResult],
    errors: [404, 413],
  },
  {
    method: 'post',
    path: '/v1/sources/{source}/plan',
    summary: 'Dry run of a source event: the plans it would get; nothing stored or executed',
    role: 'analyst',
    body: { schema: null, types: RAW, required: true },
    ok: [200, S.PlansResult],
    errors: [404, 413],
  },
  {
    method: 'post',
    path: '/v1/plan',
    summary: 'Dry run of canonical triggers: the plans they would get',
    role: 'analyst',
    body: { schema: TRIGGER_DOCS, types: TRIGGERS, required: true },
    ok: [200, S.PlansResult],
    errors: [413],
  },
  {
    method: 'get',
    path: '/v1/inventory/check',
    summary: 'Credentials no configured provider can act on, and why',
    role: 'analyst',
    query: S.NoQuery,
    ok: [200, S.GapsResult],
  },
  {
    method: 'post',
    path: '/v1/inventory',
    summary: 'Import inventory records (secrets are fingerprinted, never stored)',
    role: 'responder',
    query: S.ImportQuery,
    body: { schema: InventoryFile, types: JSON_TYPES, required: true },
    ok: [200, S.ImportResult],
    errors: [409, 413],
  },
  {
    method: 'post',
    path: '/v1/inventory/stream',
    summary:
      'Import a large inventory: the JSON body is parsed as it arrives (up to http.inventoryMaxBytes), one transaction',
    role: 'responder',
    query: S.ImportQuery,
    body: { schema: InventoryFile, types: JSON_TYPES, required: true },
    ok: [200, S.ImportResult],
    errors: [409, 413],
  },
  {
    method: 'get',
    path: '/v1/inventory',
    summary:
      'A page of the inventory in id order (limit, default 1000; after: the last id of the page before)',
    role: 'analyst',
    query: S.InventoryQuery,
    ok: [200, S.CredentialsResult],
  },
  {
    method: 'post',
    path: '/v1/inventory/sync',
    summary:
      'Discover what the providers hold and update the inventory (operator-set fields kept); dryRun shows the diff only',
    role: 'responder',
    body: { schema: S.SyncBody, types: JSON_TYPES },
    ok: [200, S.SyncResult],
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/drift/check',
    summary: 'Ask the providers now whether credentials recorded dead work again; alive ones are re-revoked',
    role: 'responder',
    body: { schema: S.DriftBody, types: JSON_TYPES },
    ok: [200, S.DriftResult],
  },
  {
    method: 'get',
    path: '/v1/report',
    summary: 'Governance report: owners, shadow ownership, scopes, lifetimes, staleness, revocation coverage',
    role: 'analyst',
    query: S.ReportQuery,
    ok: [200, S.ReportResult],
  },
  {
    method: 'get',
    path: '/v1/audit',
    summary: 'Audit records (of one trigger or credential); ids may be shortened',
    role: 'analyst',
    query: S.AuditQuery,
    ok: [200, S.AuditResult],
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Verify the keyed hash chain against the newest signed anchor',
    role: 'analyst',
    query: S.NoQuery,
    ok: [200, S.VerifyResult],
  },
  {
    method: 'post',
    path: '/v1/audit/reanchor',
    summary: 'After investigating damage: record it and anchor the chain in a new epoch',
    role: 'responder',
    body: { schema: S.DecisionBody, types: JSON_TYPES, required: true },
    ok: [200, S.ReanchorResult],
    errors: [409],
  },
  {
    method: 'get',
    path: '/v1/audit/export',
    summary: 'The audit trail as JSON Lines: records, or OCSF 1.8 events (format=ocsf)',
    role: 'analyst',
    query: S.ExportQuery,
    ok: [200, 'ndjson'],
  },
  {
    method: 'get',
    path: '/v1/tasks',
    summary: 'Tasks (of one trigger)',
    role: 'analyst',
    query: S.TasksQuery,
    ok: [200, S.TasksResult],
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/v1/plans',
    summary: 'Plans (by status, or of one trigger)',
    role: 'analyst',
    query: S.PlansQuery,
    ok: [200, S.StoredPlansResult],
    // An unknown trigger is 404 and an ambiguous id prefix 409, as for /v1/tasks.
    errors: [404, 409],
  },
  ...(['approve', 'deny'] as const).map((verb): Route => ({
    method: 'post',
    path: `/v1/plans/{id}/${verb}`,
    summary: `${verb === 'approve' ? 'Approve' : 'Deny'} a held plan, or some of its held tasks`,
    role: 'responder',
    body: { schema: S.DecisionBody, types: JSON_TYPES, required: true },
    ok: [200, S.DecideResult],
    errors: [404, 409],
  })),
  {
    method: 'get',
    path: '/v1/dlq',
    summary: 'Dead-lettered tasks with their attempt history',
    role: 'analyst',
    query: S.NoQuery,
    ok: [200, S.DeadLettersResult],
  },
  {
    method: 'get',
    path: '/v1/dlq/messages',
    summary: 'Input that could not become a trigger (no payloads)',
    role: 'analyst',
    ok: [200, S.DeadMessagesResult],
  },
  {
    method: 'get',
    path: '/v1/dlq/messages/{id}',
    summary: 'One dead message; unseal=true opens its payload (responders; audited)',
    role: 'analyst',
    query: S.ShowQuery,
    ok: [200, S.DeadMessageView],
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/dlq/retry',
    summary: 'Requeue dead-lettered tasks',
    role: 'responder',
    body: { schema: S.RetryBody, types: JSON_TYPES, required: true },
    ok: [200, S.RetryResult],
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/replays',
    summary: 'Replay triggers: a dry-run diff (analysts), or live (responders); never revokes twice',
    role: 'analyst',
    body: { schema: S.ReplayBody, types: JSON_TYPES, required: true },
    ok: [200, S.ReplayResult],
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/operators',
    summary: 'Create or re-key an operator; the token is shown once',
    role: 'admin',
    body: { schema: S.OperatorBody, types: JSON_TYPES, required: true },
    ok: [200, S.OperatorResult],
  },
  {
    method: 'post',
    path: '/hooks/{source}',
    summary:
      "Webhook intake for a configured source, authenticated by the source's own scheme (HMAC, signature, token)",
    body: { schema: null, types: RAW },
    ok: [202, 'any'],
    errors: [400, 401, 404, 413, 503],
  },
  {
    method: 'get',
    path: '/hooks/okta',
    summary: "Okta event hook's one-time verification challenge",
    ok: [200, 'any'],
    errors: [400, 401, 404],
  },
  {
    method: 'patch',
    path: '/hooks/scim/Users/{id}',
    summary: 'SCIM user update (deactivation is an offboarding)',
    body: { schema: null, types: RAW },
    ok: [204, null],
    errors: [400, 401, 404, 413, 503],
  },
  {
    method: 'delete',
    path: '/hooks/scim/Users/{id}',
    summary: 'SCIM user deletion (an offboarding)',
    ok: [204, null],
    errors: [400, 401, 404, 503],
  },
];

/** Every registered route, as `METHOD /path` with `{param}`: for the completeness test. */
export const DOCUMENTED = ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`);

const OPERATOR_ERRORS = [400, 401, 403, 503] as const;
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the bad fields are in `issues`',
  401: 'No valid bearer token (or a bad webhook signature)',
  403: 'The token lacks the role',
  404: 'Not found (or an unconfigured source)',
  409: 'Conflict, or an ambiguous shortened id',
  413: 'Body or batch too large',
  414: 'A path segment longer than 100 characters',
  503: 'Store or bus unavailable: retry later',
};

export function openApiDocument(version: string): Record<string, unknown> {
  const shared: Record<string, unknown> = {};
  let n = 0;
  const schema = (s: z.ZodType, io: 'input' | 'output') =>
    embedSchema(s, `S${n++}`, shared, { target: 'draft-2020-12', io });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      // fastify's maxParamLength: a longer path segment is answered 414 before any route runs.
      schema: { type: 'string', minLength: 1, maxLength: 100 },
    }));
    const query = r.query ? queryParameters(schema(r.query, 'input')) : [];
    const errors = [
      ...new Set([...(r.role ? OPERATOR_ERRORS : []), ...(r.errors ?? []), ...(params.length ? [414] : [])]),
    ].sort();
    const [status, ok] = r.ok;
    const body = r.body && {
      required: r.body.required ?? false,
      content: Object.fromEntries(
        r.body.types.map((t) => [
          t,
          {
            // A raw body (a source event, JSON Lines) is text; JSON has its schema, if it has one.
            schema:
              t !== 'application/json'
                ? { type: 'string' }
                : r.body!.schema
                  ? schema(r.body!.schema, 'input')
                  : {},
          },
        ]),
      ),
    };
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(r.role ? { security: [{ bearer: [] }], 'x-role': r.role } : { security: [] }),
      ...(params.length + query.length ? { parameters: [...params, ...query] } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: {
        [status]: { description: 'Success', ...(ok === null ? {} : { content: okContent(ok, schema) }) },
        ...Object.fromEntries(
          errors.map((e) => [
            e,
            {
              description: ERROR_TEXT[e] ?? 'Error',
              // A webhook's own error formats (SSF, SCIM) are the source's, not ours.
              content: {
                'application/json': {
                  schema:
                    e === 414
                      ? schema(S.FrameworkError, 'output')
                      : r.role
                        ? schema(S.ErrorBody, 'output')
                        : {},
                },
              },
            },
          ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tourniquet',
      version,
      description:
        'Operator API (bearer tokens with roles: analyst < responder < admin), webhook intake and health.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: shared,
    },
  };
}

function okContent(
  ok: z.ZodType | 'ndjson' | 'text' | 'any',
  schema: (s: z.ZodType, io: 'input' | 'output') => Record<string, unknown>,
) {
  if (ok === 'ndjson') return { 'application/x-ndjson': { schema: { type: 'string' } } };
  if (ok === 'text') return { 'text/plain': { schema: { type: 'string' } } };
  if (ok === 'any') return { 'application/json': { schema: {} } };
  return { 'application/json': { schema: schema(ok, 'output') } };
}

/** A query schema (an object of optional strings) as OpenAPI query parameters. */
function queryParameters(s: Record<string, unknown>) {
  const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: p,
  }));
}
