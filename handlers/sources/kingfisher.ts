/**
 * Kingfisher JSON (`{findings: [...]}`) and JSON Lines (one `{rule, finding}` per line) → one leak
 * trigger per secret. An AWS key id finding carries its secret in `dependent_captures`; a key id
 * and a secret reported apart (1.x) are paired by place; a finding that is a fragment of another
 * (1.x reports a PEM key and its base64 body) is dropped. `validate_command` and
 * `blast_radius_command` quote the secret and are never read.
 */
import { KingfisherFinding, KingfisherReport } from '../../schemas/sources/kingfisher.js';
import { evidence, opt } from './evidence.js';
import { decodeJson, splitJsonLines } from './input.js';
import { Outcome, parseRecord, type NormalizeResult, type Path } from './result.js';
import { ruleTokenType } from './rule-types.js';
import { fragments, pairAwsKeys, scannerSubject } from './scanner.js';
import { isoTimeOrDay } from './time.js';

export const KINGFISHER_SOURCE = 'kingfisher';

/** The dependent capture holding an AWS key id's secret. */
const AWS_SECRET_CAPTURE = 'AWS_SECRET_ACCESS_KEY';

function pairedCapture(f: KingfisherFinding): string | undefined {
  const captures = f.finding.dependent_captures;
  const v =
    captures && Object.hasOwn(captures, AWS_SECRET_CAPTURE) ? captures[AWS_SECRET_CAPTURE] : undefined;
  return typeof v === 'string' && v.length >= 8 && v.length <= 4096 ? v : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The records of one event: the JSON envelope's findings, or the lines of JSON Lines. */
function records(raw: unknown, outcome: Outcome): Array<{ value: unknown; at: Path }> | NormalizeResult {
  // `--format json` may be pretty-printed: read the body as one document first, else as lines.
  const whole = raw instanceof Uint8Array || typeof raw === 'string' ? decodeJson(raw) : undefined;
  const split = splitJsonLines(whole?.ok ? whole.value : raw);
  if (!split.ok) return split.result;
  outcome.skip(split.lines.issues);
  const out: Array<{ value: unknown; at: Path }> = [];
  for (const { value, at } of split.lines.records) {
    if (isRecord(value) && 'findings' in value) {
      const report = parseRecord(outcome, KingfisherReport, value, at);
      report?.findings.forEach((f, i) => out.push({ value: f, at: [...at, 'findings', i] }));
    } else if (isRecord(value) && !('rule' in value) && !('finding' in value)) {
      // The closing `{audit}` / `{metadata}` lines of JSON Lines: a summary, no finding.
      continue;
    } else out.push({ value, at });
  }
  return out;
}

export function normalizeKingfisher(raw: unknown): NormalizeResult {
  const outcome = new Outcome();
  const found = records(raw, outcome);
  if (!Array.isArray(found)) return found;
  const parsed = found.map(({ value, at }) => ({
    at,
    f: parseRecord(outcome, KingfisherFinding, value, at),
  }));
  const located = parsed.map(({ f }) =>
    f
      ? {
          secret: f.finding.snippet,
          file: opt(f.finding.git_metadata?.file?.path) ?? opt(f.finding.path),
          commit: opt(f.finding.git_metadata?.commit?.id),
          line: opt(f.finding.line),
        }
      : undefined,
  );
  const pairs = pairAwsKeys(located);
  const parts = fragments(located);
  parsed.forEach(({ at, f }, i) => {
    if (!f) return;
    if (pairs.secretOf.has(i)) return;
    if (parts.has(i)) {
      outcome.ignore('kingfisher finding is part of another finding');
      return;
    }
    const git = f.finding.git_metadata;
    const commit = git?.commit;
    const author = commit?.author ?? commit?.committer;
    outcome.add(
      {
        kind: 'leak',
        source: KINGFISHER_SOURCE,
        occurredAt: isoTimeOrDay(commit?.date),
        subject: scannerSubject(f.finding.snippet, pairs.byKeyId.get(i) ?? pairedCapture(f)),
        evidence: evidence({
          rule: f.rule.id,
          ruleName: opt(f.rule.name),
          ruleTokenType: ruleTokenType(f.rule.id),
          confidence: opt(f.finding.confidence),
          validation: opt(f.finding.validation?.outcome),
          repository: opt(git?.repository_url) || undefined,
          file: located[i]?.file,
          line: opt(f.finding.line),
          commit: opt(commit?.id) || undefined,
          link: opt(git?.file?.url) || undefined,
          author: opt(author?.name) || undefined,
          email: opt(author?.email) || undefined,
          location: opt(f.finding.fingerprint),
        }),
      },
      at,
    );
  });
  return outcome.result();
}
