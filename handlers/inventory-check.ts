/**
 * `tourniquet inventory check`: what no configured provider can act on, from the same choice the
 * planner makes (handlers/choose.ts).
 */
import type { InventoryView } from '../schemas/credential.js';
import type { Action, NeedsOwner } from '../schemas/plan.js';
import { pick, type PlanContext } from './choose.js';
import { manualStep } from './manual-steps.js';
import { killActions, type AtRisk } from './resolve.js';

/**
 * `tourniquet inventory check`: every live credential that no configured provider can act on when
 * it must die without its value being at hand (an offboarding, a decommission, a leak reported
 * without the secret), and why. Workload credentials are checked for rotation, the rest for a kill.
 */
export function capabilityGaps(inventory: InventoryView['credentials'], ctx: PlanContext): NeedsOwner[] {
  const gaps: NeedsOwner[] = [];
  for (const c of inventory) {
    if (c.status !== 'active' && c.status !== 'disabled') continue;
    const actions =
      c.workload !== undefined || c.readers.length > 0
        ? (['rotate'] as Action[])
        : killActions(c.kind, false);
    const item: AtRisk = {
      credential: c,
      credentialKind: c.kind,
      actions,
      reason: 'inventory check',
      flags: [],
      provider: c.provider,
      hasSecret: false,
    };
    const picked = pick(item, ctx, false);
    if (picked.ok) continue;
    gaps.push({
      credentialId: c.id,
      credentialKind: c.kind,
      provider: c.provider,
      wanted: actions[0] ?? 'revoke',
      reason: picked.reason,
      detail: picked.detail,
      step: manualStep({
        kind: c.kind,
        wanted: actions[0] ?? 'revoke',
        reason: picked.reason,
        provider: c.provider,
        what: c.id,
      }),
      ...(c.owner !== undefined ? { owner: c.owner } : {}),
      flags: [],
    });
  }
  return gaps;
}
