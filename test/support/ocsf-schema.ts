/**
 * Validates events against the OCSF schema itself, not against our own idea of it: the schema is
 * the JSON the OCSF project publishes (classes with `extends`, objects, the attribute dictionary and
 * its types), as shipped in PyPI's `pydantic-ocsf` (infra/ocsf/install.sh, hash-pinned). A class is
 * compiled the way the OCSF server does: its attributes merged over its parents' (account_change →
 * iam → base_event), each attribute's type and enum taken from the dictionary unless the class
 * overrides them. Checked: unknown attributes, required ones, types (strings, integers, timestamps,
 * booleans, arrays, nested objects), enum values, `at_least_one` constraints, and the derived
 * `class_uid` / `type_uid`. Profiles are not compiled in: our events use none of their attributes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface AttrDef {
  type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, unknown>;
}
interface Def {
  uid?: number;
  name: string;
  extends?: string;
  category?: string;
  attributes: Record<string, AttrDef | unknown[]>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}
interface Schema {
  version: string;
  events: Record<string, Def>;
  objects: Record<string, Def>;
  dictionary: {
    attributes: Record<string, AttrDef>;
    types: { attributes: Record<string, { type?: string }> };
  };
  categories_meta: { attributes: Record<string, { uid: number }> };
}

/** Where infra/ocsf/install.sh puts the schema by default (CI passes OCSF_SCHEMA). */
const DEFAULT = join(import.meta.dirname, '../../.ocsf/v1_7_0.json');

export function ocsfSchemaPath(): string | undefined {
  const p = process.env.OCSF_SCHEMA ?? DEFAULT;
  return existsSync(p) ? p : undefined;
}

export class OcsfSchema {
  private readonly s: Schema;
  constructor(path: string) {
    this.s = JSON.parse(readFileSync(path, 'utf8')) as Schema;
  }

  get version(): string {
    return this.s.version;
  }

  /** Attributes of a class or object, parents first, the child's overrides merged in. */
  private compile(
    defs: Record<string, Def>,
    name: string,
  ): { attrs: Map<string, AttrDef>; def: Def; chain: Def[] } {
    const chain: Def[] = [];
    for (let d: Def | undefined = defs[name]; d; d = d.extends ? defs[d.extends] : undefined)
      chain.unshift(d);
    if (chain.length === 0) throw new Error(`OCSF has no ${name}`);
    const attrs = new Map<string, AttrDef>();
    for (const d of chain) {
      for (const [k, v] of Object.entries(d.attributes)) {
        if (k.startsWith('$') || Array.isArray(v)) continue;
        const prev = { ...(this.s.dictionary.attributes[k] ?? {}), ...(attrs.get(k) ?? {}) };
        const own = v as AttrDef;
        // A class adds enum values to its parent's (0 Unknown and 99 Other stay valid everywhere).
        const merged = prev.enum && own.enum ? { enum: { ...prev.enum, ...own.enum } } : {};
        attrs.set(k, { ...prev, ...own, ...merged });
      }
    }
    // The compiled schema replaces these enums by the class's own values: checked by derivation.
    for (const k of ['category_uid', 'class_uid', 'type_uid']) {
      const a = attrs.get(k);
      if (a) attrs.set(k, { ...a, enum: undefined });
    }
    return { attrs, def: chain[chain.length - 1]!, chain };
  }

  /** Problems with `event` as an instance of the event class `className` (empty when valid). */
  validateEvent(className: string, event: Record<string, unknown>): string[] {
    const { attrs, chain } = this.compile(this.s.events, className);
    const category = chain
      .map((d) => d.category)
      .filter(Boolean)
      .at(-1);
    const cls = chain[chain.length - 1]!;
    const problems = this.check(attrs, chain, event, className);
    const categoryUid = category ? this.s.categories_meta.attributes[category]?.uid : undefined;
    if (categoryUid === undefined) problems.push(`${className}: no category`);
    else {
      const classUid = categoryUid * 1000 + (cls.uid ?? 0);
      if (event.category_uid !== categoryUid)
        problems.push(`category_uid ${String(event.category_uid)} ≠ ${categoryUid}`);
      if (event.class_uid !== classUid) problems.push(`class_uid ${String(event.class_uid)} ≠ ${classUid}`);
      if (event.type_uid !== classUid * 100 + Number(event.activity_id))
        problems.push(`type_uid ${String(event.type_uid)} ≠ class_uid * 100 + activity_id`);
    }
    return problems;
  }

  private check(
    attrs: Map<string, AttrDef>,
    chain: Def[],
    value: Record<string, unknown>,
    path: string,
  ): string[] {
    const problems: string[] = [];
    for (const [k, a] of attrs) {
      if (a.requirement === 'required' && value[k] === undefined) problems.push(`${path}.${k}: required`);
    }
    for (const c of chain) {
      const one = c.constraints?.at_least_one;
      if (one && !one.some((k) => value[k] !== undefined))
        problems.push(`${path}: needs one of ${one.join(', ')}`);
    }
    for (const [k, v] of Object.entries(value)) {
      const a = attrs.get(k);
      if (!a) {
        problems.push(`${path}.${k}: not an attribute of ${chain.at(-1)!.name}`);
        continue;
      }
      if (a.is_array) {
        if (!Array.isArray(v)) problems.push(`${path}.${k}: expected an array`);
        else v.forEach((item, i) => problems.push(...this.checkValue(a, item, `${path}.${k}[${i}]`)));
      } else problems.push(...this.checkValue(a, v, `${path}.${k}`));
    }
    return problems;
  }

  private checkValue(a: AttrDef, v: unknown, path: string): string[] {
    const type = a.type ?? 'string_t';
    if (a.enum && !Object.hasOwn(a.enum, String(v))) return [`${path}: ${String(v)} is not in its enum`];
    const base = this.baseType(type);
    switch (base) {
      case 'string_t':
        return typeof v === 'string' ? [] : [`${path}: expected a string (${type})`];
      case 'integer_t':
      case 'long_t':
        return Number.isInteger(v) ? [] : [`${path}: expected an integer (${type})`];
      case 'float_t':
        return typeof v === 'number' ? [] : [`${path}: expected a number`];
      case 'boolean_t':
        return typeof v === 'boolean' ? [] : [`${path}: expected a boolean`];
      case 'json_t':
        return [];
      default: {
        // An object type: `object` is OCSF's open object (what `unmapped` is); the rest are compiled.
        if (typeof v !== 'object' || v === null || Array.isArray(v))
          return [`${path}: expected an object (${type})`];
        if (type === 'object') return [];
        const { attrs, chain } = this.compile(this.s.objects, type);
        return this.check(attrs, chain, v as Record<string, unknown>, path);
      }
    }
  }

  private baseType(type: string): string {
    const t = this.s.dictionary.types.attributes[type];
    if (!t) return type;
    return t.type && t.type !== type ? this.baseType(t.type) : type;
  }
}
