/**
 * Okta provider: closes a person's Okta account. For `okta.user` (her user id or login):
 * 1. `DELETE /api/v1/users/{id}/sessions?oauthTokens=true`: ends her IdP sessions and revokes the
 *    OIDC/OAuth access and refresh tokens issued to her [OKTA-SESS];
 * 2. `DELETE /api/v1/users/{id}/grants`: revokes every grant she consented to;
 * 3. `GET /api/v1/users/{id}/clients`, then `DELETE /api/v1/users/{id}/clients/{clientId}/tokens`
 *    for each: refresh tokens any client still holds for her;
 * 4. `POST /api/v1/users/{id}/lifecycle/deactivate` [OKTA-LC] unless she is already DEPROVISIONED.
 * Sessions and tokens go first so that nothing she holds outlives the call even if deactivation is
 * refused. Verify: `GET /api/v1/users/{id}` → DEPROVISIONED (or 404, deleted) is dead.
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserGrant/
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserOAuth/
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/
 *
 * Rate limits: Okta answers 429 with `X-Rate-Limit-Reset` (UTC epoch seconds) and no Retry-After
 * [OKTA-RL]; the reset time is the delay. Errors carry `errorCode` (E0000011 invalid token, E0000007
 * not found), safe to keep.
 */
import { OktaProviderConfig, type OktaProviderConfigInput } from '../../schemas/providers/okta.js';
import type { Action } from '../../schemas/plan.js';
import { providerIdOf, unsupported, type IdpDeps } from './idp-common.js';
import { oktaApi } from './okta-client.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { seg, unexpectedShape } from './rest-call.js';

const USER_ACTIONS: readonly Action[] = ['revoke', 'disable'];

interface OktaUser {
  id: string;
  status: string;
}

export function createOktaProvider(cfg: OktaProviderConfigInput, deps: IdpDeps = {}): Provider {
  const config = OktaProviderConfig.parse(cfg);
  const { call } = oktaApi(config, deps);
  const serves = config.credentialKinds.includes('okta.user');

  const capabilities: Capabilities = {
    actions: serves ? { 'okta.user': USER_ACTIONS } : {},
    acceptsIdentity: serves ? { 'okta.user': USER_ACTIONS } : {},
    canVerify: true,
    reversible: [],
    maxBatch: 1,
    rateBudget: config.rateBudget,
    propagationMs: config.propagationMs,
  };

  function check(task: ProviderTask): string {
    if (!serves || task.credentialKind !== 'okta.user' || !USER_ACTIONS.includes(task.action))
      throw unsupported(config.name, task);
    return providerIdOf(task, config.name);
  }

  async function user(key: string, signal: AbortSignal): Promise<OktaUser | null> {
    const got = await call({ op: 'get user', method: 'GET', path: `users/${seg(key)}`, gone: [404] }, signal);
    if (got.gone) return null;
    const b = got.body as Partial<OktaUser> | undefined;
    if (typeof b?.id !== 'string' || typeof b.status !== 'string')
      throw unexpectedShape(config.name, 'get user');
    return { id: b.id, status: b.status };
  }

  return {
    name: config.name,
    type: 'okta',
    capabilities,
    needsSecret: () => false,
    async execute(task, signal): Promise<ExecuteResult> {
      const key = check(task);
      const found = await user(key, signal);
      if (!found) return { outcome: 'already_revoked', details: { status: 404 } };
      const u = `users/${seg(found.id)}`;
      await call(
        { op: 'clear sessions', method: 'DELETE', path: `${u}/sessions?oauthTokens=true`, gone: [404] },
        signal,
      );
      await call({ op: 'revoke grants', method: 'DELETE', path: `${u}/grants`, gone: [404] }, signal);
      const clients = await call(
        { op: 'list clients', method: 'GET', path: `${u}/clients`, gone: [404] },
        signal,
      );
      let clientTokens = 0;
      for (const c of Array.isArray(clients.body) ? (clients.body as { client_id?: unknown }[]) : []) {
        if (typeof c.client_id !== 'string') continue;
        await call(
          {
            op: 'revoke client tokens',
            method: 'DELETE',
            path: `${u}/clients/${seg(c.client_id)}/tokens`,
            gone: [404],
          },
          signal,
        );
        clientTokens++;
      }
      if (found.status === 'DEPROVISIONED') {
        return { outcome: 'already_revoked', details: { status: found.status, clientTokens } };
      }
      // sendEmail=false: the leaver is not told by mail that her account is closing.
      await call(
        { op: 'deactivate', method: 'POST', path: `${u}/lifecycle/deactivate?sendEmail=false`, gone: [404] },
        signal,
      );
      return { outcome: 'revoked', details: { previousStatus: found.status, clientTokens } };
    },
    async verify(task, signal): Promise<VerifyResult> {
      const found = await user(check(task), signal);
      if (!found) return { liveness: 'dead', details: { status: 404 } };
      return {
        liveness: found.status === 'DEPROVISIONED' ? 'dead' : 'alive',
        details: { status: found.status },
      };
    },
  };
}
