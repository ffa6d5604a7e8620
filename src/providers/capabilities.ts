/**
 * A provider instance as the planner sees it (schemas/capability.ts): per credential kind, each
 * action this configuration can run, what it needs, and whether it can be undone. Derived from the
 * adapter's own declaration, so the plan and the adapter can never disagree.
 */
import type { CapabilityView } from '../../schemas/capability.js';
import type { Provider } from './port.js';

export function capabilityView(p: Provider): CapabilityView {
  const caps = p.capabilities;
  const kinds: CapabilityView['kinds'] = {};
  for (const [kind, actions] of Object.entries(caps.actions)) {
    if (!actions || actions.length === 0) continue;
    kinds[kind] = actions.map((action) => ({
      action,
      needs:
        action === 'revoke_by_value' || p.needsSecret({ action, credentialKind: kind })
          ? ['secret']
          : caps.needsDestination?.[kind]?.includes(action)
            ? ['providerId', 'destination']
            : ['providerId'],
      reversible: caps.reversible.includes(action),
      acceptsIdentity: caps.acceptsIdentity?.[kind]?.includes(action) ?? false,
    }));
  }
  return {
    name: p.name,
    type: p.type,
    kinds,
    propagationMs: caps.propagationMs,
    canVerify: caps.canVerify,
    writesValues: p.destination !== undefined,
    accounts: [...(caps.accounts ?? [])],
  };
}
