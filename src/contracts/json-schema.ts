/**
 * zod schemas as JSON Schema inside a larger document (AsyncAPI, OpenAPI). A schema with
 * recursive or shared parts comes with its own `definitions` / `$defs`, whose `$ref`s are local to
 * it; inside a document `#` is the document, so they move to `components.schemas` (prefixed with
 * the schema's name) and every reference follows.
 */
import { z } from 'zod';

export interface EmbedOptions {
  /** JSON Schema dialect: draft 7 for AsyncAPI's default schema format, 2020-12 for OpenAPI 3.1. */
  target: 'draft-7' | 'draft-2020-12';
  /** What the schema validates: what producers send (`input`) or what tourniquet answers (`output`). */
  io: 'input' | 'output';
}

export function embedSchema(
  schema: z.ZodType,
  name: string,
  shared: Record<string, unknown>,
  opts: EmbedOptions,
): Record<string, unknown> {
  const {
    $schema: _ignored,
    definitions,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { target: opts.target, io: opts.io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const local = /^#\/(definitions|\$defs)\//;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        k === '$ref' && typeof x === 'string' && local.test(x)
          ? `#/components/schemas/${name}_${x.replace(local, '')}`
          : k === 'pattern' && typeof x === 'string'
            ? portablePattern(x)
            : rewrite(x),
      ]),
    );
  };
  const defs = { ...((definitions ?? {}) as object), ...(($defs ?? {}) as object) } as Record<
    string,
    unknown
  >;
  for (const [k, d] of Object.entries(defs)) shared[`${name}_${k}`] = rewrite(d);
  return rewrite(rest) as Record<string, unknown>;
}

/**
 * Unicode property classes as plain ranges: many JSON Schema tools (Python's `re`, so Hypothesis
 * and schemathesis) have no `\p{…}`. Same meaning: Cc is U+0000–U+001F and U+007F–U+009F, Cs the
 * surrogates.
 */
function portablePattern(p: string): string {
  return p.replaceAll('\\p{Cc}', '\\x00-\\x1f\\x7f-\\x9f').replaceAll('\\p{Cs}', '\\ud800-\\udfff');
}
