/**
 * Webhook intake: how each source authenticates its deliveries to `POST /hooks/<source>`. A source
 * with no entry here is not exposed (404): nothing is accepted unauthenticated.
 */
import { z } from 'zod';
import { SecretSetting } from './common.js';

/** Secrets accept a list so that a rotation can overlap (old and new both valid). */
const Secrets = z.union([SecretSetting, z.array(SecretSetting).min(1)]);

export const IntakeConfig = z
  .object({
    'github.secret_scanning_alert': z.object({ webhookSecret: Secrets }).strict().optional(),
    /** GitHub's partner-program public keys (GET /meta/public_keys/secret_scanning), by key id. */
    'github.partner': z
      .object({ publicKeys: z.record(z.string(), z.string().min(1)) })
      .strict()
      .optional(),
    gitguardian: z
      .object({ token: Secrets, maxAgeSeconds: z.number().int().positive().optional() })
      .strict()
      .optional(),
    bamboohr: z
      .object({ privateKey: Secrets, maxAgeSeconds: z.number().int().positive().optional() })
      .strict()
      .optional(),
    terraform: z.object({ token: Secrets }).strict().optional(),
    okta: z.object({ secret: Secrets, headerName: z.string().optional() }).strict().optional(),
    ssf: z
      .object({
        issuer: z.string().min(1),
        audience: z.string().min(1),
        /** The transmitter's JWKS document (inline, so intake never depends on a network fetch). */
        jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
        /** A SET issued longer ago than this is refused (a replayed or long-delayed event). */
        maxAgeSeconds: z
          .number()
          .int()
          .positive()
          .default(7 * 24 * 3600),
        /** Poll delivery (RFC 8936): the transmitter's poll endpoint, polled by the service. */
        poll: z
          .object({
            url: z.url(),
            token: SecretSetting,
            intervalMs: z.number().int().positive().default(10_000),
            maxEvents: z.number().int().positive().max(1000).default(100),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * Sources without a signature scheme of their own (SCIM clients, scanners run in CI, EventBridge
     * API destinations, Kubernetes audit webhooks, HR exports) send `Authorization: Bearer <token>`.
     */
    bearer: z.record(z.string(), Secrets).default({}),
  })
  .strict();
export type IntakeConfig = z.infer<typeof IntakeConfig>;
