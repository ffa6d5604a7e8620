/**
 * SARIF 2.1.0 from any secret scanner → one leak trigger per secret. The secret is the result's
 * `region.snippet.text` (a whole line is narrowed to the credential in it), or else a fingerprint
 * value that has a known credential format (a hash never has); a result without either is ignored.
 * The commit, author and date are read by name from where tools put them (`partialFingerprints`,
 * the result's and location's `properties`, Kingfisher's `git_metadata`, the run's
 * `versionControlProvenance`); no other bag value, no `message` and no `contextRegion` is read.
 */
import { SarifLog, SarifResult, type SarifRun } from '../../schemas/sources/sarif.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { MAX_BATCH_RECORDS } from '../../schemas/sources/common.js';
import { Outcome, parseRecord, rejectAt, type NormalizeResult, type Path } from './result.js';
import { ruleTokenType } from './rule-types.js';
import { credentialIn, fragments, pairAwsKeys, scannerSubject, type Located } from './scanner.js';
import { isoTimeOrDay } from './time.js';

export const SARIF_SOURCE = 'sarif';

type Bag = Record<string, unknown> | null | undefined;

const isBag = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A named string (or number) of a producer's bag, bounded; nested names are followed in order. */
function named(bag: Bag, ...path: string[]): string | undefined {
  let v: unknown = bag;
  for (const key of path) v = isBag(v) && Object.hasOwn(v, key) ? v[key] : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 && v.length <= 2000 ? v : undefined;
}

function first(...values: Array<string | undefined>): string | undefined {
  return values.find((v) => v !== undefined);
}

interface Read {
  secret: string;
  located: Located;
  where: {
    rule?: string | undefined;
    commit?: string | undefined;
    author?: string | undefined;
    email?: string | undefined;
    date?: string | undefined;
    repository?: string | undefined;
    link?: string | undefined;
  };
}

function secretOf(r: SarifResult): string | undefined {
  for (const loc of r.locations ?? []) {
    const text = opt(loc.physicalLocation?.region?.snippet?.text);
    if (text !== undefined && text.trim().length >= 8) return credentialIn(text) ?? text;
  }
  for (const bag of [r.fingerprints, r.partialFingerprints]) {
    for (const v of Object.values(bag ?? {})) {
      const found = typeof v === 'string' && v.length <= 4096 ? credentialIn(v) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function read(run: SarifRun, r: SarifResult): Read | undefined {
  const secret = secretOf(r);
  if (secret === undefined) return undefined;
  const loc = r.locations?.[0];
  const git = loc?.properties?.['git_metadata'] as Bag;
  const vcp = run.versionControlProvenance?.[0];
  const pf = r.partialFingerprints;
  const props = r.properties;
  const rules = run.tool.driver.rules;
  const indexed = r.ruleIndex !== null && r.ruleIndex !== undefined ? rules?.[r.ruleIndex]?.id : undefined;
  const file = opt(loc?.physicalLocation?.artifactLocation?.uri) ?? named(git, 'file', 'path');
  const commit = first(
    named(pf, 'commitSha'),
    named(props, 'commitSha'),
    named(props, 'commit'),
    named(git, 'commit', 'id'),
    opt(vcp?.revisionId) ?? undefined,
  );
  const line = opt(loc?.physicalLocation?.region?.startLine);
  return {
    secret,
    located: { secret, file, commit, line },
    where: {
      rule: opt(r.ruleId) ?? opt(r.rule?.id) ?? opt(indexed) ?? undefined,
      commit,
      author: first(named(pf, 'author'), named(props, 'author'), named(git, 'commit', 'author', 'name')),
      email: first(named(pf, 'email'), named(props, 'email'), named(git, 'commit', 'author', 'email')),
      date: first(
        named(pf, 'date'),
        named(props, 'date'),
        named(props, 'commitDate'),
        named(git, 'commit', 'date'),
      ),
      repository: first(opt(vcp?.repositoryUri) ?? undefined, named(git, 'repository_url')),
      link: named(git, 'file', 'url'),
    },
  };
}

function normalizeRun(outcome: Outcome, run: SarifRun, at: Path): void {
  const tool = run.tool.driver.name;
  const reads = (run.results ?? []).map((value, j) => {
    const path = [...at, 'results', j];
    const r = parseRecord(outcome, SarifResult, value, path);
    const got = r ? read(run, r) : undefined;
    if (r && !got) outcome.ignore('sarif result carries no secret value (redacted?)');
    return { path, got, r };
  });
  const located = reads.map(({ got }) => got?.located);
  const pairs = pairAwsKeys(located);
  const parts = fragments(located);
  reads.forEach(({ path, got, r }, j) => {
    if (!got || !r || pairs.secretOf.has(j)) return;
    if (parts.has(j)) {
      outcome.ignore('sarif result is part of another result');
      return;
    }
    const w = got.where;
    outcome.add(
      {
        kind: 'leak',
        source: SARIF_SOURCE,
        occurredAt: isoTimeOrDay(w.date),
        subject: scannerSubject(got.secret, pairs.byKeyId.get(j)),
        evidence: evidence({
          tool,
          toolVersion: opt(run.tool.driver.version) ?? opt(run.tool.driver.semanticVersion),
          rule: w.rule,
          ruleTokenType: ruleTokenType(w.rule),
          level: opt(r.level),
          repository: w.repository,
          file: got.located.file,
          line: got.located.line,
          commit: w.commit,
          link: w.link,
          author: w.author,
          email: w.email,
        }),
      },
      path,
    );
  });
}

export function normalizeSarif(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, SarifLog);
  if (!parsed.ok) return parsed.result;
  const total = parsed.event.runs.reduce((n, run) => n + (run.results?.length ?? 0), 0);
  if (total > MAX_BATCH_RECORDS)
    return rejectAt('INVALID_SHAPE', ['runs'], `more than ${MAX_BATCH_RECORDS} results in one log: split it`);
  const outcome = new Outcome();
  parsed.event.runs.forEach((run, i) => normalizeRun(outcome, run, ['runs', i]));
  return outcome.result();
}
