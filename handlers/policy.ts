/** Policy lookup: first matching rule for trigger kind × credential kind, else the kind's default. */
import type { Decision } from '../schemas/plan.js';
import type { Policy } from '../schemas/policy.js';
import type { TriggerKind } from '../schemas/trigger.js';

function kindMatches(pattern: string, kind: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return kind.startsWith(pattern.slice(0, -1));
  return pattern === kind;
}

export function decide(policy: Policy, trigger: TriggerKind, credentialKind: string): Decision {
  const rule = policy.rules.find(
    (r) => (r.trigger === '*' || r.trigger === trigger) && kindMatches(r.credentialKind, credentialKind),
  );
  return rule?.decision ?? policy.defaults[trigger];
}
