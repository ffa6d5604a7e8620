/**
 * The generic adapter for provider families declared as data (schemas/providers/family.ts): it runs
 * any definition in src/providers/families with `fetch`, no SDK and no retries of its own (the retry
 * layer reads `retriable` and `retryAfterMs`). Its `type` is the family's name (`gitlab`, `npm`), so a
 * leaked value the classifier names goes to an instance of that family.
 *
 * Capabilities list only what this instance can run: a kind's by-id revoke and any request that
 * authenticates as the adapter appear only when every configured secret its auth names is set.
 */
import { pino, type Logger } from 'pino';
import type { Action } from '../../schemas/plan.js';
import type {
  FamilyDefinition,
  FamilyKind,
  FamilyProviderConfigInput,
  FamilyRequest,
  FamilyVerify,
} from '../../schemas/providers/family.js';
import type { Env } from '../config.js';
import { TourniquetError } from '../errors.js';
import { familyCall, type Answer } from './http-family-call.js';
import { familyInstance } from './http-family-instance.js';
import type { ExecuteResult, Provider, ProviderTask, VerifyResult } from './port.js';
import { routeTable } from './routes.js';

export interface FamilyProviderDeps {
  logger?: Logger;
  env?: Env;
  now?: () => number;
  /** Definitions to look the family up in (default: the shipped ones). */
  families?: Readonly<Record<string, FamilyDefinition>>;
}

interface Route {
  kind: FamilyKind;
  request: FamilyRequest;
  verify: FamilyVerify | undefined;
  byValue: boolean;
}

export function createFamilyProvider(
  cfg: FamilyProviderConfigInput,
  deps: FamilyProviderDeps = {},
): Provider {
  const { config, def, adminConfigured, wanted, context: ctx } = familyInstance(cfg, deps);
  const log = (deps.logger ?? pino({ level: 'silent' })).child({
    provider: config.name,
    providerType: def.name,
  });
  const routes: Record<string, Partial<Record<Action, Route>>> = {};
  for (const kind of def.kinds) {
    const r: Partial<Record<Action, Route>> = {};
    if (kind.byValue)
      r.revoke_by_value = { kind, request: kind.byValue, verify: kind.verifyByValue, byValue: true };
    if (kind.byId) r.revoke = { kind, request: kind.byId, verify: kind.verifyById, byValue: false };
    routes[kind.kind] = r;
  }
  const { findRoute, routeOf, run, actions } = routeTable(
    def.name,
    config.name,
    wanted,
    routes,
    log,
    (route) => route.request.auth === 'token' || adminConfigured,
  );

  const secretOf = (task: ProviderTask, route: Route): string | undefined => {
    if (!route.byValue) return undefined;
    if (!task.secret) {
      throw new TourniquetError(
        'PROVIDER_REJECTED',
        `${def.name} ${route.kind.kind}: revoke by value needs the secret`,
      );
    }
    return task.secret;
  };
  const idOf = (task: ProviderTask, route: Route): string | undefined => {
    if (route.byValue) return undefined;
    if (!task.providerId) {
      throw new TourniquetError(
        'PROVIDER_REJECTED',
        `${def.name} ${route.kind.kind}: revoke needs the providerId`,
      );
    }
    return task.providerId;
  };

  async function verifyWith(task: ProviderTask, route: Route, signal: AbortSignal): Promise<VerifyResult> {
    if (!route.verify) return { liveness: 'unknown' };
    const answer = await familyCall(
      ctx(signal),
      `verify ${route.kind.kind}`,
      route.verify,
      route.kind,
      {
        secret: secretOf(task, route),
        id: idOf(task, route),
      },
      route.verify.dead,
    );
    return { liveness: answer.matched ? 'dead' : 'alive', details: { status: answer.status } };
  }

  async function execute(task: ProviderTask, signal: AbortSignal): Promise<ExecuteResult> {
    const route = routeOf(task);
    if (task.precheck !== false && !task.force && route.verify) {
      if ((await verifyWith(task, route, signal)).liveness === 'dead') {
        return { outcome: 'already_revoked', details: { precheck: true } };
      }
    }
    const answer: Answer = await familyCall(
      ctx(signal),
      `revoke ${route.kind.kind}`,
      route.request,
      route.kind,
      {
        secret: secretOf(task, route),
        id: idOf(task, route),
      },
      route.request.gone,
    );
    return { outcome: answer.matched ? 'already_revoked' : 'revoked', details: { status: answer.status } };
  }

  const acceptsIdentity: Partial<Record<string, readonly Action[]>> = {};
  for (const kind of def.kinds) {
    if (kind.identity && actions[kind.kind]?.includes('revoke')) acceptsIdentity[kind.kind] = ['revoke'];
  }

  return {
    name: config.name,
    type: def.name,
    capabilities: {
      actions,
      canVerify: def.kinds.some((k) => k.verifyById ?? k.verifyByValue),
      reversible: [],
      maxBatch: 1,
      rateBudget: config.rateBudget ?? def.rateBudget,
      propagationMs: config.propagationMs ?? def.propagationMs,
      acceptsIdentity,
    },
    needsSecret: (task) => findRoute(task)?.byValue ?? false,
    execute: (task, signal) => run(task, 'execute', () => execute(task, signal)),
    verify: (task, signal) => run(task, 'verify', () => verifyWith(task, routeOf(task), signal)),
  };
}
