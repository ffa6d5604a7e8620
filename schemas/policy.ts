/**
 * The policy file: per trigger kind × credential kind, whether tasks run automatically, wait for a
 * human (approval) or are only recorded (shadow); and the blast-radius guard.
 */
import { z } from 'zod';
import { Decision } from './plan.js';
import { TriggerKind } from './trigger.js';

export const PolicyRule = z
  .object({
    trigger: z.union([TriggerKind, z.literal('*')]).default('*'),
    /** A credential kind, a prefix ending in `*` (`github.*`), or `*`. */
    credentialKind: z
      .string()
      .regex(/^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/, 'a credential kind, a prefix like github.*, or *')
      .default('*'),
    decision: Decision,
  })
  .strict();

/** Thresholds of the governance report (handlers/report.ts). */
export const ReportPolicy = z
  .object({
    /** Unused for longer than this: stale. */
    staleDays: z.number().int().positive().default(90),
    /** Issued longer ago than this: past its lifetime. */
    maxAgeDays: z.number().int().positive().default(365),
    /** A scope naming one of these (case-insensitive), or `*`, grants writes. */
    writeScopes: z
      .array(z.string().min(1).max(100))
      .default(['write', 'admin', 'delete', 'manage', 'owner', 'full', 'repo']),
  })
  .strict();
export type ReportPolicy = z.infer<typeof ReportPolicy>;

export const Policy = z
  .object({
    defaults: z
      .object({ offboarding: Decision, leak: Decision, decommission: Decision })
      .strict()
      .default({ offboarding: 'auto', leak: 'auto', decommission: 'auto' }),
    /** First matching rule wins; no match falls back to `defaults`. */
    rules: z.array(PolicyRule).default([]),
    blastRadius: z
      .object({ maxCredentials: z.number().int().positive().default(25) })
      .strict()
      .prefault({}),
    /**
     * Rotation of a key whose workload must keep running: the new key is deployed at once; the old
     * one is deactivated after `graceMinutes` (time for the workload to pick up the new one) and
     * deleted after twice that. A leaked key not in the inventory is deactivated at once and deleted
     * after `leakedKeyDeleteMinutes`.
     */
    grace: z
      .object({
        graceMinutes: z.number().nonnegative().default(60),
        leakedKeyDeleteMinutes: z.number().nonnegative().default(60),
      })
      .strict()
      .prefault({}),
    report: ReportPolicy.prefault({}),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;
