/**
 * Drift: a credential the inventory records as dead (revoked, disabled, deleted) that its provider
 * says works again — re-issued, re-activated, restored from a backup. Checked on a schedule
 * (`drift.intervalMs`) and on demand (`tourniquet drift check`), under each provider's own budget:
 * a check that the budget refuses now waits for the next round, never for a slot. One that is alive
 * again is audited (`credential.drift`), counted, told to the SOC, marked active again in the
 * inventory (it is), and — by policy (`drift.trigger`) — becomes a leak trigger for itself, so the
 * pipeline kills it again. Each comeback is its own trigger (keyed by its audit record), so one
 * that comes back twice is killed twice; a check that finds it still dead raises nothing.
 *
 * Credentials whose owner left (`owner_left`) and that the inventory still records as active are
 * checked too: the offboarding kept them running (a workload's key to rotate later, a step only an
 * owner can take), so they are the live credentials nobody answers for. Found dead at the provider
 * (someone revoked it by hand), the inventory is corrected to `revoked` (`credential.observed_dead`),
 * and from then on it is watched for drift like any other dead one. Found alive, it is reported
 * (`owner_left_alive`) and audited once (`credential.owner_left_alive`, flag of the same name), not
 * every round: it is a finding to act on, not an event.
 *
 * Only what a provider can check without the value: a revoked token's value is gone (dropped at the
 * end of its task), so kinds revoked by value are skipped and counted as unchecked.
 */
import { stableId } from '../../handlers/ids.js';
import type { Credential } from '../../schemas/credential.js';
import type { DriftCheck } from '../../schemas/report.js';
import { coerceError } from '../errors.js';
import type { Provider, ProviderTask } from '../providers/port.js';
import { now, type PipelineDeps } from './deps.js';
import { acceptInput } from './intake.js';
import { withAdmission } from './lane-calls.js';
import { handleTrigger } from './triggers.js';
import { credentialPages } from '../store/credential-pages.js';
import { runEvery } from '../util/every.js';

export type { DriftCheck };

const DEAD_STATUSES: readonly Credential['status'][] = ['revoked', 'disabled', 'deleted'];
const OWNER_LEFT = 'owner_left';
const OWNER_LEFT_ALIVE = 'owner_left_alive';

/** Recorded dead (is it alive again?), or alive with its owner gone (is it still?). */
const watched = (c: Credential) =>
  DEAD_STATUSES.includes(c.status) || (c.status === 'active' && c.flags.includes(OWNER_LEFT));
const CHECK_TIMEOUT_MS = 30_000;

export async function checkDrift(deps: PipelineDeps, actor = 'drift'): Promise<DriftCheck[]> {
  const out: DriftCheck[] = [];
  for await (const page of credentialPages(deps.store))
    for (const c of page.filter(watched)) {
      const provider = deps.providers.get(c.provider);
      if (!provider?.capabilities.canVerify || !c.providerId) {
        out.push({ credentialId: c.id, provider: c.provider, outcome: 'unchecked' });
        continue;
      }
      out.push(await checkOne(c, provider, deps, actor));
    }
  return out;
}

async function checkOne(
  c: Credential,
  provider: Provider,
  deps: PipelineDeps,
  actor: string,
): Promise<DriftCheck> {
  const base = { credentialId: c.id, provider: c.provider };
  let checked;
  try {
    checked = await withAdmission(
      deps.admission,
      provider.name,
      provider.capabilities.rateBudget,
      'drift',
      CHECK_TIMEOUT_MS,
      (calls) =>
        calls.call(() => provider.verify(probeOf(c), AbortSignal.timeout(CHECK_TIMEOUT_MS)), 'verify'),
    );
  } catch (e) {
    const code = coerceError(e).code;
    deps.logger.warn({ credential: c.id, provider: c.provider, code }, 'drift check failed');
    return { ...base, outcome: 'error', code };
  }
  if (!checked) return { ...base, outcome: 'deferred' };
  const { liveness } = checked.value;
  // "Unknown" is no verdict: neither dead nor a reason to act.
  if (liveness === 'unknown') return { ...base, outcome: 'unchecked' };
  if (c.status === 'active') return ownerLeftChecked(c, liveness === 'alive', deps, actor);
  if (liveness !== 'alive') return { ...base, outcome: 'dead' };
  const won = await aliveAgain(c, deps, actor);
  // Another round (another worker, an operator's check) found it first and raised its trigger.
  if (!won) return { ...base, outcome: 'dead' };
  return { ...base, outcome: 'alive_again', ...won };
}

/** What a check asks the provider: is this credential, named by its provider id, alive? */
function probeOf(c: Credential): ProviderTask {
  return {
    taskId: `drift-${c.id}`,
    // Deactivation is what a revoked AWS key is checked against; the rest verify a revocation.
    action: c.kind === 'aws.access_key' ? 'disable' : 'revoke',
    credentialKind: c.kind,
    credentialId: c.id,
    providerId: c.providerId,
    scopes: c.scopes,
    labels: c.labels,
    precheck: false,
  };
}

async function aliveAgain(
  c: Credential,
  deps: PipelineDeps,
  actor: string,
): Promise<{ triggerId?: string } | null> {
  const at = now(deps);
  // Compare-and-set: of concurrent rounds only one moves it back to active and raises a trigger.
  if (!(await deps.store.updateCredential(c.id, { status: 'active', ifStatus: c.status }))) return null;
  const records = await deps.store.appendAudit(
    [
      {
        type: 'credential.drift',
        actor,
        credentialId: c.id,
        data: { provider: c.provider, kind: c.kind, was: c.status, liveness: 'alive' },
      },
    ],
    at,
  );
  await deps.onAudit?.(records);
  deps.events?.credentialDrift?.({ credential: c });
  deps.logger.warn({ credential: c.id, provider: c.provider, was: c.status }, 'credential alive again');
  if (!deps.config.drift.trigger) return {};
  const trigger = acceptInput(
    {
      // One trigger per comeback (the drift record's chain position): each must be killed again.
      id: `drift-${stableId('drift', c.id, String(records[0]?.seq ?? at))}`,
      kind: 'leak',
      source: 'drift',
      subject: { credentialId: c.id },
      evidence: { reason: `alive again after it was ${c.status}`, provider: c.provider },
    },
    deps,
  );
  const res = await handleTrigger(trigger, deps, actor);
  return { triggerId: res.triggerId };
}

/** An active credential whose owner left, as its provider answered: still alive, or dead after all. */
async function ownerLeftChecked(
  c: Credential,
  alive: boolean,
  deps: PipelineDeps,
  actor: string,
): Promise<DriftCheck> {
  const base = { credentialId: c.id, provider: c.provider };
  if (alive && c.flags.includes(OWNER_LEFT_ALIVE)) return { ...base, outcome: 'owner_left_alive' };
  const type = alive ? 'credential.owner_left_alive' : 'credential.observed_dead';
  const data: Record<string, string | null> = alive
    ? { provider: c.provider, kind: c.kind, owner: c.owner ?? null }
    : { provider: c.provider, kind: c.kind, was: c.status };
  const records = await deps.store.transaction(async (tx) => {
    // Compare-and-set on the status: a revocation finishing meanwhile keeps its own record.
    const patch = alive
      ? { addFlags: [OWNER_LEFT_ALIVE], ifStatus: c.status }
      : { status: 'revoked' as const, ifStatus: c.status };
    if (!(await tx.updateCredential(c.id, patch))) return [];
    return tx.appendAudit([{ type, data, actor, credentialId: c.id }], now(deps));
  });
  await deps.onAudit?.(records);
  if (alive && records.length > 0)
    deps.logger.warn(
      { credential: c.id, provider: c.provider },
      'credential still alive after its owner left',
    );
  return { ...base, outcome: alive ? 'owner_left_alive' : 'dead' };
}

/** Runs `checkDrift` every `drift.intervalMs` (0: never), one round at a time. */
export function startDriftChecks(
  deps: PipelineDeps,
  onError: (e: unknown) => void,
): { stop(): Promise<void> } {
  const every = deps.config.drift.intervalMs;
  if (every <= 0) return { stop: async () => undefined };
  return runEvery(every, () => checkDrift(deps), onError);
}
