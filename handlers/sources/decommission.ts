/**
 * The generic decommission format (schemas/sources/decommission.ts) → one decommission trigger per
 * workload. Id: `decommission:<eventId>` when the sender gives one.
 */
import { DecommissionEvent } from '../../schemas/sources/decommission.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const DECOMMISSION_SOURCE = 'generic.decommission';

export function normalizeDecommission(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const value = decoded.value;
  const isBatch = Array.isArray(value);
  if (!isBatch && (value === null || typeof value !== 'object')) {
    return rejectAt('INVALID_SHAPE', [], 'expected a decommission object or an array of them');
  }
  const items: readonly unknown[] = isBatch ? value : [value];
  const outcome = new Outcome();
  items.forEach((item, i) => {
    const at = isBatch ? [i] : [];
    const e = parseRecord(outcome, DecommissionEvent, item, at);
    if (!e) return;
    const occurredAt = e.occurredAt ? isoTime(e.occurredAt) : undefined;
    if (e.occurredAt && occurredAt === undefined) {
      outcome.skipAt([...at, 'occurredAt'], 'expected an RFC 3339 time');
      return;
    }
    if (e.workload.trim() === '') {
      outcome.skipAt([...at, 'workload'], 'expected a non-empty name');
      return;
    }
    outcome.add(
      {
        kind: 'decommission',
        ...(e.eventId ? { id: `decommission:${e.eventId}` } : {}),
        source: DECOMMISSION_SOURCE,
        occurredAt,
        subject: { workload: e.workload.trim() },
        evidence: evidence({ reason: opt(e.reason), requestedBy: opt(e.requestedBy), system: opt(e.system) }),
      },
      at,
    );
  });
  return outcome.result();
}
