/**
 * What a declared family's listing item becomes (schemas/providers/family.ts `FamilyList`): the
 * discovered credential, and the account when the item is one. Only the paths the definition names
 * are read, so a field the provider lists beside them (Heroku lists a token's value) is never
 * copied; an item without a usable providerId is unreadable, and its listing then is not whole.
 */
import type { FamilyList } from '../../schemas/providers/family.js';
import { fieldAt } from '../providers/http-family-match.js';
import type { DiscoveredCredential, DiscoveredIdentity } from './port.js';

export type ListedItem =
  { credential: DiscoveredCredential; identity?: DiscoveredIdentity } | { unreadable: string };

/** A string or number field as text, trimmed and cut; anything else is absent. */
function text(item: unknown, path: string | undefined, max = 320): string | undefined {
  if (path === undefined) return undefined;
  const v = fieldAt(item, path);
  const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : '';
  return s ? s.slice(0, max) : undefined;
}

/**
 * ISO 8601 text or a Unix time. A number below 10^11 is seconds (that is the year 5138 in
 * seconds, 1973 in milliseconds): Vercel sends milliseconds, others seconds.
 */
export function isoOf(v: unknown): string | undefined {
  const t =
    typeof v === 'number' ? (Math.abs(v) < 1e11 ? v * 1000 : v) : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

const MAX_SCOPES = 100;

function scopesOf(item: unknown, path: string | undefined): string[] | undefined {
  if (path === undefined) return undefined;
  const v = fieldAt(item, path);
  const all = Array.isArray(v)
    ? v.filter((s): s is string => typeof s === 'string')
    : typeof v === 'string'
      ? v.split(/[\s,]+/)
      : [];
  const scopes = all.map((s) => s.trim().slice(0, 200)).filter(Boolean);
  return scopes.length > 0 ? scopes.slice(0, MAX_SCOPES) : undefined;
}

/** `{id}`, `{project_id}:{id}`: each part an item field; a part missing or holding `:` fails. */
function providerIdOf(item: unknown, template: string): string | undefined {
  let ok = true;
  const id = template.replace(/\{([^}]+)\}/g, (_, path: string) => {
    const part = text(item, path, 200);
    if (part === undefined || part.includes(':')) ok = false;
    return part ?? '';
  });
  return ok && id ? id : undefined;
}

export function listedItem(kind: string, list: FamilyList, item: unknown): ListedItem {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return { unreadable: 'an item is not an object' };
  const providerId = providerIdOf(item, list.providerId);
  if (providerId === undefined) return { unreadable: `an item has no ${list.providerId}` };
  const labels: Record<string, string> = {};
  for (const [name, path] of Object.entries(list.labels)) {
    const v = fieldAt(item, path);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      labels[name] = String(v).slice(0, 200);
  }
  const fields = {
    ownerIdentity: text(item, list.ownerIdentity),
    owner: text(item, list.owner),
    scopes: scopesOf(item, list.scopes),
    issuedAt: list.issuedAt === undefined ? undefined : isoOf(fieldAt(item, list.issuedAt)),
    lastUsedAt: list.lastUsedAt === undefined ? undefined : isoOf(fieldAt(item, list.lastUsedAt)),
    expiresAt: list.expiresAt === undefined ? undefined : isoOf(fieldAt(item, list.expiresAt)),
  };
  const credential: DiscoveredCredential = {
    kind,
    providerId,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    ...(list.activeWhen
      ? { status: fieldAt(item, list.activeWhen.field) === list.activeWhen.equals ? 'active' : 'disabled' }
      : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
  const account = list.identity && text(item, list.identity.identity);
  if (!list.identity || account === undefined) return { credential };
  const email = text(item, list.identity.email);
  const displayName = text(item, list.identity.displayName, 200);
  return {
    credential,
    identity: {
      identity: account,
      ...(email ? { email } : {}),
      ...(displayName ? { displayName } : {}),
      role: 'user',
    },
  };
}
