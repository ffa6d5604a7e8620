/**
 * Route tables for adapters that map (credential kind, action) to a handler — GitHub and Slack —
 * and the one call wrapper that logs each provider call's outcome or error code (never a value).
 */
import type { Logger } from 'pino';
import type { Action } from '../../schemas/plan.js';
import { TourniquetError } from '../errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';

type Routes<R> = Readonly<Record<string, Partial<Record<Action, R>> | undefined>>;
type TaskKey = Pick<ProviderTask, 'action' | 'credentialKind'>;

export function routeTable<R>(
  type: string,
  name: string,
  kinds: ReadonlySet<string>,
  routes: Routes<R>,
  log: Logger,
  /** Whether this instance's configuration lets the route run (its admin token is configured). */
  available: (route: R) => boolean = () => true,
) {
  const findRoute = (task: TaskKey): R | undefined =>
    kinds.has(task.credentialKind) ? routes[task.credentialKind]?.[task.action] : undefined;

  const routeOf = (task: TaskKey): R => {
    const route = findRoute(task);
    if (!route) {
      throw new TourniquetError(
        'PROVIDER_UNSUPPORTED',
        `${type} provider ${name} does not ${task.action} ${task.credentialKind}`,
      );
    }
    return route;
  };

  const run = async <T extends ExecuteResult | VerifyResult>(
    task: ProviderTask,
    phase: 'execute' | 'verify',
    fn: () => Promise<T>,
  ): Promise<T> => {
    const fields = { taskId: task.taskId, kind: task.credentialKind, action: task.action, phase };
    try {
      const result = await fn();
      const outcome = 'outcome' in result ? result.outcome : result.liveness;
      log.info({ ...fields, outcome, details: result.details }, `${type} call done`);
      return result;
    } catch (err) {
      const code = err instanceof TourniquetError ? err.code : 'INTERNAL';
      log.info(
        { ...fields, code, retriable: err instanceof TourniquetError && err.retriable },
        `${type} call failed`,
      );
      throw err;
    }
  };

  // Capabilities list only what this configuration can run: the planner plans from them.
  const actions: Record<string, Action[]> = {};
  for (const kind of kinds) {
    const byAction = routes[kind] ?? {};
    const runnable = (Object.keys(byAction) as Action[]).filter((a) => available(byAction[a] as R));
    if (runnable.length > 0) actions[kind] = runnable;
  }

  return { findRoute, routeOf, run, actions };
}
