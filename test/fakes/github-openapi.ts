/**
 * FAKE GitHub's contract: GitHub's published OpenAPI description (npm `@octokit/openapi`, the GHEC
 * document — a superset of api.github.com that also has the SAML credential-authorization endpoints)
 * checks every request the fake receives and every reply it sends. Validation is JSON Schema (Ajv 8 +
 * ajv-formats; Ajv understands OpenAPI 3.0's `nullable`).
 *
 * Requests: the method and path template must be an operation of the description; path and query
 * parameters must be of the described types (URL strings coerced, as a server would), required ones
 * present, unknown query parameters refused; a required body must be there and match its schema,
 * with no top-level field the operation does not name.
 * Replies: the status must be one the operation describes, or one GitHub documents for every endpoint
 * (401 bad credentials; 403/429 rate limits and missing permissions; 404 for what the token may not
 * see; 5xx) with a `basic-error` body; the body must match the schema of that status; a success
 * status described without content has no body (an error status so described may carry basic-error,
 * as GitHub's error answers always do).
 *
 * Cost: the 14 MB description is read once per process, when the first fake is built, and only the
 * operations a fake uses are compiled (on first use, then cached).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Contract } from './contract.js';
import type { FakeReply } from './http-fake.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}
interface Operation {
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> } | { $ref: string };
  responses: Record<string, { content?: Record<string, { schema?: Json }> } | { $ref: string }>;
}
interface Compiled {
  params: ValidateFunction;
  arrays: Set<string>;
  body: ValidateFunction | undefined;
  bodyRequired: boolean;
  /** Top-level body fields the description names (undefined: it leaves them open). */
  bodyFields: Set<string> | undefined;
  responses: Map<string, ValidateFunction | 'empty'>;
}

/** Statuses GitHub may answer on any endpoint (docs.github.com, "Troubleshooting the REST API", rate limits). */
const GENERIC_STATUSES = new Set([401, 403, 404, 429, 500, 502, 503, 504]);

interface Description {
  paths: Record<string, Record<string, Operation>>;
  components: Json;
  /** Bodies: no coercion. */
  ajv: Ajv;
  /** Path and query parameters arrive as strings: coerced to the described types. */
  coercing: Ajv;
  /** Operations compiled so far, by route key. */
  compiled: Map<string, Compiled>;
}
let loaded: Description | undefined;

function description(): Description {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/ghec.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { paths: Description['paths']; components: Json };
  normaliseNullable(spec.components.schemas);
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The component schemas are one document: `gh#/components/schemas/x` refs resolve inside it.
  ajv.addSchema({ $id: 'gh', components: { schemas: spec.components.schemas } }, undefined, undefined, false);
  // Parameter schemas are small and get their refs inlined, so this one needs no components (saves
  // registering the 14 MB document twice).
  const coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', validateSchema: false });
  addFormats(coercing);
  loaded = { paths: spec.paths, components: spec.components, ajv, coercing, compiled: new Map() };
  return loaded;
}

/** The GitHub contract; the parsed description and compiled operations are shared by the process. */
export function githubContract(): Contract {
  const spec = description();
  const { ajv, compiled } = spec;
  const templates = Object.keys(spec.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  const deref = <T>(node: T | { $ref: string }): T => {
    if (node && typeof node === 'object' && '$ref' in node) {
      const path = node.$ref.replace(/^#\//, '').split('/');
      return path.reduce<unknown>((at, key) => (at as Json)[key], { components: spec.components }) as T;
    }
    return node as T;
  };
  /** A copy of `node` with every `#/components/...` ref replaced by its target (parameter schemas). */
  const inline = (node: unknown): Json => {
    if (Array.isArray(node)) return node.map(inline) as unknown as Json;
    if (!node || typeof node !== 'object') return node as Json;
    if ('$ref' in node) return inline(deref(node as Json));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  };
  const operation = (key: string): Operation | undefined => {
    const [method = '', template = ''] = key.split(' ');
    return spec.paths[template]?.[method.toLowerCase()];
  };
  const compile = (key: string): Compiled => {
    const hit = compiled.get(key);
    if (hit) return hit;
    const op = operation(key);
    if (!op) throw new Error(`${key} is not in GitHub's OpenAPI description`);
    const params = (op.parameters ?? []).map((p) => deref<Parameter>(p));
    const group = (where: 'path' | 'query') => {
      const list = params.filter((p) => p.in === where);
      return {
        type: 'object',
        properties: Object.fromEntries(list.map((p) => [p.name, inline(p.schema ?? {})])),
        required: list.filter((p) => p.required).map((p) => p.name),
        // GitHub ignores unknown query parameters, but an adapter sending one has misread the API.
        additionalProperties: false,
      };
    };
    const body = op.requestBody && deref(op.requestBody);
    const bodySchema = body?.content?.['application/json']?.schema;
    const responses = new Map<string, ValidateFunction | 'empty'>();
    for (const [status, raw] of Object.entries(op.responses)) {
      const schema = deref(raw).content?.['application/json']?.schema;
      responses.set(status, schema ? ajv.compile(refs(schema)) : 'empty');
    }
    const entry: Compiled = {
      params: spec.coercing.compile({
        type: 'object',
        properties: { path: group('path'), query: group('query') },
      }),
      arrays: new Set(
        params.filter((p) => p.in === 'query' && p.schema?.type === 'array').map((p) => p.name),
      ),
      body: bodySchema ? ajv.compile(refs(bodySchema)) : undefined,
      bodyRequired: body?.required === true,
      bodyFields:
        bodySchema?.properties && bodySchema.additionalProperties === undefined
          ? new Set(Object.keys(bodySchema.properties))
          : undefined,
      responses,
    };
    compiled.set(key, entry);
    return entry;
  };
  const basicError = () => ajv.getSchema('gh#/components/schemas/basic-error');

  return {
    checkRoute(key) {
      if (!operation(key))
        throw new Error(`fake GitHub route ${key} is not an operation of GitHub's OpenAPI description`);
    },

    request(req, routeKey) {
      if (routeKey === undefined) {
        const known = templates.find((t) => t.pattern.test(req.path));
        if (!known) return [`${req.method} ${req.path}: no such path in GitHub's OpenAPI description`];
        if (!spec.paths[known.template]?.[req.method.toLowerCase()])
          return [`${req.method} ${known.template}: the description has no ${req.method} on this path`];
        return [`${req.method} ${known.template}: described, but the fake does not implement it`];
      }
      const c = compile(routeKey);
      const query: Json = {};
      for (const name of new Set(req.query.keys()))
        query[name] = c.arrays.has(name) ? req.query.getAll(name) : req.query.get(name);
      const data = { path: { ...req.params }, query };
      const problems = c.params(data) ? [] : errors('parameters', c.params.errors);
      if (req.rawBody === '') {
        if (c.bodyRequired) problems.push('request body: required by the description, none sent');
      } else if (!c.body) {
        problems.push('request body: the operation takes none');
      } else if (!/json/.test(req.headers['content-type'] ?? '')) {
        problems.push(`request body: content-type ${req.headers['content-type']} is not application/json`);
      } else if (!c.body(req.body)) {
        problems.push(...errors('request body', c.body.errors));
      }
      // GitHub ignores body fields it does not know: an adapter sending one has misread the API.
      if (c.bodyFields)
        for (const field of Object.keys(req.body))
          if (!c.bodyFields.has(field))
            problems.push(`request body: ${field} is not a field of this operation`);
      return problems;
    },

    response(_req, routeKey, reply) {
      const c = compile(routeKey);
      const described = c.responses.get(String(reply.status));
      const validate = described ?? (GENERIC_STATUSES.has(reply.status) ? basicError() : undefined);
      if (!validate)
        return [
          `status ${reply.status}: not described for ${routeKey} (described: ${[...c.responses.keys()].join(', ')})`,
        ];
      const body = bodyOf(reply);
      if (validate === 'empty') {
        if (body === undefined) return [];
        // Error statuses described without content still carry GitHub's error body in practice.
        const error = reply.status >= 400 ? basicError() : undefined;
        if (error) return error(body) ? [] : errors(`response ${reply.status} body`, error.errors);
        return [`status ${reply.status}: the description has no content, the fake sent a body`];
      }
      if (body === undefined)
        return [`status ${reply.status}: the description has content, the fake sent none`];
      return validate(body) ? [] : errors(`response ${reply.status} body`, validate.errors);
    },
  };
}

/**
 * OpenAPI 3.0's `nullable` in the forms Ajv does not take: without a `type` (next to `allOf`/`$ref`)
 * it becomes `anyOf [schema, null]`; next to an `enum` the enum gains `null`. In place, once.
 */
function normaliseNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) normaliseNullable(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  for (const value of Object.values(schema)) normaliseNullable(value);
  if (schema.nullable !== true) return;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  if (schema.type === undefined) {
    const { nullable: _nullable, ...rest } = schema;
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [rest, { type: 'null' }];
  }
}

/** Points `#/components/...` refs at the components document registered as `gh`. */
function refs(schema: Json): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"gh#/components/'),
  ) as Json;
}

function bodyOf(reply: FakeReply): unknown {
  if (reply.body === undefined || reply.body === '') return undefined;
  if (typeof reply.body !== 'string') return reply.body;
  try {
    return JSON.parse(reply.body) as unknown;
  } catch {
    return reply.body;
  }
}

function errors(where: string, list: ErrorObject[] | null | undefined): string[] {
  return (list ?? []).slice(0, 8).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return `${where}${e.instancePath || ''}: ${e.message ?? e.keyword}${extra}`;
  });
}
