/**
 * Audit records: append-only and hash-chained. `hash` = SHA-256 over the previous record's hash and
 * the canonical JSON of this record's content, so editing or deleting any record breaks the chain.
 */
import { z } from 'zod';
import { Timestamp } from './common.js';

export const AuditType = z.enum([
  'trigger.accepted',
  'trigger.duplicate',
  'trigger.rejected',
  'plan.created',
  'plan.awaiting_approval',
  'plan.approved',
  'plan.denied',
  'plan.needs_owner',
  'task.approved',
  'task.denied',
  'task.shadow',
  'task.attempt',
  'task.revoked',
  'task.already_revoked',
  'task.retry_scheduled',
  'task.failed',
  'task.dead_lettered',
  'task.verified',
  'task.verify_failed',
  // an attempt whose lease a later claim took over wrote nothing (fencing, src/pipeline/lease.ts)
  'task.attempt_fenced',
  'inventory.imported',
  // a provider sync changed the inventory: one record per written batch, with its bounded diff
  'inventory.synced',
  'credential.flagged',
  // the inventory said dead, the provider says alive again (src/pipeline/drift.ts)
  'credential.drift',
  // owner_left and active: the provider says it is dead after all / still alive (src/pipeline/drift.ts)
  'credential.observed_dead',
  'credential.owner_left_alive',
  'dlq.retried',
  'dlq.unsealed',
  'replay.started',
  'replay.completed',
  'operator.added',
  'message.dead_lettered',
  'log.loss_accepted',
  'audit.reanchored',
]);
export type AuditType = z.infer<typeof AuditType>;

export const AuditEntry = z.object({
  type: AuditType,
  actor: z.string().min(1),
  triggerId: z.string().nullable().default(null),
  planId: z.string().nullable().default(null),
  taskId: z.string().nullable().default(null),
  credentialId: z.string().nullable().default(null),
  data: z.record(z.string(), z.json()).default({}),
});
export type AuditEntry = z.input<typeof AuditEntry>;

export const AuditRecord = AuditEntry.extend({
  seq: z.number().int().positive(),
  at: Timestamp,
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/**
 * A signed checkpoint of the chain head, written to anchors outside the database (a file, the
 * Kafka audit topic). `sig` is Ed25519 over the canonical JSON of every other field; `kid` names the
 * public key (hex SHA-256 of its raw 32 bytes). `legacySeq` is the last record hashed without the
 * audit key: signing it pins the legacy boundary. `epoch` starts at 0 and grows by one each time an
 * operator re-anchors a damaged chain (`audit reanchor`): the newest checkpoint is the highest
 * (epoch, seq), so replaying an old checkpoint line into an anchor cannot hide a truncation.
 */
export const AuditCheckpoint = z
  .object({
    v: z.literal(1),
    epoch: z.number().int().nonnegative(),
    seq: z.number().int().nonnegative(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    legacySeq: z.number().int().nonnegative(),
    at: Timestamp,
    kid: z.string().regex(/^[0-9a-f]{64}$/),
    sig: z.string().min(1),
  })
  .strict();
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;
