/**
 * The manual step for a credential that nothing tourniquet may run can kill: exact enough that the
 * person who reads it in a notification can act without looking anything up.
 */
import type { Action, NeedsOwnerReason } from '../schemas/plan.js';

/** Token types no API revokes, and what kills each. */
const NO_API: Readonly<Record<string, string>> = {
  'slack.incoming_webhook_url':
    'in Slack, open the app that owns the webhook (api.slack.com/apps → Incoming Webhooks), remove this webhook URL (or reinstall/uninstall the app), then update whatever posted to it',
  'slack.workflow_webhook_url':
    'in Slack Workflow Builder, turn off or delete the workflow whose webhook trigger leaked and create a new trigger URL',
  'crypto.private_key':
    'generate a new key pair, replace the public key wherever it is trusted (servers, deploy keys, certificates: revoke the certificate at its CA), then delete the old key everywhere',
  'stripe.webhook_secret':
    'in the Stripe dashboard, roll the signing secret of the webhook endpoint and deploy the new secret',
};

export function noApiStep(tokenType: string): string | undefined {
  return NO_API[tokenType];
}

const VERB: Readonly<Record<Action, string>> = {
  revoke: 'revoke',
  revoke_by_value: 'revoke',
  rotate: 'rotate',
  disable: 'disable',
  delete: 'delete',
};

/** Kind-specific advice where the generic step would not say enough. */
const BY_KIND: Readonly<Record<string, string>> = {
  'kill:github.pat_classic':
    "GitHub revokes a classic PAT only by its value: have an org owner remove the person's SAML SSO authorization of the token (Organization settings → People → SAML identity) or remove her from the organization, and ask her to delete the token",
  'rotate:aws.access_key':
    'create a new access key for the workload, write it where the workload reads it, deploy, then deactivate and delete the old key in IAM',
  'kill:slack.user_token':
    'have a Slack admin reset the user’s sessions and deactivate the user (this kills every token of hers)',
};

export interface StepInput {
  kind: string;
  wanted: Action;
  reason: NeedsOwnerReason;
  provider: string | null;
  /** How the credential is known: its inventory id, provider id or fingerprint prefix. */
  what: string;
}

export function manualStep(i: StepInput): string {
  const where = i.provider ?? 'its provider';
  const generic = `${VERB[i.wanted]} ${i.kind} ${i.what} at ${where} by hand (console or API), then mark it ${i.wanted === 'rotate' ? 'rotated' : 'revoked'} in the inventory`;
  switch (i.reason) {
    case 'provider_not_configured':
      return `configure provider ${where} (config providers[]) and replay this trigger, or ${generic}`;
    case 'needs_provider_id':
      return `record its providerId in the inventory and replay this trigger, or ${generic}`;
    default:
      return BY_KIND[`${i.wanted === 'rotate' ? 'rotate' : 'kill'}:${i.kind}`] ?? generic;
  }
}
