/**
 * The generic HRIS format (schemas/sources/hris.ts) → one offboarding trigger per terminated
 * employee. The person is the email, else the login, else the employee id; the rest are aliases.
 * Id: `hris:<eventId>` when the sender gives one.
 */
import { HRIS_TERMINATION_STATUSES, HrisEvent } from '../../schemas/sources/hris.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { personSubject } from './people.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const HRIS_SOURCE = 'hris';

export function normalizeHris(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const value = decoded.value;
  const isBatch = Array.isArray(value);
  if (!isBatch && (value === null || typeof value !== 'object')) {
    return rejectAt('INVALID_SHAPE', [], 'expected an HRIS event object or an array of them');
  }
  const items: readonly unknown[] = isBatch ? value : [value];
  const outcome = new Outcome();
  items.forEach((item, i) => {
    const at = isBatch ? [i] : [];
    const e = parseRecord(outcome, HrisEvent, item, at);
    if (!e) return;
    if (!(HRIS_TERMINATION_STATUSES as readonly string[]).includes(e.status.trim().toLowerCase())) {
      outcome.ignore('HRIS status is not a termination');
      return;
    }
    const effectiveAt = isoTime(e.effectiveAt);
    if (effectiveAt === undefined) {
      outcome.skipAt([...at, 'effectiveAt'], 'expected an RFC 3339 time');
      return;
    }
    const subject = personSubject(e.email, e.login, e.employeeId, ...(e.aliases ?? []));
    if (!subject) {
      outcome.skipAt([...at, 'employeeId'], 'expected a non-empty id');
      return;
    }
    outcome.add(
      {
        kind: 'offboarding',
        ...(e.eventId ? { id: `hris:${e.eventId}` } : {}),
        source: HRIS_SOURCE,
        occurredAt: effectiveAt,
        subject,
        evidence: evidence({
          employeeId: e.employeeId,
          status: e.status,
          system: opt(e.system),
          reason: opt(e.reason),
        }),
      },
      at,
    );
  });
  return outcome.result();
}
