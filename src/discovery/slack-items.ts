/**
 * What the Slack discoverer reads of each listed item (zod: only the fields we use, Slack's extra
 * fields dropped) and the identity or credential it becomes. Kinds and providerIds are what the
 * revoking adapter acts on (src/providers/slack-actions.ts): `slack.user` with `teamId:userId`
 * (admin.users.remove needs the workspace; SCIM ignores the prefix), `slack.app` with `teamId:appId`
 * or `appId` (admin.apps.uninstall, the workspace else the configured enterprise).
 *
 * No field read here holds a secret: users.list and admin.apps.approved.list return no token values.
 */
import { z } from 'zod';
import type { DiscoveredCredential, DiscoveredIdentity } from './port.js';

/** Slack ids (U…, W…, A…, T…, E…): what the adapter's `teamId:id` pattern accepts. */
const SlackId = z.string().regex(/^[A-Z0-9]{1,40}$/i);
const Text = z.string().nullish();

export const SlackMember = z.object({
  id: SlackId,
  team_id: SlackId.optional(),
  name: Text,
  real_name: Text,
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_admin: z.boolean().optional(),
  is_owner: z.boolean().optional(),
  is_primary_owner: z.boolean().optional(),
  is_restricted: z.boolean().optional(),
  is_ultra_restricted: z.boolean().optional(),
  profile: z.object({ email: Text, display_name: Text, real_name: Text }).optional(),
});
export type SlackMember = z.infer<typeof SlackMember>;

export const ApprovedApp = z.object({
  app: z.object({ id: SlackId, name: Text, is_internal: z.boolean().optional() }),
  scopes: z.array(z.object({ name: z.string().min(1), token_type: Text })).optional(),
  date_updated: z.number().nonnegative().optional(),
  last_resolved_by: z.object({ actor_id: Text, actor_type: Text }).optional(),
});
export type ApprovedApp = z.infer<typeof ApprovedApp>;

export const SLACK_DISCOVERED_KINDS = { user: 'slack.user', app: 'slack.app' } as const;

/** Slackbot is a user of every workspace with `is_bot: false`; it is Slack's own, not a person. */
const SLACKBOT = 'USLACKBOT';

const short = (v: string | null | undefined, max = 200): string | undefined =>
  v && v.trim() ? v.trim().slice(0, max) : undefined;

export function isBot(m: SlackMember): boolean {
  return m.is_bot === true || m.id === SLACKBOT;
}

/** `bot`, `owner`, `admin` or `user`, as Slack's flags rank them. */
export function roleOf(m: SlackMember): string {
  if (isBot(m)) return 'bot';
  if (m.is_owner || m.is_primary_owner) return 'owner';
  if (m.is_admin) return 'admin';
  return 'user';
}

export function memberIdentity(m: SlackMember): DiscoveredIdentity {
  const email = short(m.profile?.email, 320);
  const displayName =
    short(m.profile?.display_name) ?? short(m.profile?.real_name) ?? short(m.real_name) ?? short(m.name);
  return {
    identity: m.id,
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    role: roleOf(m),
  };
}

/**
 * A person's account as `slack.user`. `team` is the workspace listed (config `teamId`), else the
 * member's own; without either the bare user id (SCIM routes need no workspace).
 *
 * A deleted member is listed as `disabled`, not left out: Slack's "deleted" is a deactivation (SCIM
 * sets `active: false`, the account can be reactivated), which is what the adapter's `disable`
 * does. Leaving it out would have the sync mark it gone (`deleted`), which it is not.
 */
export function memberCredential(m: SlackMember, team: string | undefined): DiscoveredCredential {
  const teamId = team ?? m.team_id;
  const role = roleOf(m);
  const name = short(m.name);
  return {
    kind: SLACK_DISCOVERED_KINDS.user,
    providerId: teamId ? `${teamId}:${m.id}` : m.id,
    ownerIdentity: m.id,
    status: m.deleted ? 'disabled' : 'active',
    labels: {
      role,
      ...(teamId ? { teamId } : {}),
      ...(name ? { name } : {}),
      ...(m.is_restricted || m.is_ultra_restricted ? { guest: 'true' } : {}),
    },
  };
}

/**
 * An approved app as `slack.app`: `teamId:appId` when listed for a workspace, the bare `appId` when
 * listed for the enterprise (the adapter then uninstalls it org-wide, with `enterpriseId`).
 */
export function approvedAppCredential(a: ApprovedApp, team: string | undefined): DiscoveredCredential {
  const scopes = [...new Set((a.scopes ?? []).map((s) => s.name.slice(0, 200)))].sort();
  const issued = a.date_updated ? new Date(a.date_updated * 1000) : undefined;
  const name = short(a.app.name);
  const approvedBy = short(a.last_resolved_by?.actor_id, 40);
  return {
    kind: SLACK_DISCOVERED_KINDS.app,
    providerId: team ? `${team}:${a.app.id}` : a.app.id,
    scopes,
    ...(issued && a.date_updated ? { issuedAt: issued.toISOString() } : {}),
    labels: {
      appId: a.app.id,
      ...(team ? { teamId: team } : {}),
      ...(name ? { name } : {}),
      ...(approvedBy ? { approvedBy } : {}),
      ...(a.app.is_internal ? { internal: 'true' } : {}),
    },
  };
}
