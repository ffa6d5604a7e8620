/**
 * `inventory sync` on an open runtime: every configured instance that has a discoverer (or the one
 * named), one after another, each under its instance's rate budget and the retry policy. One
 * instance failing is reported in its entry; the others still sync.
 */
import type { ProviderConfig } from '../../schemas/config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import type { Discoverer } from './port.js';
import { buildDiscoverer } from './registry.js';
import { meteredCall } from './sync-call.js';
import { syncInventory, type SyncReport } from './sync.js';

/** An instance without a rate budget still goes through the admission, at this pace. */
const DEFAULT_LIMITS = { perSecond: 10, burst: 10, concurrency: 2 };

export interface SyncRequest {
  provider?: string | undefined;
  dryRun?: boolean | undefined;
  overwriteOperatorFields?: boolean | undefined;
}

export function buildDiscoverers(
  configs: readonly ProviderConfig[],
  deps: { logger?: Logger },
): Discoverer[] {
  return configs.flatMap((c) => {
    const d = buildDiscoverer(c, deps);
    return d ? [d] : [];
  });
}

export async function runSync(
  deps: PipelineDeps,
  req: SyncRequest,
  actor: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<SyncReport[]> {
  const all = deps.discoverers ?? [];
  const chosen = req.provider ? all.filter((d) => d.instance === req.provider) : all;
  if (req.provider && chosen.length === 0) {
    throw new TourniquetError(
      'NOT_FOUND',
      `no configured provider instance named ${req.provider} can be synced (types with a discoverer only)`,
    );
  }
  const out: SyncReport[] = [];
  for (const d of chosen) {
    const limits = deps.providers.get(d.instance)?.capabilities.rateBudget ?? DEFAULT_LIMITS;
    const call = meteredCall(
      { admission: deps.admission, retry: deps.config.retry, clock: deps.clock },
      d.instance,
      limits,
      signal,
    );
    out.push(
      await syncInventory(d, call, deps, {
        actor,
        signal,
        dryRun: req.dryRun ?? false,
        overwriteOperatorFields: req.overwriteOperatorFields ?? false,
      }),
    );
  }
  return out;
}
