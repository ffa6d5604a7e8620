/**
 * Scheduled syncs in the service: each instance named in config `sync.intervalsMs` is synced on its
 * own interval (one run at a time; a tick during a run is skipped), as the `scheduler` actor, under
 * the same budgets as everything else. Stopping aborts a sync in progress: what it wrote stays (each
 * batch is its own transaction), and an aborted sync marks nothing gone.
 */
import { TourniquetError } from '../errors.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { runEvery } from '../util/every.js';
import { runSync } from './run.js';

export function startScheduledSyncs(
  deps: PipelineDeps,
  intervalsMs: Readonly<Record<string, number>>,
  onError: (e: unknown, provider: string) => void,
): { stop(): Promise<void> } {
  const names = new Set((deps.discoverers ?? []).map((d) => d.instance));
  for (const name of Object.keys(intervalsMs)) {
    if (!names.has(name))
      throw new TourniquetError(
        'INVALID_CONFIG',
        `sync.intervalsMs names ${name}, which is not a configured provider instance with a discoverer`,
      );
  }
  const stopping = new AbortController();
  const runs = Object.entries(intervalsMs).map(([provider, ms]) =>
    runEvery(
      ms,
      async () => {
        for (const r of await runSync(deps, { provider }, 'scheduler', stopping.signal)) {
          deps.logger.info(
            {
              provider: r.provider,
              created: r.created,
              updated: r.updated,
              gone: r.gone,
              refused: r.refused.map((x) => x.permission),
              ...(r.error ? { code: r.error.code } : {}),
            },
            'scheduled inventory sync',
          );
        }
      },
      (e) => onError(e, provider),
    ),
  );
  return {
    async stop() {
      stopping.abort();
      await Promise.all(runs.map((r) => r.stop()));
    },
  };
}
