/**
 * GCP IAM provider: service-account keys (`gcp.service_account_key`).
 * - `disable` → `POST projects/-/serviceAccounts/{email}/keys/{keyId}:disable` (reversible: :enable);
 * - `delete` / `revoke` → `DELETE projects/-/serviceAccounts/{email}/keys/{keyId}` (404: already gone);
 * - `revoke_by_value` → a leaked key file names its own key (private_key_id, client_email): deleted.
 * Verify: `GET …/keys/{keyId}` → 404 or `disabled: true` is dead.
 * `projects/-` lets IAM infer the project from the account. providerId: `email:keyId` or the key's
 * resource name `projects/{p}/serviceAccounts/{email}/keys/{keyId}`.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/disable
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/delete
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/get
 * Auth: this instance's own service account, JWT bearer grant signed with jose (google-auth.ts),
 * scope cloud-platform, no delegation.
 */
import { serviceAccountKeyRef } from '../../handlers/classify/gcp.js';
import { GcpIamProviderConfig, type GcpIamProviderConfigInput } from '../../schemas/providers/google.js';
import type { Action } from '../../schemas/plan.js';
import { TourniquetError } from '../errors.js';
import { googleApiCall } from './google-auth.js';
import { providerIdOf, unsupported, type IdpDeps } from './idp-common.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { seg, unexpectedShape } from './rest-call.js';

const KIND = 'gcp.service_account_key';
export const GCP_SERVICE_ACCOUNT_KEY_KIND = KIND;
/** A key's resource name, as IAM lists it and as `providerId` may give it: email, then key id. */
export const GCP_KEY_NAME = /^projects\/[^/]+\/serviceAccounts\/([^/]+)\/keys\/([0-9a-f]+)$/;
const ACTIONS: readonly Action[] = ['disable', 'delete', 'revoke', 'revoke_by_value'];

interface KeyRef {
  email: string;
  keyId: string;
}

/** IAM calls as the instance's service account: the adapter's and the discoverer's (one auth). */
export function gcpIamApi(config: GcpIamProviderConfig, deps: IdpDeps) {
  return googleApiCall(config, deps, 'gcp_iam', config.iamUrl, {
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
}

export function createGcpIamProvider(cfg: GcpIamProviderConfigInput, deps: IdpDeps = {}): Provider {
  const config = GcpIamProviderConfig.parse(cfg);
  const call = gcpIamApi(config, deps);

  const capabilities: Capabilities = {
    actions: { [KIND]: ACTIONS },
    canVerify: true,
    reversible: ['disable'],
    maxBatch: 1,
    rateBudget: config.rateBudget,
    propagationMs: config.propagationMs,
    accounts: config.projects,
  };

  function refOf(task: ProviderTask): KeyRef {
    if (task.credentialKind !== KIND || !ACTIONS.includes(task.action)) throw unsupported(config.name, task);
    if (task.action === 'revoke_by_value') {
      if (!task.secret)
        throw new TourniquetError('SECRET_UNAVAILABLE', `${config.name}: the leaked key file is required`);
      const leaked = serviceAccountKeyRef(task.secret);
      if (!leaked)
        throw new TourniquetError(
          'INVALID_INPUT',
          `${config.name}: the value is not a service-account key file`,
        );
      if (config.projects.length > 0 && (!leaked.project || !config.projects.includes(leaked.project)))
        throw new TourniquetError(
          'PROVIDER_MISCONFIGURED',
          `${config.name}: the key's project is not one this instance acts in`,
        );
      return { email: leaked.clientEmail, keyId: leaked.privateKeyId };
    }
    const id = providerIdOf(task, config.name);
    const m = GCP_KEY_NAME.exec(id) ?? /^([^:/\s]+@[^:/\s]+):([0-9a-f]+)$/.exec(id);
    if (!m?.[1] || !m[2])
      throw new TourniquetError(
        'INVALID_INPUT',
        `${config.name}: providerId must be email:keyId or a key resource name`,
      );
    return { email: m[1], keyId: m[2] };
  }

  const path = (r: KeyRef) => `projects/-/serviceAccounts/${seg(r.email)}/keys/${seg(r.keyId)}`;

  async function state(r: KeyRef, signal: AbortSignal): Promise<'enabled' | 'disabled' | 'gone'> {
    const got = await call({ op: 'get key', method: 'GET', path: path(r), gone: [404] }, signal);
    if (got.gone) return 'gone';
    const disabled = (got.body as { disabled?: unknown } | undefined)?.disabled;
    if (disabled !== undefined && typeof disabled !== 'boolean')
      throw unexpectedShape(config.name, 'get key');
    return disabled === true ? 'disabled' : 'enabled';
  }

  return {
    name: config.name,
    type: 'gcp_iam',
    capabilities,
    needsSecret: (t) => t.action === 'revoke_by_value',
    async execute(task, signal): Promise<ExecuteResult> {
      const r = refOf(task);
      if (task.action === 'disable') {
        const now = task.precheck === false ? 'enabled' : await state(r, signal);
        if (now !== 'enabled') return { outcome: 'already_revoked', details: { state: now } };
        const sent = await call(
          { op: 'disable key', method: 'POST', path: `${path(r)}:disable`, body: {}, gone: [404] },
          signal,
        );
        return sent.gone
          ? { outcome: 'already_revoked', details: { status: 404 } }
          : { outcome: 'revoked', details: {} };
      }
      const sent = await call({ op: 'delete key', method: 'DELETE', path: path(r), gone: [404] }, signal);
      return sent.gone
        ? { outcome: 'already_revoked', details: { status: 404 } }
        : { outcome: 'revoked', details: {} };
    },
    async verify(task, signal): Promise<VerifyResult> {
      const s = await state(refOf(task), signal);
      return { liveness: s === 'enabled' ? 'alive' : 'dead', details: { state: s } };
    },
  };
}
