/**
 * GitGuardian custom webhook → one leak trigger holding a LeakReference to the incident (GitGuardian
 * never sends the secret). Id: `gitguardian-incident:<id>`, so every event of one incident is one
 * trigger. `secret_hash`/`hmsl_hash` are hashes of the secret and are deliberately not copied.
 */
import {
  GITGUARDIAN_ACTIONS,
  GITGUARDIAN_ACTIONS_ACTED_ON,
  GitGuardianWebhook,
} from '../../schemas/sources/gitguardian.js';
import { evidence, opt } from './evidence.js';
import { hashedId } from './ids.js';
import { parseEvent } from './input.js';
import { ignoredResult, Outcome, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const GITGUARDIAN_SOURCE = 'gitguardian';

/** Incident ids are numbers today; anything else outside the Id alphabet is hashed. */
function incidentTriggerId(id: string): string {
  return /^[A-Za-z0-9_-]{1,100}$/.test(id)
    ? `gitguardian-incident:${id}`
    : hashedId('gitguardian-incident', id);
}

export function normalizeGitGuardian(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, GitGuardianWebhook);
  if (!parsed.ok) return parsed.result;
  const { action, incident, occurrence, timestamp } = parsed.event;
  if (!(GITGUARDIAN_ACTIONS_ACTED_ON as readonly string[]).includes(action)) {
    const named = (GITGUARDIAN_ACTIONS as readonly string[]).includes(action) ? `'${action}' ` : '';
    return ignoredResult(`GitGuardian action ${named}does not signal a live leak`);
  }
  if (!incident) return rejectAt('INVALID_SHAPE', ['incident'], 'required for incident actions');
  // A validity change matters only when the secret became (or still is) valid.
  if (action === 'incident_validity_changed' && incident.validity !== 'valid') {
    return ignoredResult('GitGuardian validity changed to a state other than valid');
  }
  const id = String(incident.id);
  const outcome = new Outcome();
  outcome.add({
    kind: 'leak',
    id: incidentTriggerId(id),
    source: GITGUARDIAN_SOURCE,
    occurredAt: isoTime(incident.date) ?? isoTime(timestamp),
    subject: {
      reference: {
        system: 'gitguardian',
        id,
        secretType: incident.detector.name,
        ...(incident.gitguardian_url ? { url: incident.gitguardian_url } : {}),
      },
    },
    evidence: evidence({
      action,
      detector: incident.detector.name,
      detectorDisplayName: opt(incident.detector.display_name),
      validity: opt(incident.validity),
      secretRevoked: opt(incident.secret_revoked),
      severity: opt(incident.severity),
      status: opt(incident.status),
      occurrenceCount: opt(incident.occurrence_count),
      url: opt(incident.gitguardian_url),
      repository: opt(occurrence?.source?.full_name),
      visibility: opt(occurrence?.source?.visibility),
      file: opt(occurrence?.filepath),
      commit: opt(occurrence?.sha),
      occurrenceUrl: opt(occurrence?.url),
    }),
  });
  return outcome.result();
}
