/**
 * Microsoft Entra ID provider, through Microsoft Graph v1.0:
 * - `entra.user`: `POST /users/{id}/revokeSignInSessions` (invalidates her refresh tokens and browser
 *   session cookies by moving signInSessionsValidFromDateTime to now), then
 *   `PATCH /users/{id}` `{accountEnabled:false}` so she cannot sign in again. Verify: GET the user,
 *   accountEnabled false (or 404, deleted) is dead.
 *   https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions
 *   https://learn.microsoft.com/en-us/graph/api/user-update
 * - `entra.app_password` / `entra.sp_password` (`objectId:keyId`): `POST /applications/{id}/removePassword`
 *   or `/servicePrincipals/{id}/removePassword` `{keyId}`; verify: the keyId is no longer among the
 *   object's passwordCredentials.
 *   https://learn.microsoft.com/en-us/graph/api/application-removepassword
 *   https://learn.microsoft.com/en-us/graph/api/serviceprincipal-removepassword
 * (`removeKey` for certificate credentials needs a proof JWT signed with one of the object's own
 * existing keys, which tourniquet does not hold: not offered.)
 *
 * Auth: client credentials, the token cached (entra-graph.ts, shared with the discoverer). Throttling: 429 + Retry-After (seconds)
 * (https://learn.microsoft.com/en-us/graph/throttling). Graph errors carry `error.code`, kept.
 */
import { EntraProviderConfig, type EntraProviderConfigInput } from '../../schemas/providers/entra.js';
import type { Action } from '../../schemas/plan.js';
import { TourniquetError } from '../errors.js';
import { entraGraph } from './entra-graph.js';
import { providerIdOf, unsupported, type IdpDeps } from './idp-common.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { seg, unexpectedShape } from './rest-call.js';

const USER_ACTIONS: readonly Action[] = ['revoke', 'disable'];
const PASSWORD_ACTIONS: readonly Action[] = ['revoke', 'delete'];
const COLLECTION = {
  'entra.app_password': 'applications',
  'entra.sp_password': 'servicePrincipals',
} as const;

export function createEntraProvider(cfg: EntraProviderConfigInput, deps: IdpDeps = {}): Provider {
  const config = EntraProviderConfig.parse(cfg);
  const { call } = entraGraph(config, deps);

  const kinds = new Set<string>(config.credentialKinds);
  const actions: Capabilities['actions'] = {};
  for (const k of config.credentialKinds) actions[k] = k === 'entra.user' ? USER_ACTIONS : PASSWORD_ACTIONS;
  const capabilities: Capabilities = {
    actions,
    acceptsIdentity: kinds.has('entra.user') ? { 'entra.user': USER_ACTIONS } : {},
    canVerify: true,
    reversible: [],
    maxBatch: 1,
    rateBudget: config.rateBudget,
    propagationMs: config.propagationMs,
  };

  function check(task: ProviderTask): string {
    if (!kinds.has(task.credentialKind) || !actions[task.credentialKind]?.includes(task.action))
      throw unsupported(config.name, task);
    return providerIdOf(task, config.name);
  }

  async function userEnabled(id: string, signal: AbortSignal): Promise<boolean | null> {
    const got = await call(
      { op: 'get user', method: 'GET', path: `users/${seg(id)}?$select=id,accountEnabled`, gone: [404] },
      signal,
    );
    if (got.gone) return null;
    const enabled = (got.body as { accountEnabled?: unknown } | undefined)?.accountEnabled;
    if (typeof enabled !== 'boolean') throw unexpectedShape(config.name, 'get user');
    return enabled;
  }

  function passwordRef(task: ProviderTask): { path: string; keyId: string } {
    const [objectId, keyId, extra] = providerIdOf(task, config.name).split(':');
    if (!objectId || !keyId || extra !== undefined)
      throw new TourniquetError(
        'INVALID_INPUT',
        `${config.name} ${task.credentialKind}: providerId must be objectId:keyId`,
      );
    const collection = COLLECTION[task.credentialKind as keyof typeof COLLECTION];
    return { path: `${collection}/${seg(objectId)}`, keyId };
  }

  async function hasPassword(task: ProviderTask, signal: AbortSignal): Promise<boolean> {
    const { path, keyId } = passwordRef(task);
    const got = await call(
      { op: 'get credentials', method: 'GET', path: `${path}?$select=passwordCredentials`, gone: [404] },
      signal,
    );
    if (got.gone) return false;
    const list = (got.body as { passwordCredentials?: unknown } | undefined)?.passwordCredentials;
    if (!Array.isArray(list)) throw unexpectedShape(config.name, 'get credentials');
    return list.some((c) => (c as { keyId?: unknown }).keyId === keyId);
  }

  return {
    name: config.name,
    type: 'entra',
    capabilities,
    needsSecret: () => false,
    async execute(task, signal): Promise<ExecuteResult> {
      const id = check(task);
      if (task.credentialKind !== 'entra.user') {
        if (!(await hasPassword(task, signal))) return { outcome: 'already_revoked', details: {} };
        const { path, keyId } = passwordRef(task);
        const sent = await call(
          {
            op: 'remove password',
            method: 'POST',
            path: `${path}/removePassword`,
            body: { keyId },
            gone: [404],
          },
          signal,
        );
        return sent.gone
          ? { outcome: 'already_revoked', details: { status: 404 } }
          : { outcome: 'revoked', details: {} };
      }
      const enabled = await userEnabled(id, signal);
      if (enabled === null) return { outcome: 'already_revoked', details: { status: 404 } };
      // Sessions first, even for a disabled account: its refresh tokens may still be out there.
      await call(
        { op: 'revoke sign-in sessions', method: 'POST', path: `users/${seg(id)}/revokeSignInSessions` },
        signal,
      );
      if (!enabled) return { outcome: 'already_revoked', details: { accountEnabled: false } };
      await call(
        { op: 'disable account', method: 'PATCH', path: `users/${seg(id)}`, body: { accountEnabled: false } },
        signal,
      );
      return { outcome: 'revoked', details: {} };
    },
    async verify(task, signal): Promise<VerifyResult> {
      const id = check(task);
      if (task.credentialKind !== 'entra.user')
        return { liveness: (await hasPassword(task, signal)) ? 'alive' : 'dead', details: {} };
      const enabled = await userEnabled(id, signal);
      return {
        liveness: enabled === true ? 'alive' : 'dead',
        details: { accountEnabled: enabled ?? 'deleted' },
      };
    },
  };
}
