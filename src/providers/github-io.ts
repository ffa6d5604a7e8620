/**
 * The pieces every GitHub route is built from: the clients it may use, the request runner that
 * classifies failures, providerId parsing and the shapes of results. Routes live in
 * github-actions.ts (tokens) and github-org-actions.ts (keys, people, SSO authorizations).
 */
import type { Octokit } from '@octokit/rest';
import type { Action } from '../../schemas/plan.js';
import { TourniquetError } from '../errors.js';
import { headerValue } from './http-errors.js';
import type { ExecuteResult, ProviderTask, VerifyResult } from './port.js';

export interface GithubClients {
  /** POST /credentials/revoke: unauthenticated on github.com, `auth.token` where GHES requires it. */
  revoker(): Octokit;
  /** `auth.token`: org/repo admin. */
  admin(): Octokit;
  /** `auth.appToken`: a GitHub App installation (fine-grained PAT access). */
  app(): Octokit;
  /** `auth.userToken`: the SSH key owner's own token. */
  user(): Octokit;
  /** Unauthenticated client plus the Basic authorization of `auth.oauthApp`. */
  oauthApp(): { octokit: Octokit; clientId: string; authorization: string };
  /** A client that authenticates with the given token (the credential itself); never cached. */
  withToken(token: string): Octokit;
}

export type Sent<T> =
  { gone: false; value: T } | { gone: true; status: number; requestId: string | undefined };

export interface GithubIo {
  clients: GithubClients;
  /**
   * Runs one request under the task's signal and the configured timeout. An answer whose status is
   * in `gone` is returned as `{ gone: true }`; every other failure is thrown as a TourniquetError.
   */
  send<T>(
    op: string,
    fn: (request: { signal: AbortSignal }) => Promise<T>,
    gone?: readonly number[],
  ): Promise<Sent<T>>;
  /** Logs a debug line about a task (never a secret). */
  note(task: ProviderTask, msg: string, fields?: Record<string, unknown>): void;
}

/** One credential kind × action: how to execute it, and how to verify it. */
export interface GithubRoute {
  needsSecret: boolean;
  /** The configured client it calls with, when not the credential itself or the anonymous revoker. */
  uses?: 'admin' | 'app' | 'user' | 'oauthApp';
  execute(task: ProviderTask, io: GithubIo): Promise<ExecuteResult>;
  verify(task: ProviderTask, io: GithubIo): Promise<VerifyResult>;
}

interface OctokitResponse {
  status: number;
  headers: Record<string, string | number | undefined>;
}

export function routesFor(
  actions: readonly Action[],
  route: GithubRoute,
): Partial<Record<Action, GithubRoute>> {
  return Object.fromEntries(actions.map((a) => [a, route]));
}

export function secretOf(task: ProviderTask): string {
  if (!task.secret) {
    throw new TourniquetError(
      'SECRET_UNAVAILABLE',
      `github ${task.credentialKind} ${task.action}: the secret is required`,
    );
  }
  return task.secret;
}

const ORG_AND = /^([^:/\s]+):([^:/\s]+)$/;
const REPO_KEY = /^([^/:\s]+)\/([^/:\s]+):(\d+)$/;

export function parseId(task: ProviderTask, pattern: RegExp, shape: string): string[] {
  const match = task.providerId === undefined ? null : pattern.exec(task.providerId);
  if (!match) invalidId(task, shape);
  return match.slice(1).map((part) => part ?? '');
}

export function invalidId(task: ProviderTask, shape: string): never {
  throw new TourniquetError(
    'INVALID_INPUT',
    `github ${task.credentialKind}: providerId must look like ${shape}`,
  );
}

/** `org:<name or number>`; `numeric` requires the second part to be a number. */
export function orgAnd(task: ProviderTask, shape: string, numeric = false): [org: string, id: string] {
  const [org = '', id = ''] = parseId(task, ORG_AND, shape);
  if (numeric && !/^\d+$/.test(id)) invalidId(task, shape);
  return [org, id];
}

export function repoKey(task: ProviderTask): [owner: string, repo: string, keyId: number] {
  const [owner = '', repo = '', keyId = ''] = parseId(task, REPO_KEY, 'owner/repo:keyId');
  return [owner, repo, Number(keyId)];
}

export function keyIdOf(task: ProviderTask): number {
  const [keyId = ''] = parseId(task, /^(\d+)$/, 'keyId');
  return Number(keyId);
}

export function facts(value: unknown): Record<string, string | number> {
  if (!value || typeof value !== 'object' || !('status' in value)) return {};
  const res = value as OctokitResponse;
  const requestId = headerValue(res.headers, 'x-github-request-id');
  return { status: res.status, ...(requestId ? { requestId } : {}) };
}

export function revoked(sent: Sent<unknown>): ExecuteResult {
  return { outcome: 'revoked', details: sent.gone ? {} : facts(sent.value) };
}

export function alreadyRevoked(sent: { status: number; requestId: string | undefined }): ExecuteResult {
  return {
    outcome: 'already_revoked',
    details: { status: sent.status, ...(sent.requestId ? { requestId: sent.requestId } : {}) },
  };
}

export function liveness(sent: Sent<unknown>): VerifyResult {
  if (sent.gone) return alreadyDead(sent);
  return { liveness: 'alive', details: facts(sent.value) };
}

export function alreadyDead(sent: { status: number; requestId: string | undefined }): VerifyResult {
  return {
    liveness: 'dead',
    details: { status: sent.status, ...(sent.requestId ? { requestId: sent.requestId } : {}) },
  };
}

export function presence<T>(sent: Sent<T[]>, found: (items: T[]) => boolean): VerifyResult {
  if (sent.gone) return alreadyDead(sent);
  return { liveness: found(sent.value) ? 'alive' : 'dead', details: { listed: sent.value.length } };
}
