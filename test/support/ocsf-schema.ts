/**
 * Validates events against the OCSF schema itself, not against our own idea of it: the compiled
 * OCSF 1.8.0 schema (the schema server's export format: every class with its inherited attributes,
 * each attribute with its type, object type, enum and requirement), as shipped in PyPI's
 * `ocsf-json-schema` (infra/ocsf/install.sh, hash-pinned). Checked: unknown attributes, required
 * ones, types (strings, integers, timestamps, booleans, arrays, nested objects), enum values
 * (`class_uid`, `type_uid`, `activity_id`, `status_id`, …), `at_least_one` / `just_one`
 * constraints, and profile attributes only when `metadata.profiles` names their profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface AttrDef {
  type: string;
  object_type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, unknown>;
  profiles?: string[] | null;
}
interface Def {
  name: string;
  uid?: number;
  category_uid?: number;
  attributes: Record<string, AttrDef>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}
interface Schema {
  version: string;
  classes: Record<string, Def>;
  objects: Record<string, Def>;
  dictionary: { types: { attributes: Record<string, { type?: string }> } };
}

/** Where infra/ocsf/install.sh puts the schema by default (CI passes OCSF_SCHEMA). */
const DEFAULT = join(import.meta.dirname, '../../.ocsf/ocsf-1.8.0.json');

export function ocsfSchemaPath(): string | undefined {
  const p = process.env.OCSF_SCHEMA ?? DEFAULT;
  return existsSync(p) ? p : undefined;
}

export class OcsfSchema {
  private readonly s: Schema;
  private profiles: ReadonlySet<string> = new Set();

  constructor(path: string) {
    this.s = JSON.parse(readFileSync(path, 'utf8')) as Schema;
  }

  get version(): string {
    return this.s.version;
  }

  /** Problems with `event` as an instance of the event class `className` (empty when valid). */
  validateEvent(className: string, event: Record<string, unknown>): string[] {
    const cls = this.s.classes[className];
    if (!cls) return [`OCSF ${this.version} has no class ${className}`];
    const meta = event.metadata as { profiles?: unknown } | undefined;
    this.profiles = new Set(Array.isArray(meta?.profiles) ? (meta.profiles as string[]) : []);
    const problems = this.check(cls, event, className);
    if (event.class_uid !== cls.uid) problems.push(`class_uid ${String(event.class_uid)} ≠ ${cls.uid}`);
    if (event.category_uid !== cls.category_uid)
      problems.push(`category_uid ${String(event.category_uid)} ≠ ${cls.category_uid}`);
    if (event.type_uid !== Number(cls.uid) * 100 + Number(event.activity_id))
      problems.push(`type_uid ${String(event.type_uid)} ≠ class_uid * 100 + activity_id`);
    return problems;
  }

  private check(def: Def, value: Record<string, unknown>, path: string): string[] {
    const problems: string[] = [];
    for (const [k, a] of Object.entries(def.attributes)) {
      // A profile's attributes (cloud, osint, …) are required only of events that use the profile.
      if (a.requirement === 'required' && value[k] === undefined && this.inUse(a))
        problems.push(`${path}.${k}: required`);
    }
    const one = def.constraints?.at_least_one;
    if (one && !one.some((k) => value[k] !== undefined))
      problems.push(`${path}: needs one of ${one.join(', ')}`);
    const just = def.constraints?.just_one;
    if (just && just.filter((k) => value[k] !== undefined).length !== 1)
      problems.push(`${path}: needs exactly one of ${just.join(', ')}`);
    for (const [k, v] of Object.entries(value)) {
      const a = def.attributes[k];
      if (!a) {
        problems.push(`${path}.${k}: not an attribute of ${def.name}`);
        continue;
      }
      if (!this.inUse(a))
        problems.push(
          `${path}.${k}: belongs to profile ${(a.profiles ?? []).join('/')}, not in metadata.profiles`,
        );
      if (a.is_array) {
        if (!Array.isArray(v)) problems.push(`${path}.${k}: expected an array`);
        else v.forEach((item, i) => problems.push(...this.checkValue(a, item, `${path}.${k}[${i}]`)));
      } else problems.push(...this.checkValue(a, v, `${path}.${k}`));
    }
    return problems;
  }

  /** An attribute of the class itself, or of a profile the event names in `metadata.profiles`. */
  private inUse(a: AttrDef): boolean {
    return !a.profiles?.length || a.profiles.some((p) => this.profiles.has(p));
  }

  private checkValue(a: AttrDef, v: unknown, path: string): string[] {
    if (a.enum && !Object.hasOwn(a.enum, String(v))) return [`${path}: ${String(v)} is not in its enum`];
    switch (this.baseType(a.type)) {
      case 'string_t':
        return typeof v === 'string' ? [] : [`${path}: expected a string (${a.type})`];
      case 'integer_t':
      case 'long_t':
        return Number.isInteger(v) ? [] : [`${path}: expected an integer (${a.type})`];
      case 'float_t':
        return typeof v === 'number' ? [] : [`${path}: expected a number`];
      case 'boolean_t':
        return typeof v === 'boolean' ? [] : [`${path}: expected a boolean`];
      case 'json_t':
        return [];
      case 'object_t': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${path}: expected an object`];
        // `object` is OCSF's open object (what `unmapped` is): any attributes.
        if (!a.object_type || a.object_type === 'object') return [];
        const obj = this.s.objects[a.object_type];
        if (!obj) return [`${path}: OCSF has no object ${a.object_type}`];
        return this.check(obj, v as Record<string, unknown>, path);
      }
      default:
        return [`${path}: unknown OCSF type ${a.type}`];
    }
  }

  private baseType(type: string): string {
    const t = this.s.dictionary.types.attributes[type];
    return t?.type && t.type !== type ? this.baseType(t.type) : type;
  }
}
