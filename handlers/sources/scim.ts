/**
 * SCIM 2.0 deprovisioning requests → one offboarding trigger. DELETE of a User, a PATCH that sets
 * `active` to false (any documented spelling, see schemas/sources/scim.ts) or a PUT with
 * `active: false`. The person is the userName when known, else the SCIM resource id.
 * No id: SCIM requests carry no event identity (intake derives one from the content).
 */
import { ScimPatchBody, ScimRequest, ScimUser } from '../../schemas/sources/scim.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { personSubject } from './people.js';
import { ignoredResult, issuesFromZod, Outcome, reject, rejectAt, type NormalizeResult } from './result.js';

export const SCIM_SOURCE = 'scim';

const RESOURCE = /\/(Users|Groups)\/([^/?#]+)\/?(?:[?#].*)?$/i;

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false');
}

/** Reads `active` from a PATCH value object, whatever the case of the attribute name. */
function activeOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entry = Object.entries(value).find(([k]) => k.toLowerCase() === 'active');
  return entry?.[1];
}

function deactivates(op: { op: string; path?: string | null; value?: unknown }): boolean {
  const kind = op.op.trim().toLowerCase();
  if (kind !== 'replace' && kind !== 'add') return false;
  const path = op.path?.trim().toLowerCase();
  if (path) return path === 'active' && isFalse(op.value);
  return isFalse(activeOf(op.value));
}

function segmentText(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (e: unknown) {
    // A malformed %-escape: keep the segment as sent rather than guess.
    if (e instanceof URIError) return segment;
    throw e;
  }
}

export function normalizeScim(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, ScimRequest);
  if (!parsed.ok) return parsed.result;
  const req = parsed.event;
  const method = req.method.trim().toUpperCase();
  const resource = req.path ? RESOURCE.exec(req.path) : null;
  if (resource && resource[1]?.toLowerCase() === 'groups')
    return ignoredResult('SCIM request is not about a User');
  const userId = req.userId ?? (resource?.[2] === undefined ? undefined : segmentText(resource[2]));
  if (!userId) return rejectAt('INVALID_SHAPE', ['userId'], 'required (or a path ending in /Users/{id})');

  let userName = req.userName ?? undefined;
  let externalId: string | undefined;
  if (method === 'PATCH') {
    const body = ScimPatchBody.safeParse(req.body);
    if (!body.success) return reject('INVALID_SHAPE', issuesFromZod(body.error, ['body']));
    if (!body.data.Operations.some(deactivates))
      return ignoredResult('SCIM PATCH does not set active to false');
  } else if (method === 'PUT') {
    const body = ScimUser.safeParse(req.body);
    if (!body.success) return reject('INVALID_SHAPE', issuesFromZod(body.error, ['body']));
    if (!isFalse(body.data.active)) return ignoredResult('SCIM PUT does not set active to false');
    userName ??= opt(body.data.userName);
    externalId = opt(body.data.externalId);
  } else if (method === 'GET' || method === 'POST') {
    return ignoredResult('SCIM request does not deprovision');
  } else if (method !== 'DELETE') {
    return rejectAt('UNSUPPORTED_EVENT', ['method'], 'expected one of: PATCH, PUT, DELETE, GET, POST');
  }
  const subject = personSubject(userName, userId, externalId);
  if (!subject) return rejectAt('INVALID_SHAPE', ['userId'], 'required');
  const outcome = new Outcome();
  outcome.add({
    kind: 'offboarding',
    source: SCIM_SOURCE,
    subject,
    evidence: evidence({ method, scimUserId: userId, externalId }),
  });
  return outcome.result();
}
