/**
 * GitGuardian custom webhook (signed `Gitguardian-Signature`, see src/intake/verify/gitguardian.ts).
 * Incidents omit the raw secret: the trigger carries a LeakReference to the incident.
 */
import { z } from 'zod';
import { Label, NumberOrString, Text, TimeText } from './common.js';

/** Incident actions that mean "a live secret may be out there"; the rest are acknowledged and ignored. */
export const GITGUARDIAN_ACTIONS_ACTED_ON = [
  'incident_triggered',
  'incident_reopened',
  'incident_regression',
  'new_occurrence',
  'incident_validity_changed',
] as const;

export const GITGUARDIAN_ACTIONS = [
  ...GITGUARDIAN_ACTIONS_ACTED_ON,
  'incident_resolved',
  'incident_ignored',
  'incident_assigned',
  'incident_reassigned',
  'incident_unassigned',
  'incident_severity_changed',
  'incident_feedback_received',
  'incident_note_created',
  'incident_access_granted',
  'incident_access_revoked',
] as const;

export const GitGuardianIncident = z.looseObject({
  id: NumberOrString,
  date: TimeText.nullish(),
  detector: z.looseObject({
    /** e.g. `aws_iam`, `github_access_token`, `stripe`, `generic_password`. */
    name: Label,
    display_name: z.string().max(200).nullish(),
    nature: z.string().max(100).nullish(),
    family: z.string().max(100).nullish(),
  }),
  /** `valid`, `invalid`, `no_checker`, `not_checked`, … */
  validity: z.string().max(50).nullish(),
  secret_revoked: z.boolean().nullish(),
  status: z.string().max(50).nullish(),
  severity: z.string().max(50).nullish(),
  occurrence_count: z.number().int().nonnegative().nullish(),
  gitguardian_url: z.string().max(2000).nullish(),
});

export const GitGuardianOccurrence = z.looseObject({
  sha: z.string().max(100).nullish(),
  url: z.string().max(2000).nullish(),
  filepath: z.string().max(2000).nullish(),
  date: TimeText.nullish(),
  source: z
    .looseObject({
      full_name: z.string().max(300).nullish(),
      url: z.string().max(2000).nullish(),
      type: z.string().max(100).nullish(),
      visibility: z.string().max(50).nullish(),
    })
    .nullish(),
});

export const GitGuardianWebhook = z.looseObject({
  source: z.string().max(100).nullish(),
  timestamp: TimeText.nullish(),
  action: Label,
  message: Text,
  /** Absent for non-incident events (members, teams); required when the action is acted on. */
  incident: GitGuardianIncident.nullish(),
  occurrence: GitGuardianOccurrence.nullish(),
});
export type GitGuardianWebhook = z.infer<typeof GitGuardianWebhook>;
