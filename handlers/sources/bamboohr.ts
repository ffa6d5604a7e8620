/**
 * BambooHR webhooks → offboarding triggers. The person is the work email when the field-based
 * payload posts it, else the BambooHR employee id (the other becomes an alias).
 * - Event-based: only `employee.deleted` (updates name changed fields without their values).
 * - Field-based: `Deleted`, or `Updated` with Status → Inactive or Employment Status → Terminated.
 * No id: BambooHR sends no delivery identity (intake derives one from the content).
 */
import {
  BambooHrEventWebhook,
  BambooHrFieldEmployee,
  BambooHrFieldWebhook,
} from '../../schemas/sources/bamboohr.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { personSubject } from './people.js';
import {
  ignoredResult,
  issuesFromZod,
  Outcome,
  parseRecord,
  reject,
  type NormalizeResult,
} from './result.js';
import { isoTime } from './time.js';

export const BAMBOOHR_SOURCE = 'bamboohr';

/** Field names compared without case, spaces or punctuation: "Employment Status" = employmentStatus. */
function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9#]/g, '');
}

const STATUS_FIELDS = ['status', 'employmentstatus'];

/** A posted field value: a plain scalar or `{ value }`. */
function fieldValue(fields: Record<string, unknown> | null | undefined, key: string): string | undefined {
  if (!fields) return undefined;
  const entry = Object.entries(fields).find(([name]) => fieldKey(name) === key);
  const v: unknown = entry?.[1];
  const inner: unknown =
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { value?: unknown }).value : v;
  if (typeof inner === 'string') return inner.trim();
  if (typeof inner === 'number') return String(inner);
  return undefined;
}

function isTermination(fields: Record<string, unknown> | null | undefined): boolean {
  const status = fieldValue(fields, 'status')?.toLowerCase();
  const employment = fieldValue(fields, 'employmentstatus')?.toLowerCase();
  return status === 'inactive' || status === 'terminated' || employment === 'terminated';
}

function normalizeEventBased(value: unknown): NormalizeResult {
  const parsed = BambooHrEventWebhook.safeParse(value);
  if (!parsed.success) return reject('INVALID_SHAPE', issuesFromZod(parsed.error));
  const { type, timestamp, data } = parsed.data;
  if (type === 'employee.updated') {
    const statusChanged = (data.changedFields ?? []).some((f) => STATUS_FIELDS.includes(fieldKey(f)));
    return ignoredResult(
      statusChanged
        ? 'BambooHR event-based update names a status change without its new value: use a field-based webhook that posts Status and Employment Status'
        : 'BambooHR update does not change employment status',
    );
  }
  if (type !== 'employee.deleted') return ignoredResult('BambooHR event does not signal offboarding');
  const employeeId = String(data.employeeId);
  const outcome = new Outcome();
  const subject = personSubject(employeeId);
  if (subject) {
    outcome.add({
      kind: 'offboarding',
      source: BAMBOOHR_SOURCE,
      occurredAt: isoTime(timestamp),
      subject,
      evidence: evidence({
        event: type,
        employeeId,
        companyId:
          data.companyId === undefined || data.companyId === null ? undefined : String(data.companyId),
      }),
    });
  } else {
    outcome.skipAt(['data', 'employeeId'], 'expected a non-empty id');
  }
  return outcome.result();
}

function normalizeFieldBased(value: unknown): NormalizeResult {
  const parsed = BambooHrFieldWebhook.safeParse(value);
  if (!parsed.success) return reject('INVALID_SHAPE', issuesFromZod(parsed.error));
  const outcome = new Outcome();
  parsed.data.employees.forEach((item, i) => {
    const at = ['employees', i];
    const e = parseRecord(outcome, BambooHrFieldEmployee, item, at);
    if (!e) return;
    const action = e.action.toLowerCase();
    const terminated = action === 'deleted' || (action === 'updated' && isTermination(e.fields));
    if (!terminated) {
      outcome.ignore('BambooHR change is not a termination');
      return;
    }
    const employeeId = String(e.id);
    const email = fieldValue(e.fields, 'workemail');
    const subject = personSubject(email, employeeId, fieldValue(e.fields, 'employee#'));
    if (!subject) {
      outcome.skipAt([...at, 'id'], 'expected a non-empty id');
      return;
    }
    outcome.add(
      {
        kind: 'offboarding',
        source: BAMBOOHR_SOURCE,
        occurredAt: isoTime(e.timestamp),
        subject,
        evidence: evidence({
          action: e.action,
          employeeId,
          status: fieldValue(e.fields, 'status'),
          employmentStatus: fieldValue(e.fields, 'employmentstatus'),
          terminationDate: fieldValue(e.fields, 'terminationdate'),
          changedFields: opt(e.changedFields)?.join(',').slice(0, 2000),
        }),
      },
      at,
    );
  });
  return outcome.result();
}

export function normalizeBambooHr(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const v = decoded.value;
  const fieldBased = v !== null && typeof v === 'object' && !Array.isArray(v) && 'employees' in v;
  return fieldBased ? normalizeFieldBased(v) : normalizeEventBased(v);
}
