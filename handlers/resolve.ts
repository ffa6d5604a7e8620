/**
 * Resolve: trigger + inventory view → what is at risk and what would kill each item, strongest
 * action first. Pure: the pipeline fetches the candidate records from the store and passes them in;
 * which of the candidate actions is really planned is decided from the providers' capabilities in
 * handlers/plan.ts.
 *
 * - offboarding (a playbook, not a lookup): the person under every id and alias of hers; her personal
 *   credentials are killed; workload credentials she owned or created are rotated (the workload must
 *   keep running) and flagged `owner_left`; secrets she could read are rotated; and her accounts at
 *   each provider instance (`identities`) are closed by that provider type's playbook.
 * - leak: match by fingerprint, provider key id or credential id. With the value, a credential is
 *   revoked by value where its provider can (also when it is in the inventory), and the id-based
 *   actions are added. An unmatched token whose format names its provider is revoked by value; a
 *   token no API can revoke, or one whose format names nothing, needs its owner.
 * - decommission: credentials bound to the workload under its name or any alias of it. Tasks are
 *   keyed by the workload, so two events for one workload make one set of tasks.
 */
import { isStoredSecret } from './actions.js';
import { noApiStep } from './manual-steps.js';
import type { Credential, InventoryView, Person, Workload } from '../schemas/credential.js';
import type { Action, NeedsOwner } from '../schemas/plan.js';
import type { Trigger, TriggerKind } from '../schemas/trigger.js';

export interface AtRisk {
  /** null for a token that is not in the inventory, or for a person's account at a provider. */
  credential: Credential | null;
  credentialKind: string;
  /** Actions that would do, strongest first; the planner takes the first one the provider can run. */
  actions: readonly Action[];
  /** Also run these when the provider can (id-based actions beside a revoke by value); never needs_owner. */
  also?: readonly Action[];
  reason: string;
  flags: string[];
  /** The provider instance that must act (a credential's or an identity's); absent for by-value tokens. */
  provider?: string;
  /** Which provider type handles a token that is not in the inventory (from the value's format). */
  providerType?: string;
  /** A provider-side id that is not a credential's (a person's account, a leaked key id). */
  providerId?: string;
  fingerprint?: string;
  /** The value is at hand (sealed) for this item: by-value actions are possible. */
  hasSecret: boolean;
  /** Stable reference for the task id when there is no credential (`fp:…`, `identity:…`). */
  ref?: string;
  /** The account the provider id belongs to (a leaked AWS key's, looked up at intake). */
  account?: string;
}

export interface Resolution {
  atRisk: AtRisk[];
  notes: string[];
  /** Items whose only honest outcome is a person's manual step, whatever is configured. */
  needsOwner: NeedsOwner[];
  /** The key the tasks are scoped by when it is not the trigger (a decommissioned workload). */
  scope?: string;
  /** A person's accounts at provider instances, for the playbook in handlers/plan.ts. */
  identities: { provider: string; account: string; person: string }[];
}

export interface ResolveOptions {
  /**
   * A replay of a stored trigger: its sealed value was dropped once its tasks were planned, but a
   * value was supplied at intake (its format was classified), so the plan it had is the plan.
   */
  replay?: boolean;
}

type Resolver<K extends TriggerKind> = (
  t: Extract<Trigger, { kind: K }>,
  inventory: InventoryView,
  opts: ResolveOptions,
) => Resolution;

/** A rotated credential lives on under its new value. */
const live = (c: Credential) => c.status === 'active' || c.status === 'disabled' || c.status === 'rotated';
const lower = (s: string) => s.toLowerCase();

/** Kill a token or key: by value first when the value is here, then by id. */
export function killActions(kind: string, hasSecret: boolean): Action[] {
  if (isStoredSecret(kind)) return ['rotate'];
  return [...(hasSecret ? (['revoke_by_value'] as const) : []), 'revoke', 'delete', 'disable'];
}

function empty(): Resolution {
  return { atRisk: [], notes: [], needsOwner: [], identities: [] };
}

/** Every person record the trigger names under any id or alias. */
export function matchPeople(ids: readonly string[], people: readonly Person[]): Person[] {
  const wanted = new Set(ids.map(lower));
  return people.filter((p) => [p.id, ...p.aliases].some((x) => wanted.has(lower(x))));
}

/** Every workload record known under the name. */
export function matchWorkloads(name: string, workloads: readonly Workload[]): Workload[] {
  return workloads.filter((w) => w.name === name || w.aliases.includes(name));
}

const offboarding: Resolver<'offboarding'> = (t, inv) => {
  const people = matchPeople([t.subject.person, ...t.subject.aliases], inv.people);
  const ids = new Set(
    [t.subject.person, ...t.subject.aliases, ...people.flatMap((p) => [p.id, ...p.aliases])].map(lower),
  );
  const is = (who: string | undefined) => who !== undefined && ids.has(lower(who));
  const out = empty();
  for (const c of inv.credentials) {
    if (!live(c)) continue;
    const mine = is(c.owner) || is(c.createdBy);
    if (mine && c.workload === undefined) {
      out.atRisk.push({
        credential: c,
        credentialKind: c.kind,
        actions: killActions(c.kind, false),
        reason: `${is(c.owner) ? 'owner' : 'creator'} ${is(c.owner) ? c.owner : c.createdBy} left`,
        flags: [],
        provider: c.provider,
        hasSecret: false,
      });
    } else if (mine) {
      out.atRisk.push({
        credential: c,
        credentialKind: c.kind,
        actions: ['rotate'],
        reason: `${is(c.owner) ? 'lifecycle owner' : 'creator'} ${is(c.owner) ? c.owner : c.createdBy} of workload ${c.workload} left: rotate and re-home`,
        flags: ['owner_left'],
        provider: c.provider,
        hasSecret: false,
      });
    } else if (c.readers.some(is)) {
      out.atRisk.push({
        credential: c,
        credentialKind: c.kind,
        actions: ['rotate'],
        reason: `readable by ${c.readers.filter(is).join(', ')}, who left: rotate`,
        flags: [],
        provider: c.provider,
        hasSecret: false,
      });
    }
  }
  for (const p of people) {
    for (const [provider, account] of Object.entries(p.identities)) {
      out.identities.push({ provider, account, person: p.id });
    }
  }
  if (out.atRisk.length === 0 && out.identities.length === 0) {
    out.notes.push(
      `no credentials or accounts of this person in the inventory (tried ${[...ids].sort().join(', ')})`,
    );
  }
  if (people.length === 0) out.notes.push('the person is not in the inventory `people` section');
  return out;
};

const leak: Resolver<'leak'> = (t, inv, opts) => {
  const s = t.subject;
  const fp = s.secret?.fingerprint;
  const sealed =
    s.secret?.sealed !== undefined || (opts.replay === true && s.secret?.tokenType !== undefined);
  const out = empty();
  const matched = inv.credentials.filter(
    (c) =>
      live(c) &&
      ((fp !== undefined && c.fingerprint === fp) ||
        (s.providerKeyId !== undefined && c.providerId === s.providerKeyId) ||
        (s.credentialId !== undefined && c.id === s.credentialId)),
  );
  for (const c of matched) {
    const byValue = fp !== undefined && c.fingerprint === fp;
    const hasSecret = byValue && sealed;
    out.atRisk.push({
      credential: c,
      credentialKind: c.kind,
      actions: killActions(c.kind, hasSecret),
      ...(hasSecret ? { also: ['revoke'] as const } : {}),
      reason: `leaked (${t.source})`,
      flags: [],
      provider: c.provider,
      ...(byValue ? { fingerprint: fp } : {}),
      hasSecret,
    });
  }
  if (matched.length > 0) return out;

  if (s.secret) {
    const { providerType, tokenType } = s.secret;
    const noApi = tokenType ? noApiStep(tokenType) : undefined;
    // A token that is in no inventory and that nothing here can revoke: its owner must.
    const ownerMust = (reason: 'no_api' | 'unrecognised', detail: string, step: string) =>
      out.needsOwner.push({
        credentialId: null,
        credentialKind: tokenType ?? 'unknown',
        provider: null,
        fingerprint: s.secret!.fingerprint,
        wanted: 'revoke',
        reason,
        detail,
        step,
        flags: [],
      });
    if (noApi) {
      ownerMust('no_api', `no API revokes a ${tokenType}`, noApi);
    } else if (providerType && tokenType && tokenType !== 'unknown' && tokenType !== 'aws.access_key') {
      out.atRisk.push({
        credential: null,
        credentialKind: tokenType,
        actions: ['revoke_by_value'],
        reason: `leaked ${tokenType} not in the inventory: revoke by value (${t.source})`,
        flags: [],
        providerType,
        fingerprint: s.secret.fingerprint,
        hasSecret: sealed,
        ref: `fp:${s.secret.fingerprint}`,
      });
    } else if (s.providerKeyId === undefined) {
      ownerMust(
        'unrecognised',
        'the leaked value matched no credential and its format names no provider',
        `find which system issued the secret at ${where(t)}, revoke it there, and add it to the inventory`,
      );
    }
  }
  if (s.providerKeyId !== undefined && /^AKIA[A-Z2-7]{16}$/.test(s.providerKeyId)) {
    // An IAM user's long-term key: the key id is all IAM needs to find and deactivate it.
    out.atRisk.push({
      credential: null,
      credentialKind: 'aws.access_key',
      actions: ['disable', 'revoke'],
      reason: `leaked AWS access key ${s.providerKeyId} not in the inventory: deactivate (${t.source})`,
      flags: [],
      providerType: 'aws',
      providerId: s.providerKeyId,
      hasSecret: false,
      ref: `aws-key:${s.providerKeyId}`,
      ...(typeof t.evidence.awsAccountId === 'string' ? { account: t.evidence.awsAccountId } : {}),
    });
  } else if (s.providerKeyId !== undefined && out.atRisk.length === 0 && out.needsOwner.length === 0) {
    // A key id nothing here can act on (an STS ASIA key, an X.509 serial): never silently dropped.
    const temporary = /^ASIA/.test(s.providerKeyId);
    out.needsOwner.push({
      credentialId: null,
      credentialKind: temporary ? 'aws.temporary_access_key' : 'unknown',
      provider: null,
      ...(s.secret ? { fingerprint: s.secret.fingerprint } : {}),
      wanted: 'revoke',
      reason: temporary ? 'no_api' : 'unrecognised',
      detail: temporary
        ? `${s.providerKeyId} is an STS session key: no API deletes it`
        : `key id ${s.providerKeyId} matched no credential in the inventory`,
      step: temporary
        ? `deny sessions issued before now on the role or user that minted ${s.providerKeyId} (IAM "Revoke active sessions"), or wait for it to expire`
        : `find the credential ${s.providerKeyId} names, revoke it at its provider, and add it to the inventory`,
      flags: [],
    });
  } else if (!s.secret && s.providerKeyId === undefined) {
    out.notes.push('leak matched no credential in the inventory');
  }
  return out;
};

function where(t: Trigger): string {
  const e = t.evidence;
  const parts = [e.repository, e.file, e.commit, e.link].filter((v) => typeof v === 'string' && v);
  return parts.length ? parts.join(' ') : `the place ${t.source} reported`;
}

const decommission: Resolver<'decommission'> = (t, inv) => {
  const named = t.subject.workload;
  const found = matchWorkloads(named, inv.workloads);
  const names = new Set([named, ...found.flatMap((w) => [w.name, ...w.aliases])]);
  const canonical = found[0]?.name ?? named;
  const out = empty();
  out.scope = `workload:${canonical}`;
  for (const c of inv.credentials) {
    if (!live(c) || c.workload === undefined || !names.has(c.workload)) continue;
    out.atRisk.push({
      credential: c,
      credentialKind: c.kind,
      actions: isStoredSecret(c.kind) ? ['delete', 'disable'] : ['revoke', 'delete', 'disable'],
      reason: `workload ${canonical} decommissioned`,
      flags: [],
      provider: c.provider,
      hasSecret: false,
    });
  }
  if (found.length > 0 && named !== canonical)
    out.notes.push(`workload ${canonical} matched by alias ${named}`);
  if (out.atRisk.length === 0) {
    out.notes.push(`no credentials bound to this workload (tried ${[...names].sort().join(', ')})`);
  }
  return out;
};

/** Exhaustive: adding a trigger kind without a resolver fails to compile. */
const RESOLVERS: { [K in TriggerKind]: Resolver<K> } = { offboarding, leak, decommission };

export function resolve(trigger: Trigger, inventory: InventoryView, opts: ResolveOptions = {}): Resolution {
  const r = RESOLVERS[trigger.kind] as Resolver<TriggerKind>;
  return r(trigger as never, inventory, opts);
}
