/**
 * Okta event hook delivery: a CloudEvents-style envelope whose `data.events` holds System Log events.
 * Authenticated by a static header secret (src/intake/verify/okta.ts). The one-time verification
 * request (GET with `X-Okta-Verification-Challenge`) is answered by the HTTP layer, not normalized.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, TimeText } from './common.js';

/** System Log event types that mean "this person no longer works here". */
export const OKTA_EVENT_TYPES_ACTED_ON = ['user.lifecycle.deactivate', 'user.lifecycle.suspend'] as const;

export const OktaTarget = z.looseObject({
  id: z.string().min(1).max(200),
  /** `User` for the person acted on; other targets (apps, groups) are ignored. */
  type: z.string().max(100),
  /** The login, usually the email address. */
  alternateId: z.string().max(200).nullish(),
  displayName: z.string().max(300).nullish(),
});

export const OktaSystemLogEvent = z.looseObject({
  uuid: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a UUID'),
  published: TimeText,
  eventType: Label,
  displayMessage: z.string().max(1000).nullish(),
  severity: z.string().max(50).nullish(),
  actor: z
    .looseObject({
      id: z.string().max(200).nullish(),
      type: z.string().max(100).nullish(),
      alternateId: z.string().max(300).nullish(),
    })
    .nullish(),
  target: z.array(OktaTarget).nullish(),
  outcome: z.looseObject({ result: z.string().max(50).nullish() }).nullish(),
});
export type OktaSystemLogEvent = z.infer<typeof OktaSystemLogEvent>;

export const OktaEventHook = z.looseObject({
  eventType: z.literal('com.okta.event_hook'),
  eventTypeVersion: z.string().max(20).nullish(),
  eventId: z.string().max(200).nullish(),
  eventTime: TimeText.nullish(),
  /** Validated event by event in the handler, so one odd event does not lose its siblings. */
  data: z.looseObject({ events: z.array(z.unknown()).max(MAX_BATCH_RECORDS) }),
});
export type OktaEventHook = z.infer<typeof OktaEventHook>;
