/**
 * Small pieces the identity-provider adapters (Okta, Entra ID, Google Workspace, GCP IAM) share:
 * what a task must carry, and the refusals for what an instance is not configured to do.
 */
import { pino, type Logger } from 'pino';
import { TourniquetError } from '../errors.js';
import type { Env } from '../config.js';
import type { ProviderTask } from './port.js';

export interface IdpDeps {
  logger?: Logger;
  env?: Env;
  now?: () => number;
}

export function childLogger(deps: IdpDeps, name: string, type: string): Logger {
  return (deps.logger ?? pino({ level: 'silent' })).child({ provider: name, providerType: type });
}

/** The provider-side id (a person's account, an app's object id) the task acts on. */
export function providerIdOf(task: ProviderTask, name: string): string {
  const id = task.providerId?.trim();
  if (!id) {
    throw new TourniquetError(
      'INVALID_INPUT',
      `${name} ${task.credentialKind}: the task names no providerId`,
    );
  }
  return id;
}

export function unsupported(name: string, task: Pick<ProviderTask, 'action' | 'credentialKind'>) {
  return new TourniquetError(
    'PROVIDER_UNSUPPORTED',
    `${name} cannot ${task.action} a ${task.credentialKind} as configured`,
  );
}
