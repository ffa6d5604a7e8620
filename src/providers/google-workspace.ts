/**
 * Google Workspace provider (Admin SDK Directory API), for `google_workspace.user` (her primary
 * email or user id):
 * 1. `POST users/{userKey}/signOut`: every web and device session ends;
 *    https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/signOut
 * 2. `GET users/{userKey}/tokens`, `DELETE users/{userKey}/tokens/{clientId}` each: OAuth tokens
 *    she granted to apps; https://developers.google.com/workspace/admin/directory/reference/rest/v1/tokens
 * 3. `GET users/{userKey}/asps`, `DELETE users/{userKey}/asps/{codeId}` each: application-specific
 *    passwords; https://developers.google.com/workspace/admin/directory/reference/rest/v1/asps
 * 4. `PATCH users/{userKey}` `{suspended:true}` unless already suspended.
 *    https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/patch
 * Verify: GET the user, suspended (or 404, deleted) is dead. Scopes admin.directory.user and
 * admin.directory.user.security, through domain-wide delegation (google-auth.ts).
 */
import {
  GoogleWorkspaceProviderConfig,
  type GoogleWorkspaceProviderConfigInput,
} from '../../schemas/providers/google.js';
import type { Action } from '../../schemas/plan.js';
import { googleApiCall } from './google-auth.js';
import { providerIdOf, unsupported, type IdpDeps } from './idp-common.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { seg, unexpectedShape } from './rest-call.js';

const KIND = 'google_workspace.user';
const USER_ACTIONS: readonly Action[] = ['revoke', 'disable'];
const SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.user.security',
];

export function createGoogleWorkspaceProvider(
  cfg: GoogleWorkspaceProviderConfigInput,
  deps: IdpDeps = {},
): Provider {
  const config = GoogleWorkspaceProviderConfig.parse(cfg);
  const call = googleApiCall(config, deps, 'google_workspace', config.directoryUrl, {
    scopes: SCOPES,
    subject: config.subject,
  });

  const capabilities: Capabilities = {
    actions: { [KIND]: USER_ACTIONS },
    acceptsIdentity: { [KIND]: USER_ACTIONS },
    canVerify: true,
    reversible: [],
    maxBatch: 1,
    rateBudget: config.rateBudget,
    propagationMs: config.propagationMs,
  };

  function check(task: ProviderTask): string {
    if (task.credentialKind !== KIND || !USER_ACTIONS.includes(task.action))
      throw unsupported(config.name, task);
    return providerIdOf(task, config.name);
  }

  async function suspended(userKey: string, signal: AbortSignal): Promise<boolean | null> {
    const got = await call(
      { op: 'get user', method: 'GET', path: `users/${seg(userKey)}`, gone: [404] },
      signal,
    );
    if (got.gone) return null;
    const s = (got.body as { suspended?: unknown } | undefined)?.suspended;
    if (typeof s !== 'boolean') throw unexpectedShape(config.name, 'get user');
    return s;
  }

  async function items(path: string, field: string, signal: AbortSignal): Promise<string[]> {
    const got = await call({ op: `list ${path.split('/').pop()}`, method: 'GET', path, gone: [404] }, signal);
    const list = (got.body as { items?: unknown } | undefined)?.items;
    return Array.isArray(list)
      ? list.flatMap((i) => {
          const v = (i as Record<string, unknown>)[field];
          return typeof v === 'string' || typeof v === 'number' ? [String(v)] : [];
        })
      : [];
  }

  return {
    name: config.name,
    type: 'google_workspace',
    capabilities,
    needsSecret: () => false,
    async execute(task, signal): Promise<ExecuteResult> {
      const userKey = check(task);
      const was = await suspended(userKey, signal);
      if (was === null) return { outcome: 'already_revoked', details: { status: 404 } };
      const u = `users/${seg(userKey)}`;
      // Sessions and tokens even for a suspended account: suspension blocks sign-in, not issued tokens.
      await call({ op: 'sign out', method: 'POST', path: `${u}/signOut` }, signal);
      const clients = await items(`${u}/tokens`, 'clientId', signal);
      for (const c of clients)
        await call(
          { op: 'delete token', method: 'DELETE', path: `${u}/tokens/${seg(c)}`, gone: [404] },
          signal,
        );
      const asps = await items(`${u}/asps`, 'codeId', signal);
      for (const a of asps)
        await call({ op: 'delete asp', method: 'DELETE', path: `${u}/asps/${seg(a)}`, gone: [404] }, signal);
      const counts = { tokens: clients.length, asps: asps.length };
      if (was) return { outcome: 'already_revoked', details: { suspended: true, ...counts } };
      await call({ op: 'suspend', method: 'PATCH', path: u, body: { suspended: true } }, signal);
      return { outcome: 'revoked', details: counts };
    },
    async verify(task, signal): Promise<VerifyResult> {
      const s = await suspended(check(task), signal);
      return { liveness: s === false ? 'alive' : 'dead', details: { suspended: s ?? 'deleted' } };
    },
  };
}
