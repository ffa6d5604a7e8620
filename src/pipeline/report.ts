/**
 * The governance report of the inventory as it is now (handlers/report.ts): read by the CLI and
 * API (src/ops/local.ts) and, cached, by the metrics gauges (src/main.ts).
 */
import { ReportAccumulator } from '../../handlers/report.js';
import { credentialPages } from '../store/credential-pages.js';
import { type PipelineDeps } from './deps.js';
import { planContext } from './triggers.js';

/** People one report reads (each one's ids decide whether an owner is a person). */
const REPORT_MAX_PEOPLE = 1_000_000;

/** Reads the inventory a page at a time; `rows`: also one line per live credential (held whole). */
export async function currentReport(
  deps: Pick<PipelineDeps, 'store' | 'providers' | 'config' | 'clock'>,
  opts: { rows?: boolean } = {},
) {
  const acc = new ReportAccumulator(
    await deps.store.listPeople(REPORT_MAX_PEOPLE),
    planContext(deps),
    deps.config.policy.report,
    deps.clock(),
    opts.rows ?? false,
  );
  for await (const page of credentialPages(deps.store)) acc.add(page);
  return acc.result();
}
