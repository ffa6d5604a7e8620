/**
 * GitHub secret-scanning partner batch → one leak trigger per match, with the raw value in
 * `subject.token` (intake fingerprints and seals it at once). No id: intake derives it from the
 * fingerprint, so the same token found in many places deduplicates to one trigger.
 */
import { GitHubPartnerMatch } from '../../schemas/sources/github-partner.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult } from './result.js';

export const GITHUB_PARTNER_SOURCE = 'github.partner';

export function normalizeGitHubPartner(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  if (!Array.isArray(decoded.value)) return rejectAt('INVALID_SHAPE', [], 'expected an array of matches');
  const outcome = new Outcome();
  decoded.value.forEach((item, i) => {
    const match = parseRecord(outcome, GitHubPartnerMatch, item, [i]);
    if (!match) return;
    outcome.add(
      {
        kind: 'leak',
        source: GITHUB_PARTNER_SOURCE,
        subject: { token: match.token },
        evidence: evidence({
          tokenType: match.type,
          url: opt(match.url) || undefined,
          foundIn: opt(match.source),
        }),
      },
      [i],
    );
  });
  return outcome.result();
}
