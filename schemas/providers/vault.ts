/**
 * Configuration of the Vault / OpenBao provider adapter (`vault`). One instance talks to one
 * cluster (and optionally one namespace) with one token; the API paths are the same on both.
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
     * <mount>/destroy/*.
     */
    token: SecretSetting,
    /** Enterprise / OpenBao namespace, sent as X-Vault-Namespace. */
    namespace: z.string().min(1).optional(),
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
