/**
 * FAKE Slack — Slack's published definitions of the Web API methods the fake serves. Sources, most
 * authoritative first (Slack publishes no current machine-readable description: its OpenAPI spec,
 * github.com/slackapi/slack-api-specs, was last updated in October 2020, lacks admin.apps.uninstall
 * and admin.users.session.list, and lists no errors for the admin methods):
 * - method names: Slack's official SDK, `@slack/web-api` 8.2.0 (the adapter's own client) — a method
 *   exists when a WebClient has it (checked at run time, slack-contract.ts);
 * - arguments: each method's `minimal` request is type-checked below against that SDK's published
 *   `*Arguments` definitions: tsc fails if the request is not a valid call, or if any of its fields
 *   could be dropped (so it lists exactly the required ones). Exactly-one/both-or-neither groups are
 *   the SDK's unions, as the method pages describe them;
 * - errors and success fields: Slack's method reference (api.slack.com/methods/<name>, now
 *   docs.slack.dev/reference/methods/<name>), each method's "Errors" table and typical success
 *   response; COMMON_ERRORS are those every method's table lists.
 */
import type {
  AdminAppsApprovedListArguments,
  AdminAppsUninstallArguments,
  AdminUsersRemoveArguments,
  AdminUsersSessionListArguments,
  AdminUsersSessionResetArguments,
  AppsUninstallArguments,
  AuthRevokeArguments,
  AuthTestArguments,
  ChatPostMessageArguments,
  UsersListArguments,
  UsersLookupByEmailArguments,
} from '@slack/web-api';

export interface SlackMethod {
  /** A minimal valid request: its keys are the required arguments (type-checked against the SDK). */
  minimal: Record<string, string>;
  /** Optional arguments the method page documents; any other argument is refused. */
  optional: readonly string[];
  /** Exactly one of these must be given. */
  exactlyOne?: readonly string[];
  /** At most one of these. */
  atMostOne?: readonly string[];
  /** All or none of these. */
  together?: readonly string[];
  /** At least one of these. */
  atLeastOne?: readonly string[];
  /** The method page: "This method does not currently accept application/json". */
  formOnly?: boolean;
  /** Fields of the typical success response besides `ok`. */
  success: readonly string[];
  /** The method's own errors (COMMON_ERRORS apply to every method). */
  errors: readonly string[];
}

/** Errors the reference lists for every Web API method (authentication, transport, platform). */
export const COMMON_ERRORS: readonly string[] = [
  'access_denied',
  'accesslimited',
  'account_inactive',
  'deprecated_endpoint',
  'ekm_access_denied',
  'enterprise_is_restricted',
  'fatal_error',
  'internal_error',
  'invalid_arg_name',
  'invalid_arguments',
  'invalid_array_arg',
  'invalid_auth',
  'invalid_charset',
  'invalid_form_data',
  'invalid_post_type',
  'missing_post_type',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'not_authed',
  'org_login_required',
  'ratelimited',
  'request_timeout',
  'service_unavailable',
  'team_access_not_granted',
  'team_added_to_org',
  'token_expired',
  'token_revoked',
  'two_factor_setup_required',
];

const ADMIN_ERRORS = ['feature_not_enabled', 'not_an_admin', 'not_an_enterprise', 'restricted_action'];

const minimal = {
  'auth.test': {},
  'auth.revoke': {},
  'chat.postMessage': { channel: 'C1', text: 't' },
  'users.lookupByEmail': { email: 'a@example.com' },
  'admin.users.session.reset': { user_id: 'U1' },
  'admin.users.session.list': {},
  'admin.users.remove': { team_id: 'T1', user_id: 'U1' },
  'apps.uninstall': { client_id: 'c', client_secret: 's' },
  'admin.apps.uninstall': { app_id: 'A1', enterprise_id: 'E1' },
  'users.list': {},
  'admin.apps.approved.list': {},
} as const;

/**
 * `never` when `Req` is a valid call of the SDK's `Args` and none of its fields can be dropped;
 * otherwise the offending field names (or 'not a valid call'), which fails the assertion below.
 */
type Exact<Req, Args> = [Req] extends [Args]
  ? { [K in keyof Req]-?: [Omit<Req, K>] extends [Args] ? K : never }[keyof Req]
  : 'not a valid call';
type Agrees<T extends never> = T;
type M = typeof minimal;
/** Compile-time agreement of `minimal` with @slack/web-api's argument types (see the header). */
export type AgreesWithSdk = [
  Agrees<Exact<M['auth.test'], AuthTestArguments>>,
  Agrees<Exact<M['auth.revoke'], AuthRevokeArguments>>,
  Agrees<Exact<M['chat.postMessage'], ChatPostMessageArguments>>,
  Agrees<Exact<M['users.lookupByEmail'], UsersLookupByEmailArguments>>,
  Agrees<Exact<M['admin.users.session.reset'], AdminUsersSessionResetArguments>>,
  Agrees<Exact<M['admin.users.session.list'], AdminUsersSessionListArguments>>,
  Agrees<Exact<M['admin.users.remove'], AdminUsersRemoveArguments>>,
  Agrees<Exact<M['apps.uninstall'], AppsUninstallArguments>>,
  Agrees<Exact<M['admin.apps.uninstall'], AdminAppsUninstallArguments>>,
  Agrees<Exact<M['users.list'], UsersListArguments>>,
  Agrees<Exact<M['admin.apps.approved.list'], AdminAppsApprovedListArguments>>,
];

export const SLACK_METHODS: Record<keyof typeof minimal, SlackMethod> = {
  'auth.test': {
    minimal: minimal['auth.test'],
    optional: [],
    success: ['url', 'team', 'user', 'team_id', 'user_id'],
    errors: [],
  },
  'auth.revoke': {
    minimal: minimal['auth.revoke'],
    optional: ['test'],
    success: ['revoked'],
    errors: [],
  },
  'chat.postMessage': {
    minimal: { channel: 'C1' },
    atLeastOne: ['text', 'blocks', 'attachments', 'markdown_text'],
    optional: [
      'as_user',
      'icon_emoji',
      'icon_url',
      'link_names',
      'metadata',
      'mrkdwn',
      'parse',
      'reply_broadcast',
      'thread_ts',
      'unfurl_links',
      'unfurl_media',
      'username',
    ],
    success: ['channel', 'ts', 'message'],
    errors: [
      'channel_not_found',
      'not_in_channel',
      'is_archived',
      'msg_too_long',
      'no_text',
      'too_many_attachments',
      'invalid_blocks',
      'invalid_blocks_format',
      'restricted_action',
      'rate_limited',
    ],
  },
  'users.lookupByEmail': {
    minimal: minimal['users.lookupByEmail'],
    optional: [],
    formOnly: true,
    success: ['user'],
    errors: ['users_not_found', 'enterprise_is_restricted'],
  },
  'admin.users.session.reset': {
    minimal: minimal['admin.users.session.reset'],
    optional: ['mobile_only', 'web_only'],
    success: [],
    errors: [
      ...ADMIN_ERRORS,
      'user_not_found',
      'cannot_reset_bot',
      'cannot_reset_primary_owner',
      'user_session_reset_failed',
      'unknown_method',
    ],
  },
  'admin.users.session.list': {
    minimal: minimal['admin.users.session.list'],
    together: ['team_id', 'user_id'],
    optional: ['cursor', 'limit'],
    success: ['active_sessions'],
    errors: [...ADMIN_ERRORS, 'invalid_cursor', 'unknown_method'],
  },
  'admin.users.remove': {
    minimal: minimal['admin.users.remove'],
    optional: [],
    success: [],
    // user_not_found / user_already_deleted: as providers.md [SL-REMOVE] reads the method page (not
    // in the excerpt of the page available here; the adapter relies on user_already_deleted).
    errors: [
      ...ADMIN_ERRORS,
      'cannot_modify_primary_owner',
      'failed_to_remove_user_from_workspace',
      'user_not_found',
      'user_already_deleted',
    ],
  },
  'apps.uninstall': {
    minimal: minimal['apps.uninstall'],
    optional: [],
    success: [],
    errors: ['invalid_client_id', 'bad_client_secret', 'client_id_token_mismatch', 'is_bot'],
  },
  'admin.apps.uninstall': {
    minimal: { app_id: 'A1' },
    // The method page documents `team_ids` (comma-separated, ≤ 100); the SDK's type names `team_id`.
    // The wire follows the page.
    exactlyOne: ['enterprise_id', 'team_ids'],
    optional: [],
    success: [],
    errors: [
      ...ADMIN_ERRORS,
      'app_not_found',
      'can_not_uninstall',
      'enterprise_not_found',
      'must_revoke_access',
      'permission_denied',
      'specify_enterprise_or_teams',
      'teams_not_found',
      'too_many_teams',
    ],
  },
  'users.list': {
    minimal: minimal['users.list'],
    optional: ['cursor', 'include_locale', 'limit', 'team_id'],
    success: ['members'],
    errors: ['invalid_cursor', 'limit_required'],
  },
  'admin.apps.approved.list': {
    minimal: minimal['admin.apps.approved.list'],
    // The SDK's `Partial<TeamOrEnterpriseID>`: a workspace or the org, never both.
    atMostOne: ['enterprise_id', 'team_id'],
    optional: ['certified', 'cursor', 'limit'],
    success: ['approved_apps'],
    // invalid_cursor / team_not_found: as the method page's table reads from memory here (no copy of
    // the page was available); the ADMIN_ERRORS are the admin family's.
    errors: [...ADMIN_ERRORS, 'invalid_cursor', 'team_not_found'],
  },
};
