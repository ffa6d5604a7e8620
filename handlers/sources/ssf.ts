/**
 * Verified SET claims (OpenID SSF / RISC / CAEP) → triggers. The mapping and its reasons are in
 * schemas/sources/ssf.ts. Id: `ssf:` + SHA-256(iss, jti, event type), one per event in the SET.
 */
import type { z } from 'zod';
import {
  CaepCredentialChange,
  RiscAccountEvent,
  RiscCredentialCompromise,
  SecurityEventToken,
  SSF_EVENT_TYPES,
  SUBJECT_FORMATS,
  SubjectId,
  type SimpleSubjectId,
} from '../../schemas/sources/ssf.js';
import { evidence, opt } from './evidence.js';
import { hashedId } from './ids.js';
import { decodeJson } from './input.js';
import { personSubject } from './people.js';
import {
  formatPath,
  issuesFromZod,
  Outcome,
  parseRecord,
  reject,
  rejectAt,
  type NormalizeIssue,
  type NormalizeRejectCode,
  type NormalizeResult,
  type Path,
} from './result.js';
import { epochSecondsToIso } from './time.js';

export const SSF_SOURCE = 'ssf';

/** Short names for evidence and paths (the full URIs are schema constants). */
const SHORT_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(SSF_EVENT_TYPES).map(([, uri]) => [uri, uri.slice(uri.lastIndexOf('/') + 1)]),
);

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** The identifiers a subject names, most useful as a person first (email, then account, …). */
function identifiersOf(subject: SimpleSubjectId): string[] {
  switch (subject.format) {
    case 'email':
      return [subject.email];
    case 'account':
      return [subject.uri.slice('acct:'.length), subject.uri];
    case 'iss_sub':
      return [subject.sub];
    case 'opaque':
      return [subject.id];
    case 'phone_number':
      return [subject.phone_number];
    case 'uri':
      return [subject.uri];
    case 'did':
      return [subject.url];
  }
}

const RANK: Record<SimpleSubjectId['format'], number> = {
  email: 0,
  account: 1,
  iss_sub: 2,
  opaque: 3,
  uri: 4,
  did: 5,
  phone_number: 6,
};

function personOf(subject: z.infer<typeof SubjectId>): { person: string; aliases: string[] } | undefined {
  let simple: SimpleSubjectId[];
  if (subject.format === 'aliases') simple = subject.identifiers;
  else if (subject.format === 'complex') {
    const user = subject.user;
    if (!user) return undefined;
    simple = user.format === 'aliases' ? user.identifiers : [user];
  } else simple = [subject];
  const ordered = [...simple].sort((a, b) => RANK[a.format] - RANK[b.format]);
  return personSubject(...ordered.flatMap(identifiersOf));
}

type SubjectResult =
  | { ok: true; person: string; aliases: string[] }
  | { ok: false; code: NormalizeRejectCode; issues: NormalizeIssue[] };

/**
 * Reads the subject (event `subject` first, else the SET's `sub_id`). Google's RISC transmitter
 * writes `subject_type` with hyphens (`iss-sub`) where RFC 9493 has `format` with underscores.
 */
function readSubject(raw: unknown, at: Path): SubjectResult {
  const fail = (code: NormalizeRejectCode, path: Path, message: string): SubjectResult => ({
    ok: false,
    code,
    issues: [{ path: formatPath(path), message }],
  });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return fail('INVALID_SHAPE', at, 'expected object');
  const declared =
    (raw as { format?: unknown; subject_type?: unknown }).format ??
    (raw as { subject_type?: unknown }).subject_type;
  const format = typeof declared === 'string' ? declared.replaceAll('-', '_') : declared;
  if (typeof format === 'string' && !(SUBJECT_FORMATS as readonly string[]).includes(format)) {
    return fail('UNSUPPORTED_EVENT', [...at, 'format'], 'subject format names no person');
  }
  const parsed = SubjectId.safeParse({ ...raw, format });
  if (!parsed.success) return { ok: false, code: 'INVALID_SHAPE', issues: issuesFromZod(parsed.error, at) };
  const person = personOf(parsed.data);
  if (!person) return fail('UNSUPPORTED_EVENT', at, 'subject names no person');
  return { ok: true, ...person };
}

export function normalizeSsf(raw: unknown): NormalizeResult {
  if (typeof raw === 'string' && COMPACT_JWS.test(raw.trim())) {
    return rejectAt(
      'UNSUPPORTED_EVENT',
      [],
      'a compact SET: verify it (src/intake/verify/ssf.ts) and pass its claims',
    );
  }
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const set = SecurityEventToken.safeParse(decoded.value);
  if (!set.success) return reject('INVALID_SHAPE', issuesFromZod(set.error));
  const claims = set.data;
  const outcome = new Outcome();

  for (const [uri, payload] of Object.entries(claims.events)) {
    const name = SHORT_NAMES[uri];
    if (name === undefined || uri === SSF_EVENT_TYPES.verification || uri === SSF_EVENT_TYPES.streamUpdated) {
      outcome.ignore(name === undefined ? 'SET event type is not acted on' : 'SSF stream control event');
      continue;
    }
    if (uri === SSF_EVENT_TYPES.sessionRevoked) {
      outcome.ignore('CAEP session-revoked is not acted on (sessions die at the transmitter)');
      continue;
    }
    // Paths use the short name: the URI key is a schema constant, but short names read better.
    const at: Path = ['events', name];
    const schema =
      uri === SSF_EVENT_TYPES.credentialChange
        ? CaepCredentialChange
        : uri === SSF_EVENT_TYPES.credentialCompromise
          ? RiscCredentialCompromise
          : RiscAccountEvent;
    const event = parseRecord(outcome, schema, payload, at);
    if (!event) continue;

    const common = {
      id: hashedId('ssf', claims.iss, claims.jti, uri),
      source: SSF_SOURCE,
      occurredAt:
        epochSecondsToIso(event.event_timestamp ?? claims.toe ?? claims.iat) ?? epochSecondsToIso(claims.iat),
    };
    const baseEvidence = {
      ssfEvent: name,
      issuer: claims.iss,
      initiatingEntity: opt(event.initiating_entity),
      reasonAdmin: englishReason(event.reason_admin),
      txn: opt(claims.txn),
    };

    if (uri === SSF_EVENT_TYPES.credentialChange) {
      const change = event as z.infer<typeof CaepCredentialChange>;
      if (change.change_type !== 'revoke' && change.change_type !== 'delete') {
        outcome.ignore('CAEP credential-change is not a revocation');
        continue;
      }
      if (change.credential_type !== 'x509' || !change.x509_serial) {
        outcome.ignore('CAEP credential-change names no credential that can be matched');
        continue;
      }
      outcome.add(
        {
          kind: 'leak',
          ...common,
          subject: { providerKeyId: `x509:${change.x509_serial}` },
          evidence: evidence({
            ...baseEvidence,
            changeType: change.change_type,
            credentialType: change.credential_type,
            x509Issuer: opt(change.x509_issuer),
            friendlyName: opt(change.friendly_name),
          }),
        },
        at,
      );
      continue;
    }

    const subject = readSubject(
      event.subject ?? claims.sub_id,
      event.subject === undefined ? ['sub_id'] : [...at, 'subject'],
    );
    if (!subject.ok) {
      outcome.skip(subject.issues, subject.code);
      continue;
    }
    outcome.add(
      {
        kind: 'offboarding',
        ...common,
        subject: { person: subject.person, aliases: subject.aliases },
        evidence: evidence({
          ...baseEvidence,
          reason: 'reason' in event ? opt((event as z.infer<typeof RiscAccountEvent>).reason) : undefined,
          credentialType:
            'credential_type' in event
              ? (event as z.infer<typeof RiscCredentialCompromise>).credential_type
              : undefined,
        }),
      },
      at,
    );
  }
  return outcome.result();
}

/** `reason_admin` is a language map; evidence keeps the English text (or the first one given). */
function englishReason(reasons: Record<string, unknown> | null | undefined): string | undefined {
  if (!reasons) return undefined;
  const en = reasons['en'];
  if (typeof en === 'string') return en;
  const first = Object.values(reasons).find((v) => typeof v === 'string');
  return typeof first === 'string' ? first : undefined;
}
