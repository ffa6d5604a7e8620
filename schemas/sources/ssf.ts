/**
 * OpenID Shared Signals: the *claims* of a Security Event Token (RFC 8417) after verification by
 * src/intake/verify/ssf.ts (signature, `typ: secevent+jwt`, `iss`, `aud`). The compact token itself
 * is never normalized unverified.
 *
 * Mapping (decisions, with reasons):
 *   RISC account-disabled, account-purged → offboarding of the subject.
 *   RISC credential-compromise            → offboarding of the subject. A RISC subject names an
 *       account, never a credential, so no canonical leak subject fits; and a compromised account may
 *       have read everything it had access to, which is exactly what offboarding revokes and rotates.
 *   CAEP credential-change, change_type revoke|delete → leak, when the event identifies the credential
 *       (`x509_serial`, as providerKeyId `x509:<serial>`): copies of a certificate the transmitter
 *       revoked must die too. Without an identifier (passwords, FIDO keys, phones) it is ignored: the
 *       transmitter already killed that credential and nothing here can name it. create|update → ignored.
 *   CAEP session-revoked → ignored. Sessions die at the transmitter; turning a session revocation into
 *       offboarding would revoke and rotate everything the person holds for what is often routine.
 *   SSF verification / stream-updated and other event types → ignored.
 *
 * Subjects: the top-level `sub_id` (SSF) or, in older CAEP/RISC drafts, the event's `subject`.
 * RFC 9493 formats email, iss_sub, opaque, account, phone_number, uri, did, aliases, and SSF complex
 * (its `user` member). Google's RISC transmitter writes `subject_type` instead of `format`.
 */
import { z } from 'zod';
import { OpenMap } from './common.js';

const EVENT_BASE = 'https://schemas.openid.net/secevent';
export const SSF_EVENT_TYPES = {
  accountDisabled: `${EVENT_BASE}/risc/event-type/account-disabled`,
  accountPurged: `${EVENT_BASE}/risc/event-type/account-purged`,
  credentialCompromise: `${EVENT_BASE}/risc/event-type/credential-compromise`,
  credentialChange: `${EVENT_BASE}/caep/event-type/credential-change`,
  sessionRevoked: `${EVENT_BASE}/caep/event-type/session-revoked`,
  verification: `${EVENT_BASE}/ssf/event-type/verification`,
  streamUpdated: `${EVENT_BASE}/ssf/event-type/stream-updated`,
} as const;

const Person = z.string().min(1).max(200);

export const EmailSubject = z.looseObject({ format: z.literal('email'), email: z.string().min(3).max(200) });
export const IssSubSubject = z.looseObject({
  format: z.literal('iss_sub'),
  iss: z.string().min(1).max(500),
  sub: Person,
});
export const OpaqueSubject = z.looseObject({ format: z.literal('opaque'), id: Person });
export const AccountSubject = z.looseObject({
  format: z.literal('account'),
  uri: z
    .string()
    .regex(/^acct:[^@\s]+@[^@\s]+$/, 'an acct: URI')
    .max(205),
});
export const PhoneSubject = z.looseObject({
  format: z.literal('phone_number'),
  phone_number: z.string().min(3).max(50),
});
export const UriSubject = z.looseObject({ format: z.literal('uri'), uri: Person });
export const DidSubject = z.looseObject({ format: z.literal('did'), url: Person });

export const SimpleSubjectId = z.discriminatedUnion('format', [
  EmailSubject,
  IssSubSubject,
  OpaqueSubject,
  AccountSubject,
  PhoneSubject,
  UriSubject,
  DidSubject,
]);
export type SimpleSubjectId = z.infer<typeof SimpleSubjectId>;

export const AliasesSubject = z.looseObject({
  format: z.literal('aliases'),
  identifiers: z.array(SimpleSubjectId).min(1).max(50),
});

/** SSF complex subject: only its `user` member names a person. */
export const ComplexSubject = z.looseObject({
  format: z.literal('complex'),
  user: z.union([SimpleSubjectId, AliasesSubject]).optional(),
});

export const SubjectId = z.discriminatedUnion('format', [
  EmailSubject,
  IssSubSubject,
  OpaqueSubject,
  AccountSubject,
  PhoneSubject,
  UriSubject,
  DidSubject,
  AliasesSubject,
  ComplexSubject,
]);
export type SubjectId = z.infer<typeof SubjectId>;

export const SUBJECT_FORMATS = [
  'email',
  'iss_sub',
  'opaque',
  'account',
  'phone_number',
  'uri',
  'did',
  'aliases',
  'complex',
] as const;

/** Language-tagged reason maps (`{ "en": "…" }`). */
const Reasons = OpenMap.nullish();

const eventCommon = {
  /** Older drafts carry the subject inside the event. */
  subject: z.unknown().optional(),
  event_timestamp: z.number().int().nonnegative().nullish(),
  initiating_entity: z.string().max(50).nullish(),
  reason_admin: Reasons,
  reason_user: Reasons,
};

export const RiscAccountEvent = z.looseObject({ ...eventCommon, reason: z.string().max(100).nullish() });

export const RiscCredentialCompromise = z.looseObject({
  ...eventCommon,
  credential_type: z.string().min(1).max(100),
});

export const CaepCredentialChange = z.looseObject({
  ...eventCommon,
  credential_type: z.string().min(1).max(100),
  change_type: z.enum(['create', 'revoke', 'update', 'delete']),
  friendly_name: z.string().max(500).nullish(),
  x509_issuer: z.string().max(1000).nullish(),
  x509_serial: z
    .string()
    .regex(/^[A-Za-z0-9:._-]{1,180}$/, 'a certificate serial')
    .nullish(),
});

export const CaepSessionRevoked = z.looseObject({ ...eventCommon });

export const SecurityEventToken = z.looseObject({
  iss: z.string().min(1).max(500),
  jti: z.string().min(1).max(500),
  iat: z.number().int().nonnegative(),
  aud: z.union([z.string(), z.array(z.string())]).nullish(),
  txn: z.string().max(500).nullish(),
  toe: z.number().int().nonnegative().nullish(),
  sub_id: z.unknown().optional(),
  /** Keyed by event-type URI; payloads are validated per known type by the handler. */
  events: OpenMap,
});
export type SecurityEventToken = z.infer<typeof SecurityEventToken>;
