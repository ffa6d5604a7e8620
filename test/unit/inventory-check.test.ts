/** `inventory check`: what no configured provider can act on, from the planner's own choice. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { capabilityGaps } from '../../handlers/inventory-check.js';
import { Credential } from '../../schemas/credential.js';
import { Policy } from '../../schemas/policy.js';
import { capabilitiesOf, FULL_CONFIGS } from '../support/capabilities.js';

it('names every credential nothing configured can act on, with the reason; acts-on-able ones are absent', () => {
  const c = (id: string, extra: Record<string, unknown>) => Credential.parse({ id, ...extra });
  const gaps = capabilityGaps(
    [
      c('pat', { provider: 'github-main', kind: 'github.pat_classic' }),
      c('wl-key', { provider: 'aws-iam', kind: 'aws.access_key', providerId: 'AKIAX', workload: 'w' }),
      c('elsewhere', { provider: 'nowhere', kind: 'vault.token', providerId: 'a' }),
      c('fine', { provider: 'vault-main', kind: 'vault.token', providerId: 'acc' }),
      c('gone', { provider: 'github-main', kind: 'github.pat_classic', status: 'revoked' }),
    ],
    { policy: Policy.parse({}), capabilities: capabilitiesOf(FULL_CONFIGS) },
  );
  assert.deepEqual(
    gaps.map((g) => [g.credentialId, g.reason]),
    [
      ['pat', 'needs_secret'],
      ['wl-key', 'needs_destination'],
      ['elsewhere', 'provider_not_configured'],
    ],
  );
});
