/**
 * Okta event hook → one offboarding trigger per successful `user.lifecycle.deactivate` or
 * `user.lifecycle.suspend` event. The person is the target User's login (`alternateId`, usually the
 * email); the Okta user id is an alias. Id: `okta:<event uuid>`.
 */
import { OKTA_EVENT_TYPES_ACTED_ON, OktaEventHook, OktaSystemLogEvent } from '../../schemas/sources/okta.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { personSubject } from './people.js';
import { Outcome, parseRecord, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const OKTA_SOURCE = 'okta';

export function normalizeOkta(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, OktaEventHook);
  if (!parsed.ok) return parsed.result;
  const outcome = new Outcome();
  parsed.event.data.events.forEach((item, i) => {
    const at = ['data', 'events', i];
    const ev = parseRecord(outcome, OktaSystemLogEvent, item, at);
    if (!ev) return;
    if (!(OKTA_EVENT_TYPES_ACTED_ON as readonly string[]).includes(ev.eventType)) {
      outcome.ignore('Okta event type does not signal offboarding');
      return;
    }
    const result = ev.outcome?.result;
    if (result && result !== 'SUCCESS') {
      outcome.ignore('Okta lifecycle change did not succeed');
      return;
    }
    const user = ev.target?.find((t) => t.type === 'User');
    const subject = user && personSubject(user.alternateId, user.id);
    if (!user || !subject) {
      outcome.skipAt([...at, 'target'], 'names no User target');
      return;
    }
    outcome.add(
      {
        kind: 'offboarding',
        id: `okta:${ev.uuid}`,
        source: OKTA_SOURCE,
        occurredAt: isoTime(ev.published),
        subject,
        evidence: evidence({
          eventType: ev.eventType,
          oktaUserId: user.id,
          displayName: opt(user.displayName),
          actor: opt(ev.actor?.alternateId),
          actorType: opt(ev.actor?.type),
          displayMessage: opt(ev.displayMessage),
        }),
      },
      at,
    );
  });
  return outcome.result();
}
