/**
 * FAKE GitHub — the route keys of test/fakes/github.ts and canned faults shaped as GitHub documents
 * them [GH-RL]: 429 + Retry-After, secondary limits (403 "secondary rate limit"), primary limits
 * (x-ratelimit-remaining 0 + x-ratelimit-reset), 5xx, slow answers, and a 422 that echoes the body.
 */
import type { Fault } from './http-fake.js';

export const ROUTES = {
  user: 'GET /user',
  revoke: 'POST /credentials/revoke',
  installationRevoke: 'DELETE /installation/token',
  installationRepos: 'GET /installation/repositories',
  patRevoke: 'POST /orgs/{org}/personal-access-tokens/{pat_id}',
  patList: 'GET /orgs/{org}/personal-access-tokens',
  oauthDeleteToken: 'DELETE /applications/{client_id}/token',
  oauthDeleteGrant: 'DELETE /applications/{client_id}/grant',
  oauthCheckToken: 'POST /applications/{client_id}/token',
  deployKeyDelete: 'DELETE /repos/{owner}/{repo}/keys/{key_id}',
  deployKeyGet: 'GET /repos/{owner}/{repo}/keys/{key_id}',
  membershipDelete: 'DELETE /orgs/{org}/memberships/{username}',
  membershipGet: 'GET /orgs/{org}/memberships/{username}',
  collaboratorDelete: 'DELETE /orgs/{org}/outside_collaborators/{username}',
  collaboratorList: 'GET /orgs/{org}/outside_collaborators',
  memberList: 'GET /orgs/{org}/members',
  orgRepos: 'GET /orgs/{org}/repos',
  deployKeyList: 'GET /repos/{owner}/{repo}/keys',
  samlDelete: 'DELETE /orgs/{org}/credential-authorizations/{credential_id}',
  samlList: 'GET /orgs/{org}/credential-authorizations',
  sshKeyDelete: 'DELETE /user/keys/{key_id}',
  sshKeyGet: 'GET /user/keys/{key_id}',
  alertUpdate: 'PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}',
  alertGet: 'GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}',
} as const;

/** Canned faults, shaped as GitHub documents them [GH-RL]. */
export const githubFaults = {
  /** 429 with Retry-After (seconds). */
  tooManyRequests: (retryAfterSec: number): Fault => ({
    reply: () => ({
      status: 429,
      headers: { 'retry-after': String(retryAfterSec) },
      body: { message: 'Too Many Requests' },
    }),
  }),
  /** 403 "secondary rate limit", with or without Retry-After. */
  secondaryLimit: (retryAfterSec?: number): Fault => ({
    reply: () => ({
      status: 403,
      headers:
        retryAfterSec === undefined
          ? ({} as Record<string, string>)
          : { 'retry-after': String(retryAfterSec) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    }),
  }),
  /** Primary limit: 403 with x-ratelimit-remaining 0 and the reset time (epoch seconds). */
  primaryLimit: (resetEpochSec: number, status = 403): Fault => ({
    reply: () => ({
      status,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(resetEpochSec),
        'x-ratelimit-used': '5000',
      },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    }),
  }),
  serverError: (status = 502): Fault => ({ reply: () => ({ status, body: { message: 'Server Error' } }) }),
  slow: (delayMs: number): Fault => ({ delayMs }),
  status: (status: number, message = 'Error'): Fault => ({ reply: () => ({ status, body: { message } }) }),
  /** 422 whose message echoes the request body, as validation errors may: a token-leak trap. */
  echoingValidationError: (): Fault => ({
    reply: (req) => ({
      status: 422,
      body: {
        message: `Validation Failed: ${req.rawBody}`,
        documentation_url: 'https://docs.github.com/rest',
        // /credentials/revoke documents validation-error-simple (errors are strings); others validation-error.
        errors:
          req.path === '/credentials/revoke'
            ? [`credentials is invalid: ${req.rawBody}`]
            : [{ resource: 'Credential', code: 'invalid', value: req.rawBody }],
      },
    }),
  }),
};
