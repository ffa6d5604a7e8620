/**
 * The governance report of the inventory as it is now (handlers/report.ts): read by the CLI and
 * API (src/ops/local.ts) and, cached, by the metrics gauges (src/main.ts).
 */
import { governanceReport } from '../../handlers/report.js';
import { type PipelineDeps } from './deps.js';
import { planContext } from './triggers.js';

/** Credentials (and people) one report reads: the inventory is read whole, not streamed. */
const REPORT_MAX_CREDENTIALS = 1_000_000;

export async function currentReport(deps: Pick<PipelineDeps, 'store' | 'providers' | 'config' | 'clock'>) {
  return governanceReport(
    await deps.store.listCredentials(REPORT_MAX_CREDENTIALS),
    await deps.store.listPeople(REPORT_MAX_CREDENTIALS),
    planContext(deps),
    deps.config.policy.report,
    deps.clock(),
  );
}
