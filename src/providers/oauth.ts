/**
 * Generic OAuth 2.0 provider: revocation per RFC 7009, verification per RFC 7662 introspection.
 * Both need the token value, so the task carries it sealed and the pipeline opens it for the call.
 *
 * RFC 7009 answers 200 whether the token was revoked or already invalid, so a 200 is `revoked`; some
 * SaaS providers (Google, Salesforce) answer 400 for an invalid token instead, which the
 * `invalidTokenAnswers400` quirk maps to `already_revoked`. A 503 means the token must be assumed
 * alive (RFC 7009 §2.2.1): retriable, honouring Retry-After.
 */
import type { OAuthProviderConfig } from '../../schemas/providers/oauth.js';
import { resolveSecret } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import { deadline, parseRetryAfter, statusError, transportError } from './http-errors.js';
import type { Capabilities, ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';

type Cfg = OAuthProviderConfig;

function basic(id: string, secret: string): string {
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

function hint(kind: string): string | undefined {
  if (kind.endsWith('refresh_token')) return 'refresh_token';
  if (kind.endsWith('access_token')) return 'access_token';
  return undefined;
}

export function createOAuthProvider(cfg: Cfg, deps: { logger: Logger; env?: NodeJS.ProcessEnv }): Provider {
  const env = deps.env ?? process.env;
  const revokeAuth = basic(cfg.clientId, resolveSecret(cfg.clientSecret, env));
  const introspectAuth = cfg.introspectionClient
    ? basic(cfg.introspectionClient.clientId, resolveSecret(cfg.introspectionClient.clientSecret, env))
    : revokeAuth;
  const log = deps.logger.child({ provider: cfg.name });

  const capabilities: Capabilities = {
    actions: Object.fromEntries(cfg.credentialKinds.map((k) => [k, ['revoke', 'revoke_by_value'] as const])),
    canVerify: cfg.introspectionEndpoint !== undefined,
    reversible: [],
    maxBatch: 1,
    rateBudget: cfg.rateBudget ?? { perSecond: 20, burst: 20, concurrency: 8 },
    propagationMs: cfg.propagationMs,
    precheckFirstAttempt: cfg.precheck && cfg.introspectionEndpoint !== undefined,
  };

  async function post(op: string, url: string, auth: string, form: URLSearchParams, signal: AbortSignal) {
    const d = deadline(signal, cfg.timeoutMs);
    try {
      return await fetch(url, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal: d.signal,
      });
    } catch (e) {
      throw transportError(cfg.name, op, e, d.timedOut());
    }
  }

  function tokenOf(task: ProviderTask): string {
    if (!task.secret) {
      throw new TourniquetError(
        'SECRET_UNAVAILABLE',
        `${cfg.name}: RFC 7009 revocation needs the token value`,
      );
    }
    return task.secret;
  }

  function form(task: ProviderTask): URLSearchParams {
    const f = new URLSearchParams({ token: tokenOf(task) });
    const h = hint(task.credentialKind);
    if (h) f.set('token_type_hint', h);
    return f;
  }

  return {
    name: cfg.name,
    type: 'oauth',
    capabilities,
    needsSecret: () => true,

    async execute(task, signal): Promise<ExecuteResult> {
      // RFC 7009 answers 200 for a token that was already dead, so "already revoked" can only be
      // told by asking first. The pipeline asks itself (through the rate gate) when it matters.
      if (cfg.introspectionEndpoint && (task.precheck ?? true) && !task.force) {
        const before = await this.verify(task, signal);
        if (before.liveness === 'dead')
          return { outcome: 'already_revoked', details: { precheck: 'inactive' } };
      }
      const res = await post('revoke', cfg.revocationEndpoint, revokeAuth, form(task), signal);
      const status = res.status;
      // Read the body only for its error code: RFC 7009 error responses are small JSON documents.
      const body = status === 200 ? undefined : await res.json().catch(() => undefined);
      const error =
        typeof (body as { error?: unknown })?.error === 'string'
          ? (body as { error: string }).error
          : undefined;
      if (status === 200) return { outcome: 'revoked', details: { status } };
      if (
        status === 400 &&
        cfg.invalidTokenAnswers400 &&
        (error === 'invalid_token' || error === 'invalid_request')
      ) {
        return { outcome: 'already_revoked', details: { status, error } };
      }
      if (status === 400 && error === 'unsupported_token_type') {
        throw new TourniquetError('PROVIDER_UNSUPPORTED', `${cfg.name} revoke: unsupported_token_type`, {
          details: { status, error },
        });
      }
      log.debug({ status, error, task: task.taskId }, 'revocation refused');
      throw statusError(cfg.name, 'revoke', status, {
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        details: error === undefined ? {} : { error },
      });
    },

    async verify(task, signal): Promise<VerifyResult> {
      if (!cfg.introspectionEndpoint)
        return { liveness: 'unknown', details: { reason: 'no introspection endpoint' } };
      const res = await post('introspect', cfg.introspectionEndpoint, introspectAuth, form(task), signal);
      if (res.status !== 200) {
        await res.body?.cancel();
        throw statusError(cfg.name, 'introspect', res.status, {
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        });
      }
      const body = (await res.json().catch(() => ({}))) as { active?: unknown };
      if (typeof body.active !== 'boolean') {
        throw new TourniquetError(
          'PROVIDER_REJECTED',
          `${cfg.name} introspect: answer has no boolean "active"`,
        );
      }
      return { liveness: body.active ? 'alive' : 'dead' };
    },
  };
}
