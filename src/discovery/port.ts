/**
 * The discovery port: what a provider says exists. One discoverer per provider type
 * (src/discovery/<type>.ts), built from the same configured instance as the revoking adapter, all
 * passing the conformance suite in test/contract/discovery. A discoverer never writes: it streams
 * what it lists, and the sync (src/discovery/sync.ts) decides what changes in the inventory.
 *
 * Why a stream of events and not a list: an estate can hold a million credentials, and a sync must
 * run in bounded memory. Why `complete` events: a sync may mark a credential gone only when the
 * listing that would have shown it finished. A list call that was refused (missing permission) or
 * failed half way sends no `complete` for its kinds, so nothing it could not see is marked gone.
 *
 * Discoverers call through the provider's SDK with SDK retries off, like adapters: the sync runs
 * each call under the instance's rate budget and owns retries (one retry layer).
 */

/** A credential as the provider lists it; `(instance, kind, providerId)` is the sync key. */
export interface DiscoveredCredential {
  kind: string;
  /** The provider-side id the revoking adapter acts on (access key id, token accessor, PAT id). */
  providerId: string;
  /** The provider-side account that owns it (IAM user name, GitHub login, Slack user id). */
  ownerIdentity?: string;
  /** An owner the provider names directly (an `owner` tag holding an email or team). */
  owner?: string;
  /** A workload the provider names (a `workload` tag). */
  workload?: string;
  scopes?: readonly string[];
  issuedAt?: string;
  lastUsedAt?: string;
  expiresAt?: string;
  /** Whether the provider already shows it inactive (an IAM key `Inactive`). */
  status?: 'active' | 'disabled';
  /** Provider-side accounts that can read its value (a secret's resource-policy principals). */
  readerIdentities?: readonly string[];
  labels?: Readonly<Record<string, string>>;
}

/** An account at the provider (a GitHub member, a Slack user, an IAM user). */
export interface DiscoveredIdentity {
  /** The id a person's `identities[instance]` holds for this account. */
  identity: string;
  /** An email the provider shows for it, used to link the account to a person. */
  email?: string;
  displayName?: string;
  /** `member`, `outside_collaborator`, `bot`, `user`, …: as the provider classifies it. */
  role?: string;
}

export type DiscoveryEvent =
  | { type: 'credential'; credential: DiscoveredCredential }
  | { type: 'identity'; identity: DiscoveredIdentity }
  /** Every credential of these kinds has been sent: the rest of them are gone at the provider. */
  | { type: 'complete'; kinds: readonly string[] }
  /** A list call the provider refused; `permission` names what the configured credential lacks. */
  | { type: 'refused'; what: string; permission: string; code: string };

/**
 * How a discoverer makes each provider call: under the instance's rate budget, with the sync's
 * retry policy. A refusal (403, AccessDenied) comes back as a TourniquetError with a permanent code.
 */
export type DiscoveryCall = <T>(what: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface Discoverer {
  /** The configured instance name (credential.provider). */
  readonly instance: string;
  /** Kinds this discoverer can list. */
  readonly kinds: readonly string[];
  discover(call: DiscoveryCall, signal: AbortSignal): AsyncIterable<DiscoveryEvent>;
}
