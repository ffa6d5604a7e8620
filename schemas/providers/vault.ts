/**
 * Configuration of the Vault / OpenBao provider adapter (`vault`). One instance talks to one
 * cluster with one token; the API paths are the same on both.
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

export const VaultProviderConfig = z
  .object({
    type: z.literal('vault'),
    name: z.string().min(1),
    /** Base address, e.g. `https://vault.internal:8200` (no `/v1`). */
    address: z.url(),
    /**
     * Sent as X-Vault-Token. Needs: update on auth/token/revoke-accessor and lookup-accessor;
     * update on sys/leases/lookup, sys/leases/revoke; sudo on sys/leases/revoke-prefix/* and list
     * on sys/leases/lookup/*; read on <mount>/metadata/*, delete on <mount>/data/*, update on
     * <mount>/destroy/*. `tokenRevocation: orphan` adds sudo on auth/token/revoke-orphan.
     */
    token: SecretSetting,
    /**
     * Default namespace (Vault Enterprise, OpenBao), sent as X-Vault-Namespace: a path relative to
     * the token's own namespace, e.g. `team-a` or `team-a/ci`. A credential's `namespace` label
     * overrides it, so one instance with a root-namespace token can serve every namespace.
     */
    namespace: z.string().min(1).optional(),
    /**
     * What revoking a token does to the tokens it created. `subtree` (Vault's own rule, stated
     * here so nobody is surprised): its children, their children and all their leases die with it.
     * `orphan`: only the token and its leases die, its children live on as orphans
     * (auth/token/revoke-orphan); by value only, because Vault has no orphaning revoke by accessor,
     * so `vault.token` (accessor) revokes are then not offered.
     */
    tokenRevocation: z.enum(['subtree', 'orphan']).default('subtree'),
    /** KV v2 mount for `vault.kv_secret` credentials without a `mount` label. */
    kvMount: z.string().min(1).default('secret'),
    timeoutMs: z.number().int().positive().default(10_000),
    /** Performance standbys and replicas may lag the active node briefly. */
    propagationMs: z.number().int().nonnegative().default(2_000),
    rateBudget: RateBudgetSetting.optional(),
  })
  .strict();
export type VaultProviderConfig = z.infer<typeof VaultProviderConfig>;
export type VaultProviderConfigInput = z.input<typeof VaultProviderConfig>;
