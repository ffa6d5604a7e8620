/**
 * Source events → triggers: runs the source's normalizer (handlers/sources) and then the canonical
 * intake (fingerprint + seal + deterministic id) on each result. Shared by the webhook routes, the
 * operator API, `tourniquet ingest --source` and raw events on the input topics.
 */
import { getSource, SOURCE_NAMES, type NormalizeResult } from '../../handlers/sources/registry.js';
import type { Trigger } from '../../schemas/trigger.js';
import { TourniquetError } from '../errors.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { acceptInput } from '../pipeline/intake.js';

export interface SourceAcceptance {
  triggers: Trigger[];
  /** Why an authentic event made no trigger (an action we do not act on). */
  ignored?: string;
  /** Records of a batch that were malformed; the rest were accepted. */
  skipped: { path: string; message: string }[];
}

export function normalizeSource(name: string, raw: unknown): NormalizeResult {
  const source = getSource(name);
  if (!source)
    // The names are ours; the asked-for name is not echoed (a mistyped flag may hold anything).
    throw new TourniquetError('UNKNOWN_SOURCE', `unknown source; valid sources: ${SOURCE_NAMES.join(', ')}`, {
      details: { validSources: SOURCE_NAMES },
    });
  return source.normalize(raw);
}

export function acceptSource(
  name: string,
  raw: unknown,
  deps: Pick<PipelineDeps, 'fingerprint' | 'sealer' | 'classify' | 'clock'>,
): SourceAcceptance {
  const result = normalizeSource(name, raw);
  if (!result.ok) {
    // Issue messages name paths and expectations only; normalizers never echo values.
    throw new TourniquetError(
      'INVALID_INPUT',
      `${name}: ${result.code}: ${result.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      {
        details: { code: result.code, issues: result.issues },
      },
    );
  }
  return {
    triggers: result.triggers.map((t) => acceptInput(t, deps)),
    ...(result.ignored ? { ignored: result.ignored } : {}),
    skipped: result.skipped ?? [],
  };
}
